"""The user's grants are read in one statement that brings their municipality: every page draws its name and most
views start from it (``access.municipality_of``), so it costs no statement of its own, and it is the user's own."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from piaops.tenancy import access
from piaops.tenancy.models import RoleGrant, User
from tests.conftest import World, login


def test_the_grants_statement_brings_the_users_own_municipality(world: World) -> None:
    for username, municipality in (("admin_a", world.a), ("user_b", world.b)):
        user = User.objects.get(username=username)
        with CaptureQueriesContext(connection) as ctx:
            found = access.municipality_of(user)
            assert access.grants(user)
        assert len(ctx) == 1
        assert found.pk == municipality.pk and found.name == municipality.name


def test_a_user_without_grants_still_finds_their_municipality(world: World) -> None:
    user = User.objects.get(username="admin_a")
    RoleGrant.objects.filter(user=user).delete()
    user = User.objects.get(pk=user.pk)
    assert access.grants(user) == []
    assert access.municipality_of(user).pk == world.a.pk


def test_the_home_page_asks_no_statement_of_its_own_for_the_municipality_or_the_grants(world: World) -> None:
    client = login(world.admin_a)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/").content.decode()
    assert world.a.name in page and "番号制度総括管理者" in page
    tables = [q["sql"] for q in ctx.captured_queries]
    assert not any(sql.startswith('SELECT "tenancy_municipality"') for sql in tables)
    assert sum(sql.startswith('SELECT "tenancy_rolegrant"."id"') for sql in tables) == 1
