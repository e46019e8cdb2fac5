"""Server-room pages. Readers: admin, auditor, viewer, and the 所属長 of the unit that manages an area (the
情報システム部門), who also signs the monthly review. Writes (areas, cards, authorisations, visits, imports):
Perm.AREA_MANAGE."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from piaops.areas import forms as f
from piaops.areas import services
from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import Area, Card, DoorLogImport, DoorLogMapping, MonthlyReview
from piaops.areas.reconcile import ExceptionKind, reconcile
from piaops.core.forms import ReopenForm, confirmation_error
from piaops.tenancy import access
from piaops.tenancy.access import Perm, tenant_view
from piaops.tenancy.models import Person

READER_ROLES = services.READER_ROLES


def _area(request: HttpRequest, pk: int) -> Area:
    return access.get_or_404(request.user, services.readable_areas(request.user), pk=pk)


def _manage_only(request: HttpRequest) -> None:
    access.require(request.user, Perm.AREA_MANAGE)


def _save_form(request: HttpRequest, form: BaseForm, message: str) -> bool:
    """Validate and save a TenantModelForm through the audited service; True when saved."""
    if request.method == "POST" and form.is_valid():
        services.save_record(obj=form.save(commit=False), user=request.user)  # type: ignore[attr-defined, arg-type]
        messages.success(request, message)
        return True
    return False


def may_open_index(user: Any) -> bool:
    """Whether ``user`` may open the list of areas: a reader role, or a unit role that signs off some area."""
    return bool(access.roles(user) & READER_ROLES) or services.readable_areas(user).exists()


@tenant_view(Perm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    areas = services.readable_areas(request.user)
    if not may_open_index(request.user):
        raise PermissionDenied("管理区域を閲覧する権限がありません。")
    return render(
        request,
        "areas/index.html",
        {"areas": areas, "can_manage": access.has_perm(request.user, Perm.AREA_MANAGE)},
    )


@tenant_view(Perm.AREA_MANAGE)
def area_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    area = access.get_or_404(request.user, Area, pk=pk) if pk else None
    form = f.AreaForm(request.POST or None, instance=area, municipality=municipality)
    if _save_form(request, form, "管理区域を保存しました。"):
        return redirect("areas:detail", pk=form.instance.pk)
    return render(request, "areas/form.html", {"form": form, "title": "管理区域", "back": "areas:index"})


@tenant_view(Perm.VIEW)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
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


@tenant_view(Perm.AREA_MANAGE)
def authorization_add(request: HttpRequest, pk: int) -> HttpResponse:
    area = access.get_or_404(request.user, Area, pk=pk)
    form = f.AuthorizationForm(
        request.POST or None, municipality=area.municipality, initial={"valid_from": timezone.localdate()}
    )
    form.instance.area = area
    form.instance.approved_by = request.user
    if _save_form(request, form, "入室許可を登録しました。"):
        return redirect("areas:detail", pk=area.pk)
    return render(request, "areas/form.html", {"form": form, "title": f"{area.name}の入室許可", "area": area})


@tenant_view(Perm.AREA_MANAGE)
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    area = access.get_or_404(request.user, Area, pk=pk)
    form = f.VisitForm(request.POST or None, municipality=area.municipality)
    form.instance.area = area
    if _save_form(request, form, "来訪者の入退室を記録しました。"):
        return redirect("areas:detail", pk=area.pk)
    return render(request, "areas/form.html", {"form": form, "title": f"{area.name}への来訪", "area": area})


@tenant_view(Perm.AREA_MANAGE)
def cards(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    form = f.CardForm(request.POST or None, municipality=municipality)
    if _save_form(request, form, "カードを登録しました。"):
        return redirect("areas:cards")
    return render(
        request,
        "areas/cards.html",
        {"form": form, "cards": access.scoped(request.user, Card).select_related("person")[:1000]},
    )


@tenant_view(Perm.AREA_MANAGE)
def mappings(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    form = f.MappingForm(request.POST or None, municipality=municipality)
    if _save_form(request, form, "列の対応を登録しました。"):
        return redirect("areas:mappings")
    return render(
        request, "areas/mappings.html", {"form": form, "mappings": access.scoped(request.user, DoorLogMapping)}
    )


@tenant_view(Perm.AREA_MANAGE)
def import_log(request: HttpRequest, pk: int) -> HttpResponse:
    area = access.get_or_404(request.user, Area, pk=pk)
    form = f.DoorLogUploadForm(request.POST or None, request.FILES or None, municipality=area.municipality)
    context: dict[str, Any] = {"area": area, "form": form}
    if request.method == "POST" and form.is_valid():
        mapping = form.cleaned_data["mapping"] or DoorLogMapping(municipality=area.municipality, name="標準")
        upload = form.cleaned_data["file"]
        dry_run = "dry_run" in request.POST
        try:
            batch = door_log_import(
                area=area,
                data=upload.read(),
                file_name=upload.name,
                mapping=mapping,
                user=request.user,  # type: ignore[arg-type]
                dry_run=dry_run,
            )
        except DoorLogError as exc:
            context.update(errors=exc.errors, error_total=exc.total)
            return render(request, "areas/import.html", context, status=400)
        if dry_run:
            context["checked"] = batch
            return render(request, "areas/import.html", context)
        skipped = f"（取込済み・重複の{batch.skipped}件は追加していません）" if batch.skipped else ""
        messages.success(request, f"入退室ログ {batch.rows}件を取り込みました{skipped}。")
        return redirect("areas:detail", pk=area.pk)
    return render(request, "areas/import.html", context)


@tenant_view(Perm.VIEW)
def review(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    area = _area(request, pk)
    try:
        first = dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404("対象月が正しくありません。") from exc
    review = services.review_for(area=area, month=first)
    can_sign = services.can_sign_off(request.user, area)
    can_reopen = access.has_perm(request.user, Perm.AREA_MANAGE)
    if request.method == "POST":
        if not (can_reopen if "reopen" in request.POST else can_sign):
            raise PermissionDenied("この管理区域の月次確認を行う権限がありません。")
        try:
            if "reopen" in request.POST:
                reopen_form = ReopenForm(request.POST)
                if not reopen_form.is_valid():
                    raise services.ReviewError(str(next(iter(reopen_form.errors.values()))[0]))
                services.review_reopen(
                    review=review,
                    user=request.user,  # type: ignore[arg-type]
                    reason=reopen_form.cleaned_data["reason"],
                )
                messages.success(
                    request, "月次確認を再開しました。入退室ログを取り込めます。終わったら再度署名してください。"
                )
            elif "sign" in request.POST:
                if unconfirmed := confirmation_error(request.POST):
                    raise services.ReviewError(unconfirmed)
                sign_form = f.SignOffForm(request.POST)
                sign_form.is_valid()
                services.review_sign_off(
                    review=review,
                    user=request.user,  # type: ignore[arg-type]
                    summary=sign_form.cleaned_data.get("summary", ""),
                )
                messages.success(request, "月次確認に署名しました。")
            else:
                comment_form = f.CommentForm(request.POST)
                if not comment_form.is_valid():
                    for errors in comment_form.errors.values():
                        for error in errors:
                            messages.error(request, str(error))
                else:
                    services.review_comment(review=review, user=request.user, **comment_form.cleaned_data)  # type: ignore[arg-type]
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        return redirect("areas:review", pk=area.pk, year=year, month=month)
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
