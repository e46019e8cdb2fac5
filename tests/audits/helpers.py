from __future__ import annotations

import datetime as dt

from piaops.audits import services
from piaops.audits.models import Audit, AuditProgramme, AuditType
from piaops.tenancy.models import OrgUnit, User, Work
from tests import factories as f
from tests.conftest import World

FY = 2026
TODAY = dt.date(2026, 11, 25)


def works(world: World) -> tuple[Work, Work]:
    tax = f.work(world.a, "地方税賦課徴収事務", units=(world.tax_a,))
    pension = f.work(world.a, "国民年金事務", units=(world.other_a,))
    return tax, pension


def programme(world: World, fy: int = FY) -> AuditProgramme:
    return services.programme_create(municipality=world.a, fiscal_year=fy)


def audit(
    p: AuditProgramme,
    unit: OrgUnit,
    ws: list[Work],
    *,
    kind: str = AuditType.DOCUMENT,
    auditors: list[User] | None = None,
    reason: str = "",
) -> Audit:
    day = dt.date(p.fiscal_year, 10, 1)
    return services.audit_create(
        programme=p,
        unit=unit,
        works=ws,
        audit_type=kind,
        planned_start=day,
        planned_end=day,
        auditors=auditors or [],
        exception_reason=reason,
        today=TODAY,
    )


def approved_audit(world: World, *, auditors: list[User] | None = None) -> Audit:
    tax, pension = works(world)
    p = programme(world)
    a = audit(p, world.tax_a, [tax], kind=AuditType.ONSITE, auditors=auditors)
    audit(p, world.other_a, [pension])
    services.programme_approve(programme=p, today=TODAY)
    return a
