"""Server-room pages. Readers: ``Area.objects.visible_to`` (admin, auditor, viewer, and the 所属長 of the unit that
manages an area, the 情報システム部門, who also signs the monthly review). Writes (areas, cards, authorisations,
visits, imports, re-opening a signed month): Perm.AREA_MANAGE; comments and the signature: Perm.AREA_SIGN_OFF for
the area's managing unit. A view about one area takes it from ``tenant_object`` (another tenant's id: 404; an
area the user may not see or act on: 403); each POST of the review page has its own view and form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.areas import forms as f
from piaops.areas import services
from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import Area, Card, DoorLogImport, DoorLogMapping, MonthlyReview
from piaops.areas.reconcile import ExceptionKind, reconcile
from piaops.core.actions import say_errors
from piaops.core.forms import ReopenForm
from piaops.jobs.services import job_enqueue
from piaops.tenancy import access
from piaops.tenancy.access import Perm, tenant_object, tenant_view
from piaops.tenancy.models import Person, User

SELECT = ("managing_unit",)


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _posted(request: HttpRequest) -> QueryDict | None:
    """The form data: the POST, or None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def _save_form(request: HttpRequest, form: BaseForm, message: str) -> bool:
    """Validate and save a TenantModelForm through the audited service; True when saved."""
    if request.method == "POST" and form.is_valid():
        services.save_record(obj=form.save(commit=False), user=_u(request))  # type: ignore[attr-defined]
        messages.success(request, message)
        return True
    return False


def may_open_index(user: User) -> bool:
    """Whether ``user`` may open the list of areas: a municipality-wide reader, or a 所属長 who sees some area."""
    if getattr(user, "municipality_id", None) is None:
        return False
    return access.is_municipality_wide(user, Perm.VIEW) or Area.objects.visible_to(user).exists()


@tenant_view(Perm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    if not may_open_index(_u(request)):
        raise PermissionDenied("管理区域を閲覧する権限がありません。")
    return render(
        request,
        "areas/index.html",
        {
            "areas": Area.objects.visible_to(_u(request)).select_related("managing_unit"),
            "can_manage": access.has_perm(request.user, Perm.AREA_MANAGE),
        },
    )


def _area_form(request: HttpRequest, area: Area | None) -> HttpResponse:
    form = f.AreaForm(_posted(request), instance=area, municipality=access.municipality_of(request.user))
    if _save_form(request, form, "管理区域を保存しました。"):
        return redirect("areas:detail", pk=form.instance.pk)
    return render(request, "areas/form.html", {"form": form, "title": "管理区域", "back": "areas:index"})


@tenant_view(Perm.AREA_MANAGE)
def area_create(request: HttpRequest) -> HttpResponse:
    return _area_form(request, None)


@tenant_object(Area, perm=Perm.AREA_MANAGE)
def area_edit(request: HttpRequest, area: Area) -> HttpResponse:
    return _area_form(request, area)


@tenant_object(Area, perm=Perm.VIEW, select=SELECT)
def detail(request: HttpRequest, area: Area) -> HttpResponse:
    today = timezone.localdate()
    months = (
        area.events.values("day__year", "day__month")
        .annotate(n=Count("id"), last=Max("day"))
        .order_by("-day__year", "-day__month")
    )
    reviews = {(r.month.year, r.month.month): r for r in area.reviews.all()}
    return render(
        request,
        "areas/detail.html",
        {
            "area": area,
            "authorizations": area.authorizations.select_related("person").order_by("-valid_from")[:200],
            "visits": area.visits.select_related("escort")[:50],
            "imports": DoorLogImport.objects.filter(area=area)[:20],
            "months": [
                {
                    "year": m["day__year"],
                    "month": m["day__month"],
                    "n": m["n"],
                    "review": reviews.get((m["day__year"], m["day__month"])),
                }
                for m in months
            ],
            "today": today,
            "can_manage": access.has_perm(request.user, Perm.AREA_MANAGE),
        },
    )


@tenant_object(Area, perm=Perm.AREA_MANAGE)
def authorization_add(request: HttpRequest, area: Area) -> HttpResponse:
    form = f.AuthorizationForm(
        _posted(request), municipality=area.municipality, initial={"valid_from": timezone.localdate()}
    )
    form.instance.area = area
    form.instance.approved_by = request.user
    if _save_form(request, form, "入室許可を登録しました。"):
        return redirect("areas:detail", pk=area.pk)
    return render(request, "areas/form.html", {"form": form, "title": f"{area.name}の入室許可", "area": area})


@tenant_object(Area, perm=Perm.AREA_MANAGE)
def visit_add(request: HttpRequest, area: Area) -> HttpResponse:
    form = f.VisitForm(_posted(request), municipality=area.municipality)
    form.instance.area = area
    if _save_form(request, form, "来訪者の入退室を記録しました。"):
        return redirect("areas:detail", pk=area.pk)
    return render(request, "areas/form.html", {"form": form, "title": f"{area.name}への来訪", "area": area})


@tenant_view(Perm.AREA_MANAGE)
def cards(request: HttpRequest) -> HttpResponse:
    form = f.CardForm(_posted(request), municipality=access.municipality_of(request.user))
    if _save_form(request, form, "カードを登録しました。"):
        return redirect("areas:cards")
    return render(
        request,
        "areas/cards.html",
        {"form": form, "cards": access.scoped(request.user, Card).select_related("person")[:1000]},
    )


@tenant_view(Perm.AREA_MANAGE)
def mappings(request: HttpRequest) -> HttpResponse:
    form = f.MappingForm(_posted(request), municipality=access.municipality_of(request.user))
    if _save_form(request, form, "列の対応を登録しました。"):
        return redirect("areas:mappings")
    return render(
        request, "areas/mappings.html", {"form": form, "mappings": access.scoped(request.user, DoorLogMapping)}
    )


@tenant_object(Area, perm=Perm.AREA_MANAGE)
def import_log(request: HttpRequest, area: Area) -> HttpResponse:
    posted = request.method == "POST"
    form = f.DoorLogUploadForm(
        request.POST if posted else None, request.FILES if posted else None, municipality=area.municipality
    )
    context: dict[str, Any] = {"area": area, "form": form}
    if posted and form.is_valid():
        mapping = form.cleaned_data["mapping"] or DoorLogMapping(municipality=area.municipality, name="標準")
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            # Checked here (every problem on this page); the import itself is a background job (a year of logs
            # outlasts the proxy's timeout), which checks again inside its transaction.
            batch = door_log_import(
                area=area, data=content, file_name=upload.name, mapping=mapping, user=_u(request), dry_run=True
            )
        except DoorLogError as exc:
            context.update(errors=exc.errors, error_total=exc.total)
            return render(request, "areas/import.html", context, status=400)
        if form.cleaned_data["dry_run"]:
            context["checked"] = batch
            return render(request, "areas/import.html", context)
        job = job_enqueue(
            municipality=area.municipality,
            user=_u(request),
            kind="door_log_import",
            title=f"入退室ログの取込（{area.name}）: {upload.name}",
            params={"area": area.pk, "mapping": mapping.pk},
            uploads={"upload": (upload.name, content)},
        )
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "areas/import.html", context)


