from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from piaops.audittrail.models import Action
from piaops.tenancy import access
from piaops.tenancy.models import Role, RoleGrant, User
from tests import factories as f
from tests.conftest import World
from tests.tenancy.helpers import body, entries_for, last_entry

PASSWORD = "kita-no-daichi-2025"


def user_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "tanaka",
        "display_name": "田中 一郎",
        "email": "tanaka@example.jp",
        "person": "",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    data.update(overrides)
    return data


# --- list / detail ------------------------------------------------------------------------------------------


def test_the_admin_lists_only_the_users_of_the_municipality(as_admin: Client, world: World) -> None:
    page = body(as_admin, "/tenancy/users/")
    assert "admin_a" in page and "head_a" in page and "所属長（税政課）" in page
    assert "user_b" not in page


def test_the_user_list_searches_by_name(as_admin: Client, world: World) -> None:
    page = body(as_admin, "/tenancy/users/", q="head")
    assert "head_a" in page and "viewer_a" not in page


def test_user_pages_are_for_the_admin_only(
    as_viewer: Client, as_auditor: Client, as_head: Client, world: World
) -> None:
    for client in (as_viewer, as_auditor, as_head):
        assert client.get("/tenancy/users/").status_code == 403
        assert client.get(f"/tenancy/users/{world.viewer_a.pk}/").status_code == 403
        assert client.post("/tenancy/users/new/", user_data()).status_code == 403
        data = {"role": Role.ADMIN}
        assert client.post(f"/tenancy/users/{world.viewer_a.pk}/roles/", data).status_code == 403
    assert not User.objects.filter(username="tanaka").exists()
    assert not RoleGrant.objects.filter(user=world.viewer_a, role=Role.ADMIN).exists()


def test_another_municipalitys_users_answer_404(as_outsider: Client, world: World) -> None:
    target = world.viewer_a
    grant = RoleGrant.objects.get(user=target)
    for url in (f"/tenancy/users/{target.pk}/", f"/tenancy/users/{target.pk}/edit/"):
        assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(f"/tenancy/users/{target.pk}/deactivate/").status_code == 404
    assert as_outsider.post(f"/tenancy/users/{target.pk}/roles/", {"role": Role.ADMIN}).status_code == 404
    assert as_outsider.post(f"/tenancy/roles/{grant.pk}/revoke/").status_code == 404
    target.refresh_from_db()
    assert target.is_active and RoleGrant.objects.filter(pk=grant.pk).exists()
    assert list(RoleGrant.objects.filter(user=target).values_list("role", flat=True)) == [Role.VIEWER]


# --- create / edit ------------------------------------------------------------------------------------------


def test_the_admin_creates_a_user_linked_to_a_person(as_admin: Client, world: World) -> None:
    person = f.person(world.a, name="田中 一郎")
    response = as_admin.post("/tenancy/users/new/", user_data(person=person.pk))
    assert response.status_code == 302
    user = User.objects.get(username="tanaka")
    assert user.municipality == world.a and user.person == person and user.check_password(PASSWORD)
    entry = last_entry(user)
    assert entry.action == Action.CREATE and entry.municipality_id == world.a.pk
    assert entry.after["username"] == "tanaka" and "password" not in entry.after
    assert Client().login(username="tanaka", password=PASSWORD)


def test_it_refuses_a_password_the_validators_refuse(as_admin: Client, world: World) -> None:
    for weak in ("short1", "1234567890123", "password123"):
        response = as_admin.post("/tenancy/users/new/", user_data(password=weak, password_confirm=weak))
        assert response.status_code == 200
    assert not User.objects.filter(username="tanaka").exists()


