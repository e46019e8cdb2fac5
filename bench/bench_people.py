"""The people list (職員等) at demo size: one page of the paginated, filtered list, next to the bare query of the
same 50 rows. ``PIAOPS_BENCH_PEOPLE`` sets the roster size (default 2,000, as in the demo)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.harness import Figure, logged_in_client, median_seconds, scale, setup_django

PEOPLE = scale("PIAOPS_BENCH_PEOPLE", 2000, 100)


def _build() -> tuple[Any, Any]:
    from piaops.tenancy.models import Assignment, Municipality, OrgUnit, Person, Role, RoleGrant, User

    m = Municipality.objects.create(name="ベンチ市", code="011002")
    units = []
    for i in range(40):
        u = OrgUnit.objects.create(municipality=m, name=f"課{i}", code=f"B{i:03d}")
        u.path = f"/{u.pk}/"
        u.save(update_fields=["path"])
        units.append(u)
    people = Person.objects.bulk_create(
        Person(municipality=m, staff_number=f"S{i:06d}", name=f"職員 {i}", employment_type="regular")
        for i in range(PEOPLE)
    )
    Assignment.objects.bulk_create(
        Assignment(
            municipality=m,
            person=p,
            unit=units[i % len(units)],
            start_date=dt.date(2024, 4, 1),
            handles_specific_personal_info=i % 3 == 0,
        )
        for i, p in enumerate(people)
    )
    admin = User.objects.create_user(username="bench-admin", password="bench-password-1", municipality=m)
    RoleGrant.objects.create(municipality=m, user=admin, role=Role.ADMIN)
    head = User.objects.create_user(username="bench-head", password="bench-password-1", municipality=m)
    RoleGrant.objects.create(municipality=m, user=head, role=Role.UNIT_HEAD, unit=units[0])
    return admin, head


def run() -> list[Figure]:
    setup_django()
    from piaops.tenancy.models import Person

    admin, head = _build()
    # The admin must pass the second factor (TOTP) before any page: log in as a completed log-in.
    as_admin, as_head = logged_in_client(admin), logged_in_client(head)

    def page(client: Any, query: str = "") -> None:
        response = client.get(f"/tenancy/people/{query}")
        assert response.status_code == 200, response.status_code

    def bare() -> None:
        list(Person.objects.filter(municipality_id=admin.municipality_id).order_by("staff_number")[:50])

    baseline = median_seconds(bare)
    return [
        Figure(
            name=f"people list, page 1 of {PEOPLE:,}",
            ours=median_seconds(lambda: page(as_admin)),
            baseline=baseline,
            baseline_name="bare query of the same 50 rows, no page",
            target="under 200 ms",
        ),
        Figure(
            name=f"people list, 特定個人情報 filter, page 2 of {PEOPLE:,}",
            ours=median_seconds(lambda: page(as_admin, "?handles=yes&page=2")),
            baseline=baseline,
            baseline_name="bare query of 50 rows",
            target="under 200 ms",
        ),
        Figure(
            name="people list as 所属長 (subtree only)",
            ours=median_seconds(lambda: page(as_head)),
            baseline=baseline,
            baseline_name="bare query of 50 rows",
            target="under 200 ms",
        ),
    ]