def _first_day(year: int, month: int) -> dt.date:
    try:
        return dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404("対象月が正しくありません。") from exc


@tenant_object(Area, perm=Perm.VIEW, select=SELECT)
def review(request: HttpRequest, area: Area, year: int, month: int) -> HttpResponse:
    first = _first_day(year, month)
    review = services.review_for(area=area, month=first)
    can_sign = services.can_sign_off(_u(request), area)
    can_reopen = access.has_perm(request.user, Perm.AREA_MANAGE)
    exceptions = reconcile(area=area, month=first)
    comments = {c.exception_key: c for c in review.comments.select_related("author")}
    people = {p.pk: p for p in Person.objects.filter(pk__in={e.person_id for e in exceptions if e.person_id})}
    rows = [{"e": e, "comment": comments.get(e.key), "person": people.get(e.person_id or 0)} for e in exceptions]
    counts = {label: sum(1 for e in exceptions if e.kind == kind) for kind, label in ExceptionKind.choices}
    is_open = review.status == MonthlyReview.Status.OPEN
    return render(
        request,
        "areas/review.html",
        {
            "area": area,
            "review": review,
            "first": first,
            "rows": rows,
            "counts": counts,
            "can_comment": can_sign and is_open,
            "can_sign": can_sign and is_open and services.month_has_ended(first, timezone.localdate()),
            "month_running": is_open and not services.month_has_ended(first, timezone.localdate()),
            "can_reopen": can_reopen and review.status == MonthlyReview.Status.SIGNED,
            "events": review.events.select_related("by"),
            "sign_form": f.SignOffForm(),
            "reopen_form": ReopenForm(),
        },
    )


@require_POST
@tenant_object(Area, perm=Perm.AREA_SIGN_OFF, unit="managing_unit", select=SELECT)
def review_comment(request: HttpRequest, area: Area, year: int, month: int) -> HttpResponse:
    review = services.review_for(area=area, month=_first_day(year, month))
    form = f.CommentForm(request.POST)
    if not form.is_valid():
        say_errors(request, form)
    else:
        try:
            services.review_comment(review=review, user=_u(request), **form.cleaned_data)
        except services.ReviewError as exc:
            messages.error(request, str(exc))
    return redirect("areas:review", pk=area.pk, year=year, month=month)


@require_POST
@tenant_object(Area, perm=Perm.AREA_SIGN_OFF, unit="managing_unit", select=SELECT)
def review_sign(request: HttpRequest, area: Area, year: int, month: int) -> HttpResponse:
    review = services.review_for(area=area, month=_first_day(year, month))
    form = f.SignOffForm(request.POST)
    if not form.is_valid():
        say_errors(request, form)
    else:
        try:
            services.review_sign_off(review=review, user=_u(request), summary=form.cleaned_data["summary"])
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "月次確認に署名しました。")
    return redirect("areas:review", pk=area.pk, year=year, month=month)


@require_POST
@tenant_object(Area, perm=Perm.AREA_MANAGE, select=SELECT)
def review_reopen(request: HttpRequest, area: Area, year: int, month: int) -> HttpResponse:
    review = services.review_for(area=area, month=_first_day(year, month))
    form = ReopenForm(request.POST)
    if not form.is_valid():
        say_errors(request, form)
    else:
        try:
            services.review_reopen(review=review, user=_u(request), reason=form.cleaned_data["reason"])
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, "月次確認を再開しました。入退室ログを取り込めます。終わったら再度署名してください。"
            )
    return redirect("areas:review", pk=area.pk, year=year, month=month)
