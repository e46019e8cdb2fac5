"""``tenant_view`` resolves the URL's object in the user's municipality before it weighs the user's rights.

Another municipality's id answers 404 for every persona (read-only ones included), an own object the persona may not
change answers 403, and the attempt changes nothing.
"""

from __future__ import annotations

from django.test import Client

from piaops.tenancy.models import OrgUnit
from tests import factories as f
from tests.conftest import World


def test_a_read_only_persona_gets_404_for_another_tenants_object_and_403_for_its_own(
    world: World, as_viewer: Client
) -> None:
    for url in (f"/tenancy/units/{world.root_b.pk}/edit/", f"/tenancy/units/{world.root_b.pk}/deactivate/"):
        assert as_viewer.post(url, {"name": "書き換え"}).status_code == 404
    for url in (f"/tenancy/units/{world.tax_a.pk}/edit/", f"/tenancy/units/{world.tax_a.pk}/deactivate/"):
        assert as_viewer.post(url, {"name": "書き換え", "code": "X1"}).status_code == 403
    assert as_viewer.get(f"/tenancy/units/{world.tax_a.pk}/edit/").status_code == 403
    assert as_viewer.get(f"/tenancy/units/{world.root_b.pk}/edit/").status_code == 404
    world.tax_a.refresh_from_db()
    assert world.tax_a.name == "税政課" and world.tax_a.is_active


def test_a_missing_id_is_404_and_a_url_without_an_object_is_403(world: World, as_viewer: Client) -> None:
    assert as_viewer.post("/tenancy/works/999999/edit/", {}).status_code == 404
    assert as_viewer.get("/tenancy/units/new/").status_code == 403
    assert as_viewer.post("/tenancy/units/new/", {"name": "新設", "code": "N1"}).status_code == 403
    assert not OrgUnit.objects.filter(name="新設").exists()


def test_the_persona_with_the_right_still_edits_its_own_object(world: World, as_admin: Client) -> None:
    work = f.work(world.a, "住民基本台帳に関する事務")
    assert as_admin.get(f"/tenancy/works/{work.pk}/edit/").status_code == 200
    other = f.work(world.b, "地方税賦課徴収事務")
    assert as_admin.get(f"/tenancy/works/{other.pk}/edit/").status_code == 404
