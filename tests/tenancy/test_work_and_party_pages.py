from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from piaops.audittrail.models import Action
from piaops.tenancy.models import Party, Work, WorkUnit
from tests import factories as f
from tests.conftest import World
from tests.tenancy.helpers import body, entries_for, last_entry

# --- 個人番号利用事務 -----------------------------------------------------------------------------------------


def test_everyone_sees_the_works_and_their_units(as_viewer: Client, world: World) -> None:
    f.work(world.a, "地方税賦課徴収事務", units=(world.tax_a,))
    f.work(world.b, "東京の事務")
    page = body(as_viewer, "/tenancy/works/")
    assert "地方税賦課徴収事務" in page and "税政課" in page
    assert "東京の事務" not in page and "/tenancy/works/new/" not in page


def test_the_admin_registers_a_work_with_its_units(as_admin: Client, world: World) -> None:
    data = {"name": "国民健康保険事務", "legal_basis": "番号法別表第一", "units": [world.other_a.pk, world.tax_a.pk]}
    assert as_admin.post("/tenancy/works/new/", data).status_code == 302
    work = Work.objects.get(municipality=world.a, name="国民健康保険事務")
    assert set(work.units.all()) == {world.other_a, world.tax_a}
    assert all(wu.municipality_id == world.a.pk for wu in WorkUnit.objects.filter(work=work))
    assert last_entry(work).action == Action.CREATE
    for wu in WorkUnit.objects.filter(work=work):
        assert last_entry(wu).after["unit_id"] == wu.unit_id


def test_editing_a_work_adds_and_removes_units_with_entries(as_admin: Client, world: World) -> None:
    work = f.work(world.a, "地方税賦課徴収事務", units=(world.tax_a,))
    removed = WorkUnit.objects.get(work=work)
    data = {"name": "地方税の賦課徴収事務", "legal_basis": "", "units": [world.other_a.pk]}
    assert as_admin.post(f"/tenancy/works/{work.pk}/edit/", data).status_code == 302
    assert list(work.units.all()) == [world.other_a]
    update = last_entry(work)
    assert update.before == {"name": "地方税賦課徴収事務"} and update.after == {"name": "地方税の賦課徴収事務"}
    assert last_entry(removed).action == Action.DELETE
    added = WorkUnit.objects.get(work=work)
    assert last_entry(added).action == Action.CREATE


def test_the_edit_form_shows_the_current_units_checked(as_admin: Client, world: World) -> None:
    work = f.work(world.a, units=(world.tax_a,))
    page = body(as_admin, f"/tenancy/works/{work.pk}/edit/")
    checked = page.split(f'value="{world.tax_a.pk}"')[1].split(">")[0]
    assert "checked" in checked


def test_it_refuses_a_unit_of_another_municipality_for_a_work(as_admin: Client, world: World) -> None:
    data = {"name": "国民健康保険事務", "legal_basis": "", "units": [world.root_b.pk]}
    response = as_admin.post("/tenancy/works/new/", data)
    assert response.status_code == 200 and "正しく選択してください" in response.content.decode()
    assert not Work.objects.filter(name="国民健康保険事務").exists()


def test_it_refuses_a_duplicate_work_name(as_admin: Client, world: World) -> None:
    f.work(world.a, "地方税賦課徴収事務")
    response = as_admin.post("/tenancy/works/new/", {"name": "地方税賦課徴収事務", "legal_basis": ""})
    assert "同じ名称の事務が既に登録されています。" in response.content.decode()


def test_the_admin_deactivates_a_work(as_admin: Client, world: World) -> None:
    work = f.work(world.a)
    assert as_admin.post(f"/tenancy/works/{work.pk}/deactivate/").status_code == 302
    work.refresh_from_db()
    assert not work.is_active
    assert last_entry(work).after == {"is_active": False}
    assert f"<td>{work.name}</td>" not in body(as_admin, "/tenancy/works/")
    assert f"<td>{work.name}</td>" in body(as_admin, "/tenancy/works/", all="1")


def test_read_only_roles_cannot_change_works(as_viewer: Client, as_auditor: Client, world: World) -> None:
    work = f.work(world.a)
    for client in (as_viewer, as_auditor):
        assert client.post("/tenancy/works/new/", {"name": "X"}).status_code == 403
        assert client.post(f"/tenancy/works/{work.pk}/edit/", {"name": "X"}).status_code == 403
        assert client.post(f"/tenancy/works/{work.pk}/deactivate/").status_code == 403
    work.refresh_from_db()
    assert work.is_active and work.name == "地方税賦課徴収事務" and entries_for(work) == []


