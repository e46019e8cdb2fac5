"""Pages in which the 番号制度総括部門 manages the tenant: municipality, organisation tree, works, parties."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from piaops.tenancy import access, services
from piaops.tenancy.access import Perm, tenant_object, tenant_view
from piaops.tenancy.forms import MunicipalityForm, PartyForm, UnitForm, UnitMoveForm, WorkForm
from piaops.tenancy.models import OrgUnit, Party, Work, WorkUnit
from piaops.tenancy.views.common import acting, can_manage, editable, form_page


@tenant_view(Perm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user, municipality = acting(request)
    return render(
        request,
        "tenancy/index.html",
        {
            "municipality": municipality,
            "can_manage": can_manage(user),
            "can_view_people": access.has_perm_somewhere(user, Perm.VIEW_PEOPLE),
        },
    )


# --- 団体 -------------------------------------------------------------------------------------------------


@tenant_view(Perm.VIEW)
def municipality_detail(request: HttpRequest) -> HttpResponse:
    user, municipality = acting(request)
    governance = OrgUnit.objects.for_municipality(municipality).filter(is_governance=True).first()
    it_units = OrgUnit.objects.for_municipality(municipality).filter(is_it=True, is_active=True)
    return render(
        request,
        "tenancy/municipality_detail.html",
        {"municipality": municipality, "governance": governance, "it_units": it_units, "can_manage": can_manage(user)},
    )


@tenant_view(Perm.MANAGE)
def municipality_edit(request: HttpRequest) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        MunicipalityForm(request.POST if request.method == "POST" else None, instance=editable(municipality)),
        save=lambda data: services.municipality_update(municipality=municipality, **data),
        done=lambda _: (reverse("tenancy:municipality"), "団体の設定を保存しました。"),
        title="団体の設定を変更",
        back_url=reverse("tenancy:municipality"),
    )


# --- 組織 -------------------------------------------------------------------------------------------------


@dataclass
class Node:
    unit: OrgUnit
    children: list[Node] = field(default_factory=list)


def build_tree(units: list[OrgUnit]) -> list[Node]:
    """Nest ``units`` (any order) under their parents, siblings by code; a unit whose parent is not in the list
    (an abolished parent hidden from the view) becomes a root."""
    nodes = {u.pk: Node(u) for u in units}
    roots: list[Node] = []
    for u in sorted(units, key=lambda u: u.code):
        parent = nodes.get(u.parent_id) if u.parent_id else None
        (parent.children if parent else roots).append(nodes[u.pk])
    return roots


@tenant_view(Perm.VIEW)
def unit_tree(request: HttpRequest) -> HttpResponse:
    user, municipality = acting(request)
    show_all = request.GET.get("all") == "1"
    units = OrgUnit.objects.for_municipality(municipality)
    if not show_all:
        units = units.filter(is_active=True)
    return render(
        request,
        "tenancy/unit_tree.html",
        {"roots": build_tree(list(units)), "show_all": show_all, "can_manage": can_manage(user)},
    )


@tenant_object(OrgUnit, perm=Perm.VIEW, select=("parent",))
def unit_detail(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    user, municipality = acting(request)
    ancestors = OrgUnit.objects.for_municipality(municipality).filter(pk__in=unit.ancestor_ids()).exclude(pk=unit.pk)
    children = unit.children.order_by("path")
    works = Work.objects.for_municipality(municipality).filter(work_units__unit=unit).order_by("name")
    return render(
        request,
        "tenancy/unit_detail.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "children": children,
            "works": works,
            "can_manage": can_manage(user),
            "can_view_people": access.has_perm(user, Perm.VIEW_PEOPLE, unit=unit),
        },
    )


@tenant_view(Perm.MANAGE)
def unit_create(request: HttpRequest) -> HttpResponse:
    _, municipality = acting(request)
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent") else None
    return form_page(
        request,
        UnitForm(request.POST if request.method == "POST" else None, initial=initial, municipality=municipality),
        save=lambda data: services.unit_create(municipality=municipality, **data),
        done=lambda unit: (unit_url(unit), f"組織「{unit.name}」を作成しました。"),
        title="組織を作成",
        back_url=reverse("tenancy:units"),
    )


@tenant_object(OrgUnit, perm=Perm.MANAGE)
def unit_edit(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        UnitForm(
            request.POST if request.method == "POST" else None,
            instance=editable(unit),
            municipality=municipality,
            with_parent=False,
        ),
        save=lambda data: services.unit_update(unit=unit, **data),
        done=lambda _: (unit_url(unit), f"組織「{unit.name}」を保存しました。"),
        title=f"組織「{unit.name}」を編集",
        back_url=unit_url(unit),
    )


def unit_url(unit: OrgUnit) -> str:
    return reverse("tenancy:unit_detail", kwargs={"pk": unit.pk})


@tenant_object(OrgUnit, perm=Perm.MANAGE)
def unit_move(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        UnitMoveForm(
            request.POST if request.method == "POST" else None,
            initial={"parent": unit.parent_id},
            municipality=municipality,
        ),
        save=lambda data: services.unit_move(unit=unit, parent=data["parent"]),
        done=lambda _: (unit_url(unit), f"組織「{unit.name}」を移動しました。"),
        title=f"組織「{unit.name}」を移動",
        back_url=unit_url(unit),
        intro="下位組織もまとめて移動します。自分自身や下位組織の下には移動できません。",
        submit="移動する",
    )


@require_POST
@tenant_object(OrgUnit, perm=Perm.MANAGE)
def unit_deactivate(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    try:
        services.unit_deactivate(unit=unit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"組織「{unit.name}」を廃止しました。")
    return redirect("tenancy:unit_detail", pk=unit.pk)


# --- 個人番号利用事務 -----------------------------------------------------------------------------------------


@tenant_view(Perm.VIEW)
def work_list(request: HttpRequest) -> HttpResponse:
    user, municipality = acting(request)
    show_all = request.GET.get("all") == "1"
    works = Work.objects.for_municipality(municipality).prefetch_related(
        Prefetch("work_units", queryset=WorkUnit.objects.select_related("unit").order_by("unit__path"))
    )
    if not show_all:
        works = works.filter(is_active=True)
    return render(
        request,
        "tenancy/work_list.html",
        {"works": works, "show_all": show_all, "can_manage": can_manage(user)},
    )


@tenant_view(Perm.MANAGE)
def work_create(request: HttpRequest) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        WorkForm(request.POST if request.method == "POST" else None, municipality=municipality),
        save=lambda data: services.work_create(municipality=municipality, **data),
        done=lambda work: (reverse("tenancy:works"), f"事務「{work.name}」を登録しました。"),
        title="個人番号利用事務を登録",
        back_url=reverse("tenancy:works"),
    )


@tenant_object(Work, perm=Perm.MANAGE)
def work_edit(request: HttpRequest, work: Work) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        WorkForm(
            request.POST if request.method == "POST" else None, instance=editable(work), municipality=municipality
        ),
        save=lambda data: services.work_update(work=work, **data),
        done=lambda _: (reverse("tenancy:works"), f"事務「{work.name}」を保存しました。"),
        title=f"事務「{work.name}」を編集",
        back_url=reverse("tenancy:works"),
        deactivate_work=work,
    )


@require_POST
@tenant_object(Work, perm=Perm.MANAGE)
def work_deactivate(request: HttpRequest, work: Work) -> HttpResponse:
    services.work_deactivate(work=work)
    messages.success(request, f"事務「{work.name}」を廃止しました。")
    return redirect("tenancy:works")


# --- 措置主体・関係事業者 ----------------------------------------------------------------------------------------


@tenant_view(Perm.VIEW)
def party_list(request: HttpRequest) -> HttpResponse:
    user, municipality = acting(request)
    parties = Party.objects.for_municipality(municipality).annotate(people_count=Count("people"))
    return render(request, "tenancy/party_list.html", {"parties": parties, "can_manage": can_manage(user)})


@tenant_view(Perm.MANAGE)
def party_create(request: HttpRequest) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        PartyForm(request.POST if request.method == "POST" else None),
        save=lambda data: services.party_create(municipality=municipality, **data),
        done=lambda party: (reverse("tenancy:parties"), f"「{party.name}」を登録しました。"),
        title="措置主体・関係事業者を登録",
        back_url=reverse("tenancy:parties"),
    )


@tenant_object(Party, perm=Perm.MANAGE)
def party_edit(request: HttpRequest, party: Party) -> HttpResponse:
    return form_page(
        request,
        PartyForm(request.POST if request.method == "POST" else None, instance=editable(party)),
        save=lambda data: services.party_update(party=party, **data),
        done=lambda _: (reverse("tenancy:parties"), f"「{party.name}」を保存しました。"),
        title=f"「{party.name}」を編集",
        back_url=reverse("tenancy:parties"),
    )
