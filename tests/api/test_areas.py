"""Server rooms over the API: areas and a month's exceptions, tenant-isolated."""

from __future__ import annotations

import datetime as dt

from piaops.areas.models import Area
from tests.api.conftest import TokenFor
from tests.conftest import World


def test_areas_and_a_month_are_read_and_an_outsider_sees_none(world: World, token_for: TokenFor) -> None:
    area = Area.objects.create(municipality=world.a, name="本庁舎サーバー室", code="SR1", managing_unit=world.tax_a)
    admin = token_for(world.admin_a)
    assert [a["code"] for a in admin.get("/areas/areas").json()["items"]] == ["SR1"]
    assert admin.get(f"/areas/areas/{area.pk}").json()["hours_start"] == dt.time(8, 0).isoformat()
    month = admin.get(f"/areas/areas/{area.pk}/months/2026/4").json()
    assert month["month"] == "2026-04-01" and month["exceptions"] == [] and month["review_status"] == ""
    outsider = token_for(world.user_b)
    assert outsider.get("/areas/areas").json()["items"] == []
    assert outsider.get(f"/areas/areas/{area.pk}").status_code == 404
    assert outsider.get(f"/areas/areas/{area.pk}/months/2026/4").status_code == 404
    assert admin.get(f"/areas/areas/{area.pk}/months/2026/13").status_code == 400
