"""Pages of 教育・啓発: overview, unit rosters (with XLSX export), a person's history, courses, requirements,
records (by hand and imported), and the Ⅳ-2 rating."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from piaops.jobs.services import job_enqueue
from piaops.lib.safeexport import workbook_bytes
from piaops.tenancy import access
from piaops.tenancy.access import Perm, require, scoped, tenant_object, tenant_view
from piaops.tenancy.models import Assignment, OrgUnit, Person, User, unit_label
from piaops.training import services
from piaops.training.compliance import Row, Status, active_requirements, status_rows, who
from piaops.training.forms import AsOfForm, CourseForm, ImportForm, RatingForm, RecordForm, RequirementForm, SessionForm
from piaops.training.importing import ImportFileError, import_records
from piaops.training.models import (
    Course,
    RatingDecision,
    Record,
    Requirement,
    Session,
    sees_whole_municipality,
    visible_people,
)
from piaops.training.reminders import BEFORE_DAYS
from piaops.training.summary import overview, suggest_rating

LIST_LIMIT = 200


def _as_of(request: HttpRequest) -> tuple[dt.date, AsOfForm]:
    """The 基準日 asked for, or today. A 基準日 given but invalid (not a date, or outside the years piaops serves)
    gives today's figures with the bound form, whose error the page shows with status 400."""
    form = AsOfForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("as_of"):
        return form.cleaned_data["as_of"], form
    if request.GET.get("as_of") and form.errors:
        return timezone.localdate(), form
    return timezone.localdate(), AsOfForm(initial={"as_of": timezone.localdate()})


def _user(request: HttpRequest) -> User:
    """The logged-in user (the decorators let no anonymous request through)."""
    return request.user  # type: ignore[return-value]


def _people(user: User, ids: set[int]) -> dict[int, Person]:
    return {p.pk: p for p in scoped(user, Person).filter(pk__in=ids)}


@tenant_view(Perm.VIEW_PEOPLE)
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not sees_whole_municipality(user):
        unit = next((g.unit for g in access.grants(user) if g.role in access.UNIT_ROLES and g.unit), None)
        if unit is None:
            raise PermissionDenied("この操作を行う権限がありません。")
        roster = reverse("training:roster", kwargs={"unit_id": unit.pk})
        # Keep the 基準日 a link (e.g. from the dashboard) chose: the roster reads the same parameter.
        return redirect(
            f"{roster}?{urlencode({'as_of': request.GET['as_of']})}" if request.GET.get("as_of") else roster
        )
    as_of, form = _as_of(request)
    municipality = access.municipality_of(user)
    data = overview(municipality, as_of)
    requirements = [r for r, _, _ in data.requirements]
    untrained = status_rows(requirements=requirements, as_of=as_of, untrained_only=True, limit=LIST_LIMIT)
    overdue = status_rows(requirements=requirements, as_of=as_of, statuses=[Status.OVERDUE], limit=LIST_LIMIT)
    people = _people(user, {r.person_id for r in untrained + overdue})
    by_id = {r.pk: r for r in requirements}
    by_unit, by_type = _headcounts(municipality.pk, as_of)
    return render(
        request,
        "training/index.html",
        {
            "form": form,
            "data": data,
            "by_employment": [(t, by_type.get(str(t.key), 0)) for t in data.by_employment],
            "by_unit": [(t, by_unit.get(t.key if isinstance(t.key, int) else None, 0)) for t in data.by_unit],
            "untrained": [(people[r.person_id], by_id[r.requirement_id], r) for r in untrained],
            "overdue": [(people[r.person_id], by_id[r.requirement_id], r) for r in overdue],
            "limit": LIST_LIMIT,
            "can_manage": access.has_perm_somewhere(user, Perm.TRAINING_MANAGE),
            "units": access.visible_units(user).filter(is_active=True),
        },
        status=400 if form.errors else 200,
    )


def _headcounts(municipality_id: int, as_of: dt.date) -> tuple[dict[int | None, int], dict[str, int]]:
    """People with an assignment on the day, by current unit and by employment type: the overview's tallies count
    person × requirement (件), these count each person once. The current unit is the latest assignment active on
    the day, as the tallies (``compliance.group_counts``) place a person."""
    latest: dict[int, tuple[dt.date, int, int, str]] = {}
    rows = (
        Assignment.objects.filter(municipality_id=municipality_id)
        .on(as_of)
        .values_list("person_id", "start_date", "pk", "unit_id", "person__employment_type")
    )
    for person_id, start, pk, unit_id, employment_type in rows:
        if person_id not in latest or (start, pk) > latest[person_id][:2]:
            latest[person_id] = (start, pk, unit_id, employment_type)
    by_unit: Counter[int | None] = Counter(unit_id for _s, _pk, unit_id, _t in latest.values())
    by_type: Counter[str] = Counter(employment_type for _s, _pk, _u, employment_type in latest.values())
    return dict(by_unit), dict(by_type)


