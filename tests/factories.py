"""Small hand-written factories. Each returns a saved object with sensible defaults; tests override what matters."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from piaops.tenancy.models import (
    Assignment,
    EmploymentType,
    Municipality,
    OrgUnit,
    Party,
    Person,
    Role,
    RoleGrant,
    User,
    Work,
    WorkUnit,
)

_seq = itertools.count(1)


def municipality(*, name: str = "札幌市", code: str = "011002") -> Municipality:
    return Municipality.objects.create(name=name, code=code)


def unit(m: Municipality, name: str, *, parent: OrgUnit | None = None, code: str | None = None, **kw: Any) -> OrgUnit:
    """A unit with its materialised path set as the tenancy services would."""
    u = OrgUnit.objects.create(municipality=m, parent=parent, name=name, code=code or f"U{next(_seq):04d}", **kw)
    u.path = f"{parent.path if parent else '/'}{u.pk}/"
    u.depth = (parent.depth + 1) if parent else 0
    u.save(update_fields=["path", "depth"])
    return u


def person(
    m: Municipality,
    *,
    name: str = "札幌 太郎",
    staff_number: str | None = None,
    employment_type: str = EmploymentType.REGULAR,
    **kw: Any,
) -> Person:
    return Person.objects.create(
        municipality=m,
        name=name,
        staff_number=staff_number or f"S{next(_seq):06d}",
        employment_type=employment_type,
        **kw,
    )


def assignment(
    p: Person, u: OrgUnit, *, start: dt.date = dt.date(2024, 4, 1), end: dt.date | None = None, handles: bool = True
) -> Assignment:
    return Assignment.objects.create(
        municipality_id=p.municipality_id,
        person=p,
        unit=u,
        start_date=start,
        end_date=end,
        handles_specific_personal_info=handles,
    )


def work(m: Municipality, name: str = "地方税賦課徴収事務", *, units: tuple[OrgUnit, ...] = ()) -> Work:
    w = Work.objects.create(municipality=m, name=name)
    for u in units:
        WorkUnit.objects.create(municipality=m, work=w, unit=u)
    return w


def party(m: Municipality, name: str = "札幌市", kind: str = Party.Kind.MUNICIPALITY, **kw: Any) -> Party:
    return Party.objects.create(municipality=m, name=name, kind=kind, **kw)


def user(
    m: Municipality,
    username: str,
    role: str,
    *,
    unit: OrgUnit | None = None,
    party: Party | None = None,
    password: str = "correct-horse-battery",
) -> User:
    u = User.objects.create_user(username=username, password=password, municipality=m, display_name=username)
    RoleGrant.objects.create(municipality=m, user=u, role=role, unit=unit, party=party)
    return u


__all__ = ["Role", "municipality", "unit", "person", "assignment", "work", "party", "user"]
