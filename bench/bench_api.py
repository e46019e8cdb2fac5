"""API list endpoints paged over 10,000 rows (200 per page), each next to the plain ORM ``values()`` of the same rows
in the same run: people (with assignments), training records, contracts (with their works) and the entries of an
ISMAP list snapshot. The baseline pages the same rows the same way (``LIMIT`` rows after the previous page's last
primary key, the related rows of each page in one query): a request's fixed cost is then compared with a query's,
not hidden by reading all rows at once. Prints the queries per page for two page sizes: they must be equal.

Then the fixed cost every request pays (token lookup, rate limit, ``last_used_at``): ``SMALL`` GETs of a one-row
detail endpoint (a training course) next to that view's own ORM work (the user's role grants and the course, two
queries) in the same run; prints the queries per request and which of them write.
``PIAOPS_BENCH_API_PEOPLE`` sets the number of rows of each list (default 10,000); ``PIAOPS_BENCH_DATABASE_URL``
runs on PostgreSQL instead of a fresh SQLite file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from bench.harness import Figure, database_url, interleaved, scale, setup_django

PEOPLE = scale("PIAOPS_BENCH_API_PEOPLE", 10000, 300)
ROWS = PEOPLE
LIMIT = 200
SMALL = 500


def _build() -> tuple[Any, str, int]:
    from piaops.api.services import token_create
    from piaops.assurance.models import Contract, IsmapListEntry, IsmapSnapshot
    from piaops.tenancy.models import Assignment, Municipality, OrgUnit, Party, Person, Role, RoleGrant, User, Work
    from piaops.training.models import Course, Record

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
    course = Course.objects.create(municipality=m, code="SEC1", title="情報セキュリティ研修")
    Record.objects.bulk_create(
        Record(municipality=m, person=p, course=course, completed_on=dt.date(2025, 4, 1) + dt.timedelta(days=i % 300))
        for i, p in enumerate(people[:ROWS])
    )
    party = Party.objects.create(municipality=m, name="委託先", kind=Party.Kind.ASP)
    work = Work.objects.create(municipality=m, name="地方税賦課徴収事務")
    contracts = Contract.objects.bulk_create(
        Contract(municipality=m, party=party, title=f"委託 {i}", start_date=dt.date(2025, 4, 1)) for i in range(ROWS)
    )
    Contract.works.through.objects.bulk_create(
        Contract.works.through(contract_id=c.pk, work_id=work.pk) for c in contracts
    )
    snapshot = IsmapSnapshot.objects.create(
        municipality=m, list_date=dt.date(2026, 4, 1), file_name="list.csv", sha256="0" * 64, encoding="utf-8"
    )
    IsmapListEntry.objects.bulk_create(
        IsmapListEntry(
            municipality=m,
            snapshot=snapshot,
            line=i + 2,
            registration_number=f"C{i:06d}",
            service_name=f"サービス {i}",
            provider="事業者",
            program="ismap",
        )
        for i in range(ROWS)
    )
    admin = User.objects.create_user(username="bench-admin", municipality=m)
    RoleGrant.objects.create(municipality=m, user=admin, role=Role.ADMIN)
    _token, raw = token_create(user=admin, name="bench")
    return m, raw, snapshot.pk


def _small_requests(m: Any, client: Any, headers: dict[str, str]) -> Figure:
    """``SMALL`` GETs of one course: what is left above the view's own two queries is the per-request fixed cost."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from piaops.tenancy.models import RoleGrant, User
    from piaops.training.models import Course

    course = Course.objects.filter(municipality=m).get()
    path = f"/api/v1/training/courses/{course.pk}"
    user_id = User.objects.get(username="bench-admin").pk

    def requests() -> None:
        for _ in range(SMALL):
            assert client.get(path, headers=headers).status_code == 200

    def orm() -> None:
        for _ in range(SMALL):
            # What the view reads itself: the user's grants (with their units, as ``access.grants``) and the row.
            assert list(RoleGrant.objects.filter(user_id=user_id).select_related("unit"))
            Course.objects.filter(municipality=m).get(pk=course.pk)

    client.get(path, headers=headers)  # the minute's rate window exists
    with CaptureQueriesContext(connection) as queries:
        client.get(path, headers=headers)
    sql = [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]
    # A WITH statement writes when one of its parts does (the token's statement on PostgreSQL: its rate count).
    writes = sum(
        word in {"UPDATE", "INSERT", "DELETE"}
        or (word == "WITH" and bool(re.search(r"\b(INSERT|UPDATE|DELETE)\b", q["sql"])))
        for word, q in zip(sql, queries.captured_queries, strict=True)
    )
    print(f"  GET {path}: {len(sql)} statements per request ({writes} writes): {' '.join(sql)}")
    ours, baseline = interleaved([requests, orm], repeat=3)
    figure = Figure(
        name=f"{SMALL} × GET {path} (one row)",
        ours=ours,
        baseline=baseline,
        baseline_name="the view's own ORM work: grants and the course, two queries each",
        unit_count=SMALL,
    )
    fixed = (figure.ours - figure.baseline) / SMALL * 1000
    print(f"  fixed cost per request above the view's ORM work: {fixed:.2f} ms")
    return figure