WHO_PAGE = 100
WHO_LISTS = {
    "overdue": "研修の期限超過",
    "soon": f"研修の受講期限が{BEFORE_DAYS}日以内",
    "untrained": "初任時研修を受けずに特定個人情報を取り扱っている人",
}


@tenant_view(Perm.VIEW_PEOPLE)
def who_list(request: HttpRequest) -> HttpResponse:
    """Who is overdue (or due within ``BEFORE_DAYS`` days, or untrained with access) on the day, a page at a time
    (``WHO_PAGE`` lines, earliest first; the database pages, so the cost does not grow with the list): the list the
    home page's counted lines link to. A unit role sees the people whose current unit is in their subtrees."""
    user = _user(request)
    show = request.GET.get("show", "overdue")
    if show not in WHO_LISTS:
        show = "overdue"
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    as_of, form = _as_of(request)
    units = access.visible_units(user)
    unit_names = {u.pk: unit_label(u) for u in units.only("pk", "name", "code")}
    scope = None if sees_whole_municipality(user) else sorted(unit_names)
    requirements = active_requirements(access.municipality_of(user))
    lines = list(
        who(
            requirements=requirements,
            as_of=as_of,
            statuses=[Status.OVERDUE] if show == "overdue" else [Status.PENDING] if show == "soon" else None,
            untrained_only=show == "untrained",
            due_until=as_of + dt.timedelta(days=BEFORE_DAYS) if show == "soon" else None,
            unit_ids=scope,
            current_units=scope,
            limit=WHO_PAGE + 1,
            offset=(page - 1) * WHO_PAGE,
        )
    )
    names = {r.pk: r.name for r in requirements}

    def link(to_page: int) -> str:
        return "?" + urlencode({"show": show, "as_of": as_of.isoformat(), "page": to_page})

    return render(
        request,
        "training/who.html",
        {
            "form": form,
            "as_of": as_of,
            "show": show,
            "title": WHO_LISTS[show],
            "lists": [
                (key, label, "?" + urlencode({"show": key, "as_of": as_of.isoformat()}))
                for key, label in WHO_LISTS.items()
            ],
            "lines": [(w, names[w.requirement_id], unit_names.get(w.unit_id or 0, "")) for w in lines[:WHO_PAGE]],
            "first": (page - 1) * WHO_PAGE + 1,
            "previous": link(page - 1) if page > 1 else "",
            "next": link(page + 1) if len(lines) > WHO_PAGE else "",
        },
    )


def _roster(unit: OrgUnit, as_of: dt.date) -> tuple[list[Requirement], list[tuple[Person, list[Row | None]]]]:
    """People with an assignment in the unit subtree on the day, and their status for each requirement."""
    requirements = active_requirements(unit.municipality_id)
    subtree = list(OrgUnit.objects.subtree(unit).values_list("pk", flat=True))
    active = Q(assignments__unit_id__in=subtree, assignments__start_date__lte=as_of) & (
        Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gte=as_of)
    )
    people = list(
        Person.objects.for_municipality(unit.municipality_id)
        .filter(active)
        .distinct()
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.on(as_of).select_related("unit"),
                to_attr="current_assignments",
            )
        )
        .order_by("staff_number")
    )
    rows = status_rows(requirements=requirements, as_of=as_of, unit_ids=subtree)
    cells: dict[int, dict[int, Row]] = defaultdict(dict)
    for row in rows:
        cells[row.person_id][row.requirement_id] = row
    return requirements, [(p, [cells[p.pk].get(r.pk) for r in requirements]) for p in people]


