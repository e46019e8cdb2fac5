"""Years, months and dates out of range in URLs and query strings answer 404 or 400 (or a form's own error), never a
server error: every URL parameter that is a year, a fiscal year or a month, and every query parameter a page reads
as a date or a year, walked over the project's URL patterns as ``tests/trust`` does."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.http import HttpResponseBase
from django.test import Client

from piaops.areas.models import Area
from tests.conftest import World
from tests.trust import isolation_urls

DATE_PARAMS = ("as_of", "date", "date_from", "date_to", "from", "to", "since", "until", "month", "year", "fy", "on")
BAD_DATES = ["9999-12-31", "0001-01-01", "99999", "-1", "2026-13-01", "2026-02-30", "10000-01-01", "1e9", "２０２６"]
BAD_YEARS = ["0", "1", "1899", "9999", "99999", "10000000000000000000000"]
BAD_MONTHS = ["0", "13", "99", "99999999999999999999"]
YEARISH = {"fy", "year"}


DOWNLOAD = "format=xlsx&kind=results"


def _kind(response: HttpResponseBase) -> tuple[int, str]:
    return response.status_code, response.get("Content-Type", "")


def _ids(world: World, area: Area) -> dict[str, int]:
    return {"unit_id": world.tax_a.pk, "pk": area.pk}


def _route(pattern: isolation_urls.Pattern) -> str:
    return "/" + pattern.route


def _fill(route: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


@pytest.fixture
def area(world: World) -> Area:
    return Area.objects.create(municipality=world.a, name="サーバー室", code="SR-1", managing_unit=world.tax_a)


def test_years_and_months_out_of_range_in_urls_are_404(world: World, as_admin: Client, area: Area) -> None:
    from piaops.api.models import Scope
    from piaops.api.services import token_create

    raw = token_create(user=world.admin_a, name="fuzz", scope=Scope.READ)[1]
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    checked = []
    for pattern in isolation_urls.url_patterns():
        params = set(pattern.params)
        if not params & (YEARISH | {"month"}) or "(?P" in pattern.route:
            continue
        client, refused = (
            (api, (400, 404, 422)) if pattern.namespace == isolation_urls.API_NAMESPACE else (as_admin, (404,))
        )
        good = {"fy": "2026", "year": "2026", "month": "10", "pk": str(area.pk), "area_id": str(area.pk)}
        query = "?kind=results&format=xlsx"  # what the download needs; the other pages ignore it
        assert client.get(_fill(_route(pattern), good) + query).status_code in (200, 405), pattern.key
        for name in params & (YEARISH | {"month"}):
            for bad in BAD_MONTHS if name == "month" else BAD_YEARS:
                url = _fill(_route(pattern), {**good, name: bad}) + query
                assert client.get(url).status_code in refused, url
        checked.append(pattern.key)
    assert {"audits:reports", "audits:download", "audits:rating", "areas:review", "api-v1:area_month"} <= set(checked)


def test_dates_out_of_range_in_query_strings_are_never_a_server_error(
    world: World, as_admin: Client, area: Area
) -> None:
    ids = _ids(world, area)
    good = {"fy": "2026", "year": "2026", "month": "10"}
    requested = downloads = 0
    failures = []
    as_admin.raise_request_exception = False  # collect every 500, not only the first
    for pattern in isolation_urls.url_patterns():
        if pattern.namespace in (isolation_urls.ADMIN_NAMESPACE, isolation_urls.API_NAMESPACE):
            continue
        if "(?P" in pattern.route or not set(pattern.params) <= set(ids) | set(good):
            continue
        base = _fill(_route(pattern), {**good, **{k: str(v) for k, v in ids.items()}})
        # The download's parameters only where they change the answer (a page with an XLSX export): elsewhere the
        # same page would be asked the same question twice.
        extras = [""]
        if _kind(as_admin.get(f"{base}?{DOWNLOAD}")) != _kind(as_admin.get(base)):
            extras.append(f"&{DOWNLOAD}")
        for bad in BAD_DATES:
            for extra in extras:
                url = f"{base}?{urlencode(dict.fromkeys(DATE_PARAMS, bad))}{extra}"
                if as_admin.get(url).status_code >= 500:
                    failures.append(url)
                requested += 1
        downloads += len(extras) - 1
    assert failures == []
    assert requested > 1000 and downloads > 0, (requested, downloads)


def test_api_date_and_year_query_parameters_out_of_range_are_never_a_server_error(world: World) -> None:
    from piaops.api.models import Scope
    from piaops.api.services import token_create

    raw = token_create(user=world.admin_a, name="fuzz", scope=Scope.READ)[1]
    api = Client(headers={"Authorization": f"Bearer {raw}"}, raise_request_exception=False)
    schema = api.get("/api/v1/openapi.json").json()
    failures, requested = [], 0
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get or "{" in path:
            continue
        names = [
            p["name"]
            for p in get.get("parameters", [])
            if p["in"] == "query"
            and (
                p.get("schema", {}).get("format") == "date"
                or re.search(r"year|month|date|_on$|as_of|before|after", p["name"])
            )
        ]
        for name in names:
            for bad in BAD_DATES + BAD_YEARS:
                response = api.get(f"/api/v1{path}?{urlencode({name: bad})}")
                requested += 1
                if response.status_code >= 500:
                    failures.append(f"{path}?{name}={bad}")
    assert failures == []
    assert requested > 20


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_a_training_as_of_out_of_range_is_a_400_with_its_reason(world: World, as_admin: Client, as_of: str) -> None:
    for url in ("/training/", f"/training/units/{world.tax_a.pk}/", f"/training/units/{world.tax_a.pk}/?format=xlsx"):
        response = as_admin.get(url + ("&" if "?" in url else "?") + f"as_of={as_of}")
        assert response.status_code == 400, url
        assert "基準日は 2000年から2100年までの日付で入力してください" in response.content.decode()