def _walk(client: Any, headers: dict[str, str], path: str, limit: int) -> int:
    rows, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = client.get(path, params, headers=headers).json()
        rows += len(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return rows


def _queries_per_page(client: Any, headers: dict[str, str], path: str, limit: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, {"limit": 1}, headers=headers)  # the minute's rate window exists
    with CaptureQueriesContext(connection) as queries:
        client.get(path, {"limit": limit}, headers=headers)
    return len(queries)


def run() -> list[Figure]:
    setup_django(database_url("api"))
    from django.conf import settings
    from django.test import Client

    from piaops.assurance.models import Contract, IsmapListEntry
    from piaops.tenancy.models import Assignment, Person
    from piaops.training.models import Record

    settings.PIAOPS_API_RATE_LIMIT_PER_MINUTE = 10**9
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    m, raw, snapshot_id = _build()
    client = Client()
    headers = {"Authorization": f"Bearer {raw}"}

    def paged(qs: Any, pk: str = "pk") -> list[list[dict[str, Any]]]:
        """``qs`` as ``values()`` pages of ``LIMIT`` rows after the previous page's last key, one query each, as the
        API pages it (keyset on the primary key, one row more to know whether a next page exists)."""
        pages, after = [], 0
        while True:
            rows = list(qs.filter(**{f"{pk}__gt": after}).order_by(pk).values()[: LIMIT + 1])
            pages.append(rows[:LIMIT])
            if len(rows) <= LIMIT:
                return pages
            after = rows[LIMIT - 1]["id"]

    def people_orm() -> None:
        pages = paged(Person.objects.filter(municipality=m))
        for page in pages:
            assert list(Assignment.objects.filter(person_id__in=[r["id"] for r in page]).order_by("pk").values())
        assert sum(map(len, pages)) == PEOPLE

    def records_orm() -> None:
        assert sum(map(len, paged(Record.objects.filter(municipality=m)))) == ROWS

    def contracts_orm() -> None:
        pages = paged(Contract.objects.filter(municipality=m))
        through = Contract.works.through.objects
        for page in pages:
            assert list(through.filter(contract_id__in=[r["id"] for r in page]).values("contract_id", "work_id"))
        assert sum(map(len, pages)) == ROWS

    def entries_orm() -> None:
        assert sum(map(len, paged(IsmapListEntry.objects.filter(snapshot_id=snapshot_id)))) == ROWS

    lists: list[tuple[str, int, Callable[[], None], str]] = [
        ("/api/v1/tenancy/people", PEOPLE, people_orm, "people and assignments, one query each a page"),
        ("/api/v1/training/records", ROWS, records_orm, "records, one query a page"),
        ("/api/v1/assurance/contracts", ROWS, contracts_orm, "contracts and their works, one query each a page"),
        (f"/api/v1/assurance/ismap/snapshots/{snapshot_id}/entries", ROWS, entries_orm, "entries, one query a page"),
    ]
    figures = []
    for path, count, orm, what in lists:
        assert _walk(client, headers, path, LIMIT) == count, path
        small, large = _queries_per_page(client, headers, path, 10), _queries_per_page(client, headers, path, LIMIT)
        print(f"  {path}: queries per page {small} at limit=10, {large} at limit={LIMIT} (must be equal)")
        # Alternately (A B A B …): on the shared machine a load spike then hits both sides of the ratio.
        ours, baseline = interleaved([lambda path=path: _walk(client, headers, path, LIMIT), orm], repeat=3)  # type: ignore[misc]
        figures.append(
            Figure(
                name=f"GET {path}, {count:,} rows in pages of {LIMIT}",
                ours=ours,
                baseline=baseline,
                baseline_name=f"ORM values() of the same {what}, paged as the API pages",
                target="ours ≤ 4× baseline",
                unit_count=count,
            )
        )
    figures.append(_small_requests(m, client, headers))
    return figures