def test_it_refuses_a_password_confirmation_that_differs(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/users/new/", user_data(password_confirm=PASSWORD + "x"))
    assert "確認用のパスワードが一致しません。" in response.content.decode()
    assert not User.objects.filter(username="tanaka").exists()


def test_it_refuses_a_username_already_taken(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/users/new/", user_data(username="user_b"))
    assert response.status_code == 200
    assert User.objects.get(username="user_b").municipality == world.b


def test_it_refuses_linking_a_person_of_another_municipality(as_admin: Client, world: World) -> None:
    other = f.person(world.b, name="東京 四郎")
    response = as_admin.post("/tenancy/users/new/", user_data(person=other.pk))
    assert "正しく選択してください" in response.content.decode()
    assert not User.objects.filter(username="tanaka").exists()


def test_the_admin_edits_a_user_with_before_and_after(as_admin: Client, world: World) -> None:
    data = {"display_name": "閲覧 花子", "email": "viewer@example.jp", "person": ""}
    assert as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/edit/", data).status_code == 302
    entry = last_entry(world.viewer_a)
    assert entry.before == {"display_name": "viewer_a", "email": ""}
    assert entry.after == {"display_name": "閲覧 花子", "email": "viewer@example.jp"}


# --- roles --------------------------------------------------------------------------------------------------


def test_the_admin_grants_a_unit_role(as_admin: Client, world: World) -> None:
    url = f"/tenancy/users/{world.viewer_a.pk}/roles/"
    response = as_admin.post(url, {"role": Role.UNIT_STAFF, "unit": world.other_a.pk})
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=world.viewer_a, role=Role.UNIT_STAFF)
    assert grant.unit == world.other_a and grant.municipality_id == world.a.pk
    entry = last_entry(grant)
    assert entry.action == Action.CREATE and entry.after["unit_id"] == world.other_a.pk
    assert access.has_perm(User.objects.get(pk=world.viewer_a.pk), access.Perm.SELFCHECK_ANSWER, unit=world.other_a)


def test_a_unit_role_requires_a_unit(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/roles/", {"role": Role.UNIT_HEAD})
    assert "所属長・所属担当者の役割には対象組織を選択してください。" in response.content.decode()
    assert not RoleGrant.objects.filter(user=world.viewer_a, role=Role.UNIT_HEAD).exists()


def test_a_contractor_role_requires_a_party(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/roles/", {"role": Role.CONTRACTOR})
    assert "事業者担当の役割には対象事業者を選択してください。" in response.content.decode()
    party = f.party(world.a, "委託先A", kind="contractor")
    data = {"role": Role.CONTRACTOR, "party": party.pk}
    assert as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/roles/", data).status_code == 302
    assert RoleGrant.objects.get(user=world.viewer_a, role=Role.CONTRACTOR).party == party


def test_a_municipality_wide_role_takes_no_unit(as_admin: Client, world: World) -> None:
    data = {"role": Role.AUDITOR, "unit": world.tax_a.pk}
    response = as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/roles/", data)
    assert "この役割には対象組織を指定できません。" in response.content.decode()


def test_it_refuses_a_unit_of_another_municipality_for_a_role(as_admin: Client, world: World) -> None:
    data = {"role": Role.UNIT_HEAD, "unit": world.root_b.pk}
    response = as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/roles/", data)
    assert "正しく選択してください" in response.content.decode()
    assert not RoleGrant.objects.filter(user=world.viewer_a, role=Role.UNIT_HEAD).exists()


def test_it_refuses_the_same_role_twice(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/roles/", {"role": Role.VIEWER})
    assert "同じ役割が既に付与されています。" in response.content.decode()
    assert RoleGrant.objects.filter(user=world.viewer_a, role=Role.VIEWER).count() == 1


def test_the_admin_revokes_a_role(as_admin: Client, world: World) -> None:
    grant = RoleGrant.objects.get(user=world.head_a)
    assert as_admin.post(f"/tenancy/roles/{grant.pk}/revoke/").status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    entry = entries_for(grant)[-1]
    assert entry.action == Action.DELETE and entry.before["role"] == Role.UNIT_HEAD
    assert entry.before["unit_id"] == world.tax_a.pk


def test_the_last_admin_role_cannot_be_revoked(as_admin: Client, world: World) -> None:
    grant = RoleGrant.objects.get(user=world.admin_a)
    response = as_admin.post(f"/tenancy/roles/{grant.pk}/revoke/", follow=True)
    assert "最後の番号制度総括管理者の役割は取り消せません。" in response.content.decode()
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_a_read_only_role_cannot_revoke_a_role(as_viewer: Client, world: World) -> None:
    grant = RoleGrant.objects.get(user=world.head_a)
    assert as_viewer.post(f"/tenancy/roles/{grant.pk}/revoke/").status_code == 403
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


# --- deactivate ---------------------------------------------------------------------------------------------


def test_the_admin_deactivates_a_user_who_then_cannot_log_in(as_admin: Client, world: World) -> None:
    assert as_admin.post(f"/tenancy/users/{world.viewer_a.pk}/deactivate/").status_code == 302
    world.viewer_a.refresh_from_db()
    assert not world.viewer_a.is_active
    assert last_entry(world.viewer_a).after == {"is_active": False}
    assert not Client().login(username="viewer_a", password="correct-horse-battery")


def test_an_admin_cannot_deactivate_themself(as_admin: Client, world: World) -> None:
    response = as_admin.post(f"/tenancy/users/{world.admin_a.pk}/deactivate/", follow=True)
    assert "自分自身の利用を停止することはできません。" in response.content.decode()
    world.admin_a.refresh_from_db()
    assert world.admin_a.is_active


def test_a_read_only_role_cannot_deactivate_a_user(as_auditor: Client, world: World) -> None:
    assert as_auditor.post(f"/tenancy/users/{world.viewer_a.pk}/deactivate/").status_code == 403
    world.viewer_a.refresh_from_db()
    assert world.viewer_a.is_active


def test_the_user_list_makes_the_same_number_of_queries_for_many_users(as_admin: Client, world: World) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_admin.get("/tenancy/users/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(20):
        user = f.user(world.a, f"staff{i:02d}", Role.UNIT_STAFF, unit=world.tax_a)
        user.person = f.person(world.a)
        user.save()
    assert count() == few