@tenant_object(OrgUnit, perm=Perm.VIEW_PEOPLE, url_kwarg="unit_id")
def roster(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    require(request.user, Perm.VIEW_PEOPLE, unit=unit)  # the unit itself must lie in the user's subtrees
    as_of, form = _as_of(request)
    requirements, table = _roster(unit, as_of)
    if request.GET.get("format") == "xlsx" and not form.errors:
        return _roster_xlsx(unit, as_of, requirements, table)
    return render(
        request,
        "training/roster.html",
        {"unit": unit, "form": form, "as_of": as_of, "requirements": requirements, "table": table},
        status=400 if form.errors else 200,
    )


def _roster_xlsx(
    unit: OrgUnit, as_of: dt.date, requirements: list[Requirement], table: list[tuple[Person, list[Row | None]]]
) -> HttpResponse:
    from openpyxl import Workbook

    from piaops.lib.xlsxprint import print_setup

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "受講状況"
    sheet.append([f"{unit.name} 受講状況（基準日 {as_of.isoformat()}）"])
    header = ["職員番号", "氏名", "雇用形態", "所属"]
    for r in requirements:
        header += [f"{r.name} 状況", f"{r.name} 期限", f"{r.name} 直近受講日"]
    sheet.append(header)
    for person, cells in table:
        units = "・".join(a.unit.name for a in getattr(person, "current_assignments", []))
        line: list[Any] = [person.staff_number, person.name, person.get_employment_type_display(), units]
        for cell in cells:
            if cell is None:
                line += [Status.NOT_APPLICABLE.label, None, None]
            else:
                label = cell.status_label + ("（未受講で取扱い中）" if cell.untrained_access else "")
                line += [label, cell.due, cell.last_completed]
        sheet.append(line)
    title = f"{unit.name} 受講状況（基準日 {as_of.isoformat()}）"
    print_setup(sheet, municipality=unit.municipality.name, title=title, header_rows=(2, 2))
    response = HttpResponse(
        workbook_bytes(book), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="training-roster-{unit.code}-{as_of.isoformat()}.xlsx"'
    return response


@tenant_object(Person, perm=Perm.VIEW_PEOPLE, url_kwarg="person_id")
def person_detail(request: HttpRequest, person: Person) -> HttpResponse:
    if not visible_people(_user(request)).filter(pk=person.pk).exists():
        raise PermissionDenied("この操作を行う権限がありません。")
    as_of, form = _as_of(request)
    requirements = active_requirements(person.municipality_id)
    rows = {r.requirement_id: r for r in status_rows(requirements=requirements, as_of=as_of, person_ids=[person.pk])}
    return render(
        request,
        "training/person.html",
        {
            "person": person,
            "form": form,
            "as_of": as_of,
            "statuses": [(r, rows.get(r.pk)) for r in requirements],
            "records": person.training_records.select_related("course", "session", "recorded_by"),
            "assignments": person.assignments.select_related("unit").order_by("start_date"),
            "can_manage": access.has_perm_somewhere(request.user, Perm.TRAINING_MANAGE),
        },
    )


# --- courses and sessions -------------------------------------------------------------------------------------


@tenant_view(Perm.VIEW)
def course_list(request: HttpRequest) -> HttpResponse:
    courses = scoped(request.user, Course).order_by("code")
    return render(
        request,
        "training/course_list.html",
        {"courses": courses, "can_manage": access.has_perm_somewhere(request.user, Perm.TRAINING_MANAGE)},
    )


@tenant_object(Course, perm=Perm.VIEW, url_kwarg="course_id")
def course_detail(request: HttpRequest, course: Course) -> HttpResponse:
    can_manage = access.has_perm_somewhere(request.user, Perm.TRAINING_MANAGE)
    form = SessionForm()
    if request.method == "POST":
        require(request.user, Perm.TRAINING_MANAGE)
        form = SessionForm(request.POST, instance=Session(municipality_id=course.municipality_id, course=course))
        if form.is_valid():
            services.session_save(session=form.instance)
            messages.success(request, "実施回を登録しました。")
            return redirect("training:course", course_id=course.pk)
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "sessions": course.sessions.all(),
            "requirements": course.requirements.all(),
            "form": form,
            "can_manage": can_manage,
        },
    )


@tenant_view(Perm.TRAINING_MANAGE)
def course_new(request: HttpRequest) -> HttpResponse:
    return _course_page(request, Course(municipality=access.municipality_of(request.user)), "研修の登録")


@tenant_object(Course, perm=Perm.TRAINING_MANAGE, url_kwarg="course_id")
def course_edit(request: HttpRequest, course: Course) -> HttpResponse:
    return _course_page(request, course, "研修の編集")


