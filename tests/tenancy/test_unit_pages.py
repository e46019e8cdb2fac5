from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from piaops.audittrail.models import Action
from piaops.lib.mynumber import mask_my_numbers
from piaops.tenancy import services
from piaops.tenancy.models import OrgUnit
from tests import factories as f
from tests.conftest import World
from tests.tenancy.helpers import body, entries_for, last_entry


def unit_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"name": "市民税課", "code": "A220", "kind": OrgUnit.Kind.DIVISION}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- tree and detail -----------------------------------------------------------------------------------------


def test_the_tree_nests_units_under_their_parents(as_viewer: Client, world: World) -> None:
    page = body(as_viewer, "/tenancy/units/")
    # 税制係 is inside the list of 税政課, which is inside 財政局.
    finance = page.index("財政局")
    tax = page.index("税政課", finance)
    section = page.index("税制係", tax)
    assert page.count("<ul>", finance, section) == 2
    assert "番号制度総括部門" in page
    assert "総務局" in page and "保険年金課" in page


def test_the_tree_shows_no_unit_of_another_municipality(as_outsider: Client, world: World) -> None:
    page = body(as_outsider, "/tenancy/units/")
    assert "総務局" in page
    assert "税政課" not in page and "保険年金課" not in page


def test_abolished_units_are_shown_only_on_request(as_admin: Client, world: World) -> None:
    services.unit_deactivate(unit=world.other_a)
    assert "保険年金課" not in body(as_admin, "/tenancy/units/")
    assert "保険年金課" in body(as_admin, "/tenancy/units/", all="1")


def test_a_unit_page_shows_its_place_and_its_works(as_viewer: Client, world: World) -> None:
    f.work(world.a, "地方税賦課徴収事務", units=(world.tax_a,))
    page = body(as_viewer, f"/tenancy/units/{world.tax_a.pk}/")
    assert "財政局" in page and "税制係" in page and "地方税賦課徴収事務" in page
    assert f"/tenancy/units/{world.tax_a.pk}/edit/" not in page


def test_another_municipalitys_unit_answers_404(as_outsider: Client, world: World) -> None:
    for suffix in ("", "edit/", "move/"):
        assert as_outsider.get(f"/tenancy/units/{world.tax_a.pk}/{suffix}").status_code == 404
    assert as_outsider.post(f"/tenancy/units/{world.tax_a.pk}/deactivate/").status_code == 404
    world.tax_a.refresh_from_db()
    assert world.tax_a.is_active


# --- create --------------------------------------------------------------------------------------------------