def test_another_municipalitys_work_answers_404(as_outsider: Client, world: World) -> None:
    work = f.work(world.a)
    assert as_outsider.get(f"/tenancy/works/{work.pk}/edit/").status_code == 404
    assert as_outsider.post(f"/tenancy/works/{work.pk}/deactivate/").status_code == 404
    work.refresh_from_db()
    assert work.is_active


def test_deactivating_a_work_needs_post(as_admin: Client, world: World) -> None:
    work = f.work(world.a)
    assert as_admin.get(f"/tenancy/works/{work.pk}/deactivate/").status_code == 405


# --- 措置主体・関係事業者 ----------------------------------------------------------------------------------------


def party_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"name": "地方公共団体情報システム機構", "kind": "intermediate_server"}
    data.update({"corporate_number": "", "note": ""})
    data.update(overrides)
    return data


def test_everyone_sees_the_parties_of_their_municipality(as_viewer: Client, world: World) -> None:
    f.party(world.a, "地方公共団体情報システム機構", kind="intermediate_server")
    f.party(world.b, "東京の委託先", kind="contractor")
    page = body(as_viewer, "/tenancy/parties/")
    assert "地方公共団体情報システム機構" in page and "中間サーバー・プラットフォーム" in page
    assert "東京の委託先" not in page


def test_the_admin_registers_a_party_with_a_valid_corporate_number(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/parties/new/", party_data(corporate_number="7123456789012"))
    assert response.status_code == 302
    party = Party.objects.get(municipality=world.a)
    assert party.corporate_number == "7123456789012"
    entry = last_entry(party)
    assert entry.action == Action.CREATE and entry.after["corporate_number"] == "7123456789012"


def test_a_party_may_have_no_corporate_number(as_admin: Client, world: World) -> None:
    assert as_admin.post("/tenancy/parties/new/", party_data()).status_code == 302
    assert Party.objects.get(municipality=world.a).corporate_number == ""


def test_it_refuses_an_invalid_corporate_number_in_japanese(as_admin: Client, world: World) -> None:
    for bad in ("7123456789013", "712345678901", "71234567890１2"):
        response = as_admin.post("/tenancy/parties/new/", party_data(corporate_number=bad))
        assert response.status_code == 200
        assert "法人番号は13桁の数字で、先頭の1桁が検査用数字として正しいもの" in response.content.decode()
    assert not Party.objects.exists()


def test_the_admin_edits_a_party_with_before_and_after(as_admin: Client, world: World) -> None:
    party = f.party(world.a, "委託先A", kind="contractor")
    data = party_data(name="委託先A株式会社", kind="contractor", corporate_number="4011001098993")
    assert as_admin.post(f"/tenancy/parties/{party.pk}/edit/", data).status_code == 302
    entry = last_entry(party)
    assert entry.before == {"corporate_number": "", "name": "委託先A"}
    assert entry.after == {"corporate_number": "4011001098993", "name": "委託先A株式会社"}


def test_read_only_roles_cannot_change_parties(as_viewer: Client, as_auditor: Client, world: World) -> None:
    party = f.party(world.a, "委託先A", kind="contractor")
    for client in (as_viewer, as_auditor):
        assert client.post("/tenancy/parties/new/", party_data()).status_code == 403
        assert client.post(f"/tenancy/parties/{party.pk}/edit/", party_data(name="X")).status_code == 403
    assert Party.objects.count() == 1 and entries_for(party) == []


def test_another_municipalitys_party_answers_404(as_outsider: Client, world: World) -> None:
    party = f.party(world.a, "委託先A", kind="contractor")
    assert as_outsider.get(f"/tenancy/parties/{party.pk}/edit/").status_code == 404
    assert as_outsider.post(f"/tenancy/parties/{party.pk}/edit/", party_data(name="X")).status_code == 404
    party.refresh_from_db()
    assert party.name == "委託先A"


def test_the_work_and_party_lists_make_the_same_number_of_queries_for_many_rows(as_admin: Client, world: World) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_admin.get("/tenancy/works/").status_code == 200
            assert as_admin.get("/tenancy/parties/").status_code == 200
        return len(ctx.captured_queries)

    f.work(world.a, "事務0", units=(world.tax_a,))
    f.party(world.a, "事業者0", kind="contractor")
    few = count()
    for i in range(1, 15):
        f.work(world.a, f"事務{i}", units=(world.tax_a, world.other_a))
        f.person(world.a, party=f.party(world.a, f"事業者{i}", kind="contractor"))
    assert count() == few