def _course_page(request: HttpRequest, course: Course, title: str) -> HttpResponse:
    """The form of a new or an existing course; a valid POST saves it and opens the course's page."""
    form = CourseForm(request.POST if request.method == "POST" else None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_save(course=form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "研修を保存しました。")
            return redirect("training:course", course_id=form.instance.pk)
    return render(request, "training/form.html", {"form": form, "title": title})


# --- requirements ---------------------------------------------------------------------------------------------


@tenant_view(Perm.VIEW)
def requirement_list(request: HttpRequest) -> HttpResponse:
    requirements = scoped(request.user, Requirement).prefetch_related("courses").select_related("unit", "work", "party")
    return render(
        request,
        "training/requirement_list.html",
        {"requirements": requirements, "can_manage": access.has_perm_somewhere(request.user, Perm.TRAINING_MANAGE)},
    )


@tenant_view(Perm.TRAINING_MANAGE)
def requirement_new(request: HttpRequest) -> HttpResponse:
    requirement = Requirement(municipality=access.municipality_of(request.user))
    return _requirement_page(request, requirement, "受講要件の登録")


@tenant_object(Requirement, perm=Perm.TRAINING_MANAGE, url_kwarg="requirement_id")
def requirement_edit(request: HttpRequest, requirement: Requirement) -> HttpResponse:
    return _requirement_page(request, requirement, "受講要件の編集")


def _requirement_page(request: HttpRequest, requirement: Requirement, title: str) -> HttpResponse:
    """The form of a new or an existing requirement; a valid POST saves it and opens the list."""
    municipality = requirement.municipality
    data = request.POST if request.method == "POST" else None
    form = RequirementForm(data, instance=requirement, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_save(requirement=form.instance, courses=form.cleaned_data["courses"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "受講要件を保存しました。")
            return redirect("training:requirements")
    return render(request, "training/form.html", {"form": form, "title": title})


# --- records --------------------------------------------------------------------------------------------------


@tenant_view(Perm.TRAINING_MANAGE)
def record_new(request: HttpRequest) -> HttpResponse:
    municipality = access.municipality_of(request.user)
    initial = {"staff_number": request.GET.get("staff_number", "")}
    posted = request.POST if request.method == "POST" else None
    form = RecordForm(posted, municipality=municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = scoped(request.user, Person).filter(staff_number=data["staff_number"]).first()
        if person is None:
            form.add_error("staff_number", "この職員番号の職員等が登録されていません。")
        else:
            try:
                services.record_create(
                    person=person,
                    course=data["course"],
                    session=data["session"],
                    completed_on=data["completed_on"],
                    today=timezone.localdate(),
                    result=data["result"] or None,
                    score=data["score"],
                    evidence=data["evidence"] or "",
                    recorded_by=_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "受講記録を登録しました。")
                return redirect("training:person", person_id=person.pk)
    return render(request, "training/form.html", {"form": form, "title": "受講記録の登録"})


@tenant_view(Perm.TRAINING_MANAGE)
def record_import(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            # Checked here (every problem on this page); the import itself is a background job (its writes outlast
            # the proxy's timeout for a big file), which checks again inside its transaction.
            result = import_records(
                municipality=access.municipality_of(request.user),
                data=content,
                filename=upload.name,
                today=timezone.localdate(),
                dry_run=True,
                recorded_by=_user(request),
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if result.ok and not form.cleaned_data["dry_run"]:
                job = job_enqueue(
                    municipality=access.municipality_of(request.user),
                    user=_user(request),
                    kind="training_import",
                    title=f"受講記録の取込: {upload.name}",
                    params={},
                    uploads={"upload": (upload.name, content)},
                )
                return redirect("jobs:detail", pk=job.pk)
    return render(request, "training/import.html", {"form": form, "result": result})


@tenant_view(Perm.VIEW)
def records(request: HttpRequest) -> HttpResponse:
    """The latest records (the full history of a person is on their page)."""
    if not sees_whole_municipality(_user(request)):
        raise PermissionDenied("この操作を行う権限がありません。")
    latest = (
        Record.objects.visible_to(_user(request))
        .select_related("person", "course", "session")
        .order_by("-recorded_at", "-id")
    )
    return render(request, "training/records.html", {"records": latest[:LIST_LIMIT], "limit": LIST_LIMIT})


# --- rating ---------------------------------------------------------------------------------------------------


@tenant_view(Perm.REPORTS_VIEW)
def rating(request: HttpRequest) -> HttpResponse:
    if not sees_whole_municipality(_user(request)):
        raise PermissionDenied("この操作を行う権限がありません。")
    municipality = access.municipality_of(request.user)
    as_of, as_of_form = _as_of(request)
    suggestion = suggest_rating(municipality, as_of)
    form = RatingForm(request.POST if request.method == "POST" else None, initial={"rating": suggestion.rating})
    if request.method == "POST":
        require(request.user, Perm.TRAINING_MANAGE)
        if form.is_valid():
            from piaops.lib.fiscal import fiscal_year

            try:
                services.rating_decide(
                    municipality=municipality,
                    fiscal_year=fiscal_year(as_of),
                    as_of=as_of,
                    suggested=suggestion.rating,
                    rating=form.cleaned_data["rating"],
                    reason=form.cleaned_data["reason"] or "",
                    figures=suggestion.figures,
                    decided_by=_user(request),
                )
            except ValidationError as exc:
                form.add_error("reason", exc)
            else:
                messages.success(request, "評価を記録しました。")
                return redirect("training:rating")
    return render(
        request,
        "training/rating.html",
        {
            "suggestion": suggestion,
            "form": form,
            "as_of_form": as_of_form,
            "decisions": scoped(request.user, RatingDecision).select_related("decided_by")[:20],
            "can_manage": access.has_perm_somewhere(request.user, Perm.TRAINING_MANAGE),
        },
    )
