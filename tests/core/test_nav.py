"""The main menu shows only the pages the user's roles may open: every link it shows answers 200."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from piaops.tenancy.models import OrgUnit, Party, Role
from tests import factories as f
from tests.conftest import World, login


def _menu(client: Client) -> list[str]:
    page = client.get("/accounts/").content.decode()
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', page, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize("persona", ["admin_a", "head_a", "auditor_a", "viewer_a", "staff_a", "contractor_a"])
def test_every_menu_link_opens(world: World, persona: str) -> None:
    if persona == "staff_a":
        user = f.user(world.a, "staff_a", Role.UNIT_STAFF, unit=world.tax_a)
    elif persona == "contractor_a":
        asp = Party.objects.create(municipality=world.a, name="ASP", kind=Party.Kind.ASP)
        user = f.user(world.a, "contractor_a", Role.CONTRACTOR, party=asp)
    else:
        user = getattr(world, persona)
    client = login(user)
    links = _menu(client)
    assert "/" in links  # home
    # A unit role's 研修 link leads to its own unit's roster (a redirect): the page it ends on must open.
    refused = {url: code for url in links if (code := client.get(url, follow=True).status_code) != 200}
    assert not refused


def test_the_menu_differs_by_role(world: World) -> None:
    admin_menu = set(_menu(login(world.admin_a)))
    viewer_menu = set(_menu(login(world.viewer_a)))
    head_menu = set(_menu(login(world.head_a)))
    assert "/audit-log/" in admin_menu and "/audit-log/" not in viewer_menu
    assert "/audits/" in viewer_menu and "/audits/" not in head_menu
    assert len(admin_menu) >= 12  # home and every app


def test_a_user_without_a_municipality_sees_no_app_menu(world: World) -> None:
    from piaops.tenancy.models import User

    operator = User.objects.create_user(username="operator", password="operator-secret-1")
    assert OrgUnit.objects.exists()
    assert _menu(login(operator)) == ["/"]