def test_the_admin_creates_a_unit_under_a_parent(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/units/new/", unit_data(parent=world.tax_a.pk))
    assert response.status_code == 302
    unit = OrgUnit.objects.get(municipality=world.a, code="A220")
    assert unit.parent == world.tax_a
    assert unit.path == f"{world.tax_a.path}{unit.pk}/" and unit.depth == 2
    entry = last_entry(unit)
    assert entry.action == Action.CREATE and entry.after["code"] == "A220" and entry.after["path"] == unit.path


def test_it_refuses_a_unit_code_already_used_in_the_municipality(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/units/new/", unit_data(code="A210"))
    assert response.status_code == 200
    assert "この組織コードは既に使われています。" in response.content.decode()
    assert OrgUnit.objects.filter(municipality=world.a, code="A210").count() == 1


def test_the_same_code_is_free_in_another_municipality(as_outsider: Client, world: World) -> None:
    response = as_outsider.post("/tenancy/units/new/", unit_data(code="A210"))
    assert response.status_code == 302
    assert OrgUnit.objects.filter(code="A210").count() == 2


def test_it_refuses_a_parent_of_another_municipality(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/units/new/", unit_data(parent=world.root_b.pk))
    assert response.status_code == 200
    assert "正しく選択してください" in response.content.decode()
    assert not OrgUnit.objects.filter(code="A220").exists()


def test_read_only_roles_cannot_create_units(as_viewer: Client, as_auditor: Client, as_head: Client) -> None:
    for client in (as_viewer, as_auditor, as_head):
        assert client.get("/tenancy/units/new/").status_code == 403
        assert client.post("/tenancy/units/new/", unit_data()).status_code == 403
    assert not OrgUnit.objects.filter(code="A220").exists()


# --- governance / IT marks -------------------------------------------------------------------------------------


def test_marking_a_new_governance_unit_moves_the_mark(as_admin: Client, world: World) -> None:
    data = unit_data(name=world.other_a.name, code=world.other_a.code, is_governance="on", is_it="on")
    response = as_admin.post(f"/tenancy/units/{world.other_a.pk}/edit/", data)
    assert response.status_code == 302
    assert list(OrgUnit.objects.filter(municipality=world.a, is_governance=True)) == [world.other_a]
    world.other_a.refresh_from_db()
    assert world.other_a.is_it
    old = last_entry(world.governance_a)
    assert old.before == {"is_governance": True} and old.after == {"is_governance": False}
    new = last_entry(world.other_a)
    assert new.before == {"is_governance": False, "is_it": False}
    assert new.after == {"is_governance": True, "is_it": True}


def test_a_governance_unit_in_another_municipality_is_left_alone(world: World) -> None:
    services.unit_update(
        unit=world.root_b, name="総務局", code="B100", kind=OrgUnit.Kind.BUREAU, is_governance=True, is_it=False
    )
    assert OrgUnit.objects.get(municipality=world.a, is_governance=True) == world.governance_a


def test_a_unit_created_as_governance_takes_the_mark(world: World) -> None:
    unit = services.unit_create(municipality=world.a, name="番号制度推進室", code="A120", is_governance=True)
    assert list(OrgUnit.objects.filter(municipality=world.a, is_governance=True)) == [unit]


# --- edit ---------------------------------------------------------------------------------------------------


def test_the_admin_renames_a_unit_with_before_and_after(as_admin: Client, world: World) -> None:
    data = unit_data(name="税制課", code="A210")
    assert as_admin.post(f"/tenancy/units/{world.tax_a.pk}/edit/", data).status_code == 302
    entry = last_entry(world.tax_a)
    assert entry.action == Action.UPDATE
    assert entry.before == {"name": "税政課"} and entry.after == {"name": "税制課"}


def test_a_read_only_role_cannot_edit_a_unit(as_viewer: Client, world: World) -> None:
    response = as_viewer.post(f"/tenancy/units/{world.tax_a.pk}/edit/", unit_data(name="X", code="A210"))
    assert response.status_code == 403
    world.tax_a.refresh_from_db()
    assert world.tax_a.name == "税政課"


def test_it_refuses_a_12_digit_my_number_in_a_unit_name(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/units/{world.tax_a.pk}/edit/", unit_data(name="123456789018", code="A210"))
    assert response.status_code == 200
    assert "「組織名」に個人番号と思われる12桁の数字が含まれています" in response.content.decode()
    world.tax_a.refresh_from_db()
    assert world.tax_a.name == "税政課"


# --- move ---------------------------------------------------------------------------------------------------


def test_moving_a_unit_rewrites_the_whole_subtree(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/units/{world.tax_a.pk}/move/", {"parent": world.governance_a.pk})
    assert response.status_code == 302
    world.tax_a.refresh_from_db()
    world.tax_section_a.refresh_from_db()
    assert world.tax_a.parent == world.governance_a
    assert world.tax_a.path == f"{world.governance_a.path}{world.tax_a.pk}/" and world.tax_a.depth == 2
    assert world.tax_section_a.path == f"{world.tax_a.path}{world.tax_section_a.pk}/"
    assert world.tax_section_a.depth == 3
    moved = last_entry(world.tax_a)
    assert moved.before["parent_id"] != moved.after["parent_id"] == world.governance_a.pk
    child = last_entry(world.tax_section_a)
    # The trail records the new path as it records every string: with any run of digits that could be a 個人番号
    # masked (ids joined by "/" can, e.g. /7671/7672/7674/7675/).
    assert child.before["path"] != child.after["path"] == mask_my_numbers(world.tax_section_a.path)


def test_moving_a_unit_to_the_top_makes_it_a_root(world: World) -> None:
    services.unit_move(unit=world.tax_a, parent=None)
    world.tax_section_a.refresh_from_db()
    assert world.tax_a.parent is None and world.tax_a.depth == 0 and world.tax_a.path == f"/{world.tax_a.pk}/"
    assert world.tax_section_a.depth == 1


def test_people_of_the_moved_subtree_stay_visible_to_the_new_parents_head(world: World) -> None:
    services.unit_move(unit=world.tax_a, parent=world.governance_a)
    assert world.tax_section_a in OrgUnit.objects.subtree(world.governance_a)
    assert world.tax_section_a not in OrgUnit.objects.subtree(OrgUnit.objects.get(name="財政局"))


def test_it_refuses_to_move_a_unit_under_itself_or_its_descendant(as_admin: Client, world: World) -> None:
    for target in (world.tax_a, world.tax_section_a):
        response = as_admin.post(f"/tenancy/units/{world.tax_a.pk}/move/", {"parent": target.pk})
        assert response.status_code == 200
        assert "自分自身やその下位組織の下に移動することはできません" in response.content.decode()
    world.tax_a.refresh_from_db()
    assert world.tax_a.parent.name == "財政局"  # type: ignore[union-attr]
    assert entries_for(world.tax_a) == []


def test_it_refuses_to_move_a_unit_under_another_municipality(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/units/{world.tax_a.pk}/move/", {"parent": world.root_b.pk})
    assert response.status_code == 200
    with pytest.raises(ValidationError):
        services.unit_move(unit=world.tax_a, parent=world.root_b)
    world.tax_a.refresh_from_db()
    assert world.tax_a.parent.name == "財政局"  # type: ignore[union-attr]


def test_a_read_only_role_cannot_move_a_unit(as_auditor: Client, world: World) -> None:
    response = as_auditor.post(f"/tenancy/units/{world.tax_a.pk}/move/", {"parent": world.root_a.pk})
    assert response.status_code == 403


# --- deactivate ---------------------------------------------------------------------------------------------


def test_the_admin_abolishes_a_leaf_unit(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/units/{world.tax_section_a.pk}/deactivate/")
    assert response.status_code == 302
    world.tax_section_a.refresh_from_db()
    assert not world.tax_section_a.is_active
    entry = last_entry(world.tax_section_a)
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}


def test_a_unit_with_active_children_is_not_abolished(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/units/{world.tax_a.pk}/deactivate/", follow=True)
    assert "有効な下位組織があるため廃止できません" in response.content.decode()
    world.tax_a.refresh_from_db()
    assert world.tax_a.is_active


def test_a_read_only_role_cannot_abolish_a_unit(as_viewer: Client, world: World) -> None:
    assert as_viewer.post(f"/tenancy/units/{world.tax_section_a.pk}/deactivate/").status_code == 403
    world.tax_section_a.refresh_from_db()
    assert world.tax_section_a.is_active


def test_no_unit_can_be_created_under_an_abolished_one(world: World) -> None:
    services.unit_deactivate(unit=world.other_a)
    with pytest.raises(ValidationError) as exc:
        services.unit_create(municipality=world.a, name="年金係", code="A301", parent=world.other_a)
    assert "廃止された組織" in str(exc.value)
