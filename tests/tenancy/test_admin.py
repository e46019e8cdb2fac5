from __future__ import annotations

from django.test import Client

from piaops.tenancy.models import OrgUnit, User
from tests.conftest import World


def staff(user: User) -> Client:
    user.is_staff = True
    user.is_superuser = True  # model permissions granted; the tenant scope must still hold
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_site_is_read_only(world: World) -> None:
    client = staff(world.admin_a)
    assert client.get(f"/django-admin/tenancy/orgunit/{world.tax_a.pk}/change/").status_code == 200
    assert client.get("/django-admin/tenancy/orgunit/add/").status_code == 403
    data = {"name": "X", "code": "A210", "kind": "division"}
    client.post(f"/django-admin/tenancy/orgunit/{world.tax_a.pk}/change/", data)
    client.post(f"/django-admin/tenancy/orgunit/{world.tax_a.pk}/delete/", {"post": "yes"})
    world.tax_a.refresh_from_db()
    assert world.tax_a.name == "税政課"


def test_a_municipality_staff_user_sees_only_its_own_rows_in_the_admin(world: World) -> None:
    client = staff(world.admin_a)
    page = client.get("/django-admin/tenancy/orgunit/").content.decode()
    assert f"/django-admin/tenancy/orgunit/{world.tax_a.pk}/change/" in page
    assert f"/django-admin/tenancy/orgunit/{world.root_b.pk}/change/" not in page
    assert client.get(f"/django-admin/tenancy/orgunit/{world.root_b.pk}/change/").status_code == 302
    users = client.get("/django-admin/tenancy/user/").content.decode()
    assert "viewer_a" in users and "user_b" not in users


def test_the_asp_operator_sees_every_tenant(world: World) -> None:
    operator = User.objects.create_superuser(username="operator", password="operator-secret-1", email="")
    client = Client()
    client.force_login(operator)
    page = client.get("/django-admin/tenancy/orgunit/").content.decode()
    for unit in OrgUnit.objects.filter(name="総務局"):
        assert f"/django-admin/tenancy/orgunit/{unit.pk}/change/" in page
    assert {world.root_a.pk, world.root_b.pk} == set(OrgUnit.objects.filter(name="総務局").values_list("pk", flat=True))
