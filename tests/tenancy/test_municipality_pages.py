from __future__ import annotations

from django.test import Client

from piaops.audittrail.models import Action
from tests.conftest import World
from tests.tenancy.helpers import body, last_entry

URL = "/tenancy/municipality/"
EDIT = "/tenancy/municipality/edit/"


def test_the_landing_page_links_to_every_management_page(as_admin: Client) -> None:
    page = body(as_admin, "/tenancy/")
    for url in [URL, "/tenancy/units/", "/tenancy/people/", "/tenancy/works/", "/tenancy/parties/", "/tenancy/users/"]:
        assert f'href="{url}"' in page


def test_the_landing_page_hides_user_management_from_a_viewer(as_viewer: Client) -> None:
    page = body(as_viewer, "/tenancy/")
    assert 'href="/tenancy/units/"' in page
    assert 'href="/tenancy/users/"' not in page


def test_the_nav_shows_the_tenancy_pages(as_viewer: Client) -> None:
    assert 'href="/tenancy/"' in body(as_viewer, "/")


def test_everyone_of_the_municipality_sees_its_settings(as_viewer: Client, world: World) -> None:
    page = body(as_viewer, URL)
    assert "札幌市" in page and "011002" in page
    assert "行政部 個人情報保護担当" in page  # the governance unit
    assert EDIT not in page


def test_the_outsider_sees_only_their_own_municipality(as_outsider: Client) -> None:
    page = body(as_outsider, URL)
    assert "東京都" in page and "札幌市" not in page


def test_the_admin_changes_the_settings_and_the_change_is_audited(as_admin: Client, world: World) -> None:
    response = as_admin.post(EDIT, {"name": "札幌市役所", "code": "011002", "onsite_audit_cycle_years": "5"})
    assert response.status_code == 302
    world.a.refresh_from_db()
    assert (world.a.name, world.a.onsite_audit_cycle_years) == ("札幌市役所", 5)
    entry = last_entry(world.a)
    assert entry.action == Action.UPDATE and entry.municipality_id == world.a.pk
    assert entry.before == {"name": "札幌市", "onsite_audit_cycle_years": 3}
    assert entry.after == {"name": "札幌市役所", "onsite_audit_cycle_years": 5}
    assert entry.actor_id == world.admin_a.pk


def test_it_refuses_an_invalid_code_with_the_japanese_message(as_admin: Client, world: World) -> None:
    response = as_admin.post(EDIT, {"name": "札幌市", "code": "011001", "onsite_audit_cycle_years": "3"})
    assert response.status_code == 200
    assert "最後の1桁が検査数字として正しいもの" in response.content.decode()
    world.a.refresh_from_db()
    assert world.a.code == "011002"


def test_it_refuses_the_code_of_another_municipality(as_admin: Client, world: World) -> None:
    response = as_admin.post(EDIT, {"name": "札幌市", "code": "130001", "onsite_audit_cycle_years": "3"})
    assert response.status_code == 200
    world.a.refresh_from_db()
    assert world.a.code == "011002"


def test_read_only_roles_cannot_change_the_settings(as_viewer: Client, as_auditor: Client, world: World) -> None:
    for client in (as_viewer, as_auditor):
        assert client.get(EDIT).status_code == 403
        data = {"name": "X", "code": "011002", "onsite_audit_cycle_years": "1"}
        assert client.post(EDIT, data).status_code == 403
    world.a.refresh_from_db()
    assert world.a.name == "札幌市"


def test_the_outsider_edits_only_their_own_municipality(as_outsider: Client, world: World) -> None:
    as_outsider.post(EDIT, {"name": "東京都庁", "code": "130001", "onsite_audit_cycle_years": "2"})
    world.a.refresh_from_db()
    world.b.refresh_from_db()
    assert world.a.name == "札幌市" and world.b.name == "東京都庁"


def test_anonymous_users_are_sent_to_login(world: World) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_refused_change_leaves_the_stored_settings_on_the_page(as_admin: Client, world: World) -> None:
    response = as_admin.post(EDIT, {"name": "偽名市", "code": "011002", "onsite_audit_cycle_years": "0"})
    page = response.content.decode()
    assert "現地監査の周期は1年度以上を入力してください。" in page
    assert "<span>札幌市</span>" in page  # the header still names the stored municipality
    world.a.refresh_from_db()
    assert (world.a.name, world.a.onsite_audit_cycle_years) == ("札幌市", 3)
