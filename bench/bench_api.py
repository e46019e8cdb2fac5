"""The API's people list paged over the whole roster (default 10,000 people, 200 per page), next to the plain ORM
``values()`` of the same rows in the same run. Prints the queries per page for two page sizes: they must be equal.
``PIAOPS_BENCH_API_PEOPLE`` sets the roster size."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from bench.harness import Figure, median_seconds, setup_django

PEOPLE = int(os.environ.get("PIAOPS_BENCH_API_PEOPLE", "10000"))
LIMIT = 200


def _build() -> tuple[Any, str]:
    from piaops.api.services import token_create
    from piaops.tenancy.models import Assignment, Municipality, OrgUnit, Person, Role, RoleGrant, User

    m = Municipality.objects.create(name="ベンチ市", code="011002")
    unit = OrgUnit.objects.create(municipality=m, name="課", code="B001")
    unit.path = f"/{unit.pk}/"
    unit.save(update_fields=["path"])
    people = Person.objects.bulk_create(
        Person(municipality=m, staff_number=f"S{i:06d}", name=f"職員 {i}", employment_type="regular")
        for i in range(PEOPLE)
    )
    Assignment.objects.bulk_create(
        Assignment(municipality=m, person=p, unit=unit, start_date=dt.date(2024, 4, 1)) for p in people
    )
    admin = User.objects.create_user(username="bench-admin", municipality=m)
    RoleGrant.objects.create(municipality=m, user=admin, role=Role.ADMIN)
    _token, raw = token_create(user=admin, name="bench")
    return m, raw


def _walk(client: Any, headers: dict[str, str], limit: int) -> int:
    rows, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/tenancy/people", params, headers=headers).json()
        rows += len(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return rows


def _queries_per_page(client: Any, headers: dict[str, str], limit: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/tenancy/people", {"limit": 1}, headers=headers)  # the minute's rate window exists
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/tenancy/people", {"limit": limit}, headers=headers)
    return len(queries)


def run() -> list[Figure]:
    setup_django()
    from django.conf import settings
    from django.test import Client

    from piaops.tenancy.models import Assignment, Person

    settings.PIAOPS_API_RATE_LIMIT_PER_MINUTE = 10**9
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    m, raw = _build()
    client = Client()
    headers = {"Authorization": f"Bearer {raw}"}
    assert _walk(client, headers, LIMIT) == PEOPLE

    def _orm() -> None:
        rows = list(Person.objects.filter(municipality=m).order_by("pk").values())
        assignments = list(Assignment.objects.filter(municipality=m).values())
        assert len(rows) == PEOPLE and assignments

    small, large = _queries_per_page(client, headers, 10), _queries_per_page(client, headers, LIMIT)
    print(f"  queries per page: {small} at limit=10, {large} at limit={LIMIT} (must be equal)")
    return [
        Figure(
            name=f"GET /api/v1/tenancy/people, {PEOPLE:,} people in pages of {LIMIT}",
            ours=median_seconds(lambda: _walk(client, headers, LIMIT), repeat=3),
            baseline=median_seconds(_orm, repeat=3),
            baseline_name="ORM values() of the same people and assignments, one query each",
            unit_count=PEOPLE,
        )
    ]
