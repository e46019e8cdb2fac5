"""People (職員等) and their assignments.

Who sees whom is ``Person.objects.visible_to(user)`` (municipality-wide roles: everyone; 所属長・所属担当者: the
people with a not-ended assignment in their unit subtree). A person of the municipality outside that set answers 403
(``tenant_object`` applies it).
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from piaops.tenancy import access, services
from piaops.tenancy.access import Perm, tenant_object, tenant_view
from piaops.tenancy.forms import AssignmentEndForm, AssignmentForm, PersonFilterForm, PersonForm
from piaops.tenancy.models import Assignment, OrgUnit, Person
from piaops.tenancy.views.common import acting, can_manage, editable, form_page

PAGE_SIZE = 50


def _filter(people: QuerySet[Person], form: PersonFilterForm, today: dt.date) -> QuerySet[Person]:
    data = form.cleaned_data
    if q := data.get("q"):
        people = people.filter(Q(name__icontains=q) | Q(name_kana__icontains=q) | Q(staff_number__icontains=q))
    if data.get("employment_type"):
        people = people.filter(employment_type=data["employment_type"])
    current = Assignment.objects.on(today).filter(person=OuterRef("pk"))
    unit: OrgUnit | None = data.get("unit")
    if unit is not None:
        people = people.filter(Exists(current.filter(unit__path__startswith=unit.path)))
    if data.get("handles") == "yes":
        people = people.filter(Exists(current.handling()))
    elif data.get("handles") == "no":
        people = people.filter(~Exists(current.handling()))
    return people


@tenant_view(Perm.VIEW_PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    """Paginated, filtered list. Queries per page are fixed (count, page, one prefetch) whatever the page size."""
    user, _ = acting(request)
    today = timezone.localdate()
    people: QuerySet[Person] = Person.objects.visible_to(user, today)
    form = PersonFilterForm(
        request.GET or None, units=access.visible_units(user).filter(is_active=True).order_by("path")
    )
    if form.is_valid():
        people = _filter(people, form, today)
    elif form.is_bound:
        people = people.none()
    handling_now = Assignment.objects.on(today).handling().filter(person=OuterRef("pk"))
    people = (
        people.annotate(handles_now=Exists(handling_now))
        .select_related("party")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.on(today).select_related("unit").order_by("start_date"),
                to_attr="current_assignments",
            )
        )
    )
    page = Paginator(people.order_by("staff_number"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tenancy/person_list.html",
        {"form": form, "page": page, "today": today, "can_manage": can_manage(user)},
    )


@tenant_object(Person, perm=Perm.VIEW_PEOPLE, select=("party",))
def person_detail(request: HttpRequest, person: Person) -> HttpResponse:
    user, _ = acting(request)
    today = timezone.localdate()
    assignments = person.assignments.select_related("unit").order_by("-start_date", "-pk")
    manage = can_manage(user)
    return render(
        request,
        "tenancy/person_detail.html",
        {
            "person": person,
            "assignments": assignments,
            "today": today,
            "can_manage": manage,
            "accounts": person.accounts.all() if manage else [],
        },
    )


def _person_url(pk: int) -> str:
    return reverse("tenancy:person_detail", kwargs={"pk": pk})


@tenant_view(Perm.MANAGE)
def person_create(request: HttpRequest) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        PersonForm(request.POST if request.method == "POST" else None, municipality=municipality),
        save=lambda data: services.person_create(municipality=municipality, **data),
        done=lambda person: (_person_url(person.pk), f"{person} を登録しました。続けて配属を登録してください。"),
        title="職員等を登録",
        back_url=reverse("tenancy:people"),
    )


@tenant_object(Person, perm=Perm.MANAGE)
def person_edit(request: HttpRequest, person: Person) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        PersonForm(
            request.POST if request.method == "POST" else None, instance=editable(person), municipality=municipality
        ),
        save=lambda data: services.person_update(person=person, **data),
        done=lambda _: (_person_url(person.pk), f"{person} を保存しました。"),
        title=f"{person} を編集",
        back_url=_person_url(person.pk),
    )


@tenant_object(Person, perm=Perm.MANAGE)
def assignment_create(request: HttpRequest, person: Person) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        AssignmentForm(request.POST if request.method == "POST" else None, municipality=municipality),
        save=lambda data: services.assignment_create(person=person, **data),
        done=lambda _: (_person_url(person.pk), f"{person} の配属を登録しました。"),
        title=f"{person} の配属を登録",
        back_url=_person_url(person.pk),
    )


@tenant_object(Assignment, perm=Perm.MANAGE, select=("person", "unit"))
def assignment_end(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    initial = None if assignment.end_date else {"end_date": timezone.localdate()}
    return form_page(
        request,
        AssignmentEndForm(
            request.POST if request.method == "POST" else None, instance=editable(assignment), initial=initial
        ),
        save=lambda data: services.assignment_end(assignment=assignment, end_date=data["end_date"]),
        done=lambda _: (_person_url(assignment.person_id), f"{assignment.unit.name} への配属を終了しました。"),
        title=f"{assignment.person} の配属（{assignment.unit.name}）を終了",
        back_url=_person_url(assignment.person_id),
        intro=f"開始日：{assignment.start_date:%Y-%m-%d}",
        submit="終了日を保存",
    )
