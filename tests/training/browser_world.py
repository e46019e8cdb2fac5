"""Builds a small tenant with the training demo in the database of a real server (run by the browser test with
``piaops shell``): the tenancy demo step is written elsewhere, so the people are made here."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from piaops.tenancy.models import Assignment, EmploymentType, Municipality, OrgUnit, Person, Role, RoleGrant, User
from piaops.training import demo


def unit(m: Municipality, name: str, code: str, parent: OrgUnit | None = None) -> OrgUnit:
    u = OrgUnit.objects.create(municipality=m, name=name, code=code, parent=parent)
    u.path = f"{parent.path if parent else '/'}{u.pk}/"
    u.depth = 0 if parent is None else parent.depth + 1
    u.save()
    return u


def build() -> None:
    today = timezone.localdate()
    m = Municipality.objects.create(name="札幌市", code="011002")
    finance = unit(m, "財政局", "300000")
    tax = unit(m, "税政課", "310100", finance)
    it = unit(m, "情報システム課", "210200")
    it.is_it = True
    it.save()
    for i in range(40):
        kind = EmploymentType.FISCAL_YEAR if i % 4 == 0 else EmploymentType.REGULAR
        p = Person.objects.create(municipality=m, staff_number=f"{5000 + i}", name=f"職員{i:02d}", employment_type=kind)
        start = today - dt.timedelta(days=30 * (i + 1))
        Assignment.objects.create(
            municipality=m, person=p, unit=tax, start_date=start, handles_specific_personal_info=True
        )
    admin = User.objects.create_user(username="admin", password="browser-pass-2026", municipality=m)
    RoleGrant.objects.create(municipality=m, user=admin, role=Role.ADMIN)
    demo.build(municipality=m, people=40, today=today)
