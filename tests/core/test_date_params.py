"""Years, months and dates out of range in URLs and query strings answer 404 or 400 (or a form's own error), never a
server error: every URL parameter that is a year, a fiscal year or a month, and every query parameter a page reads
as a date or a year, walked over the project's URL patterns as ``tests/trust`` does."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from piaops.areas.models import Area
from tests.conftest import World
from tests.trust import isolation_urls

DATE_PARAMS = ("as_of", "date", "date_from", "date_to", "from", "to", "since", "until", "month", "year", "fy", "on")
BAD_DATES = ["9999-12-31", "0001-01-01", "99999", "-1", "2026-13-01", "2026-02-30", "10000-01-01", "1e9", "２０２６"]
BAD_YEARS = ["0", "1", "1899", "9999", "99999", "10000000000000000000000"]
BAD_MONTHS = ["0", "13", "99", "99999999999999999999"]
YEARISH = {"fy", "year"}


def _ids(world: World, area: Area) -> dict[str, int]:
    return {"unit_id": world.tax_a.pk, "pk": area.pk}


def _route(pattern: isolation_urls.Pattern) -> str:
    return "/" + pattern.route


def _fill(route: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


@pytest.fixture
def area(world: World) -> Area:
    return Area.objects.create(municipality=world.a, name="サーバー室", code="SR-1", managing_unit=world.tax_a)


def test_years_and_months_out_of_range_in_urls_are_404(as_admin: Client, area: Area) -> None:
    checked = []
    for pattern in isolation_urls.url_patterns():
        params = set(pattern.params)
        if not params & (YEARISH | {"month"}) or "(?P" in pattern.route:
            continue
        good = {"fy": "2026", "year": "2026", "month": "10", "pk": str(area.pk)}
        assert as_admin.get(_fill(_route(pattern), good)).status_code == 200, pattern.key
        for name in params & (YEARISH | {"month"}):
            for bad in BAD_MONTHS if name == "month" else BAD_YEARS:
                url = _fill(_route(pattern), {**good, name: bad})
                assert as_admin.get(url).status_code == 404, url
        checked.append(pattern.key)
    assert {"audits:reports", "audits:download", "audits:rating", "areas:review"} <= set(checked)


def test_dates_out_of_range_in_query_strings_are_never_a_server_error(
    world: World, as_admin: Client, area: Area
) -> None:
    ids = _ids(world, area)
    good = {"fy": "2026", "year": "2026", "month": "10"}
    requested = 0
    for pattern in isolation_urls.url_patterns():
        if pattern.namespace in (isolation_urls.ADMIN_NAMESPACE, isolation_urls.API_NAMESPACE):
            continue
        if "(?P" in pattern.route or not set(pattern.params) <= set(ids) | set(good):
            continue
        base = _fill(_route(pattern), {**good, **{k: str(v) for k, v in ids.items()}})
        for bad in BAD_DATES:
            for extra in ("", "&format=xlsx&kind=results"):
                url = f"{base}?{urlencode(dict.fromkeys(DATE_PARAMS, bad))}{extra}"
                status = as_admin.get(url).status_code
                assert status < 500, url
                requested += 1
    assert requested > 500
