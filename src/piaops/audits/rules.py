"""The programme's rules, as reads: coverage (hard), on-site rotation (warning) and auditor independence.

- Coverage: every active 個人番号利用事務 of the municipality is in the scope of at least one audit of the
  programme. The programme cannot be approved while a work is missing.
- Rotation: a unit that handles 特定個人情報 (an active work is assigned to it, or someone assigned to it during
  the 年度 handles 特定個人情報) gets a 現地監査 at least once every N 年度 (``onsite_audit_cycle_years``). A unit
  is *due* in 年度 FY when no 現地監査 of FY-N+1 … FY-1 looked at it; a due unit without a 現地監査 in the
  programme is a warning (the programme can still be approved).
- Independence: an auditor may not audit a unit they belong to — the auditor user's linked person has an
  assignment to the unit (or a unit below it) on ``today`` or at any time during the audited 年度. An exception
  needs a recorded reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from piaops.audits.models import Audit, AuditAuditor, AuditProgramme, AuditType, AuditWork
from piaops.lib.fiscal import fiscal_year_end, fiscal_year_start
from piaops.tenancy.models import Assignment, Municipality, OrgUnit, User, Work, WorkUnit


def handling_units(municipality: Municipality, fiscal_year: int) -> list[OrgUnit]:
    """Units that handle 特定個人情報 in the 年度 (see the module docstring)."""
    return list(_handling_units(municipality, fiscal_year))


def _handling_units(municipality: Municipality, fiscal_year: int) -> QuerySet[OrgUnit]:
    start, end = fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year)
    by_work = WorkUnit.objects.filter(municipality=municipality, work__is_active=True).values("unit_id")
    by_people = (
        Assignment.objects.filter(municipality=municipality, handles_specific_personal_info=True, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .values("unit_id")
    )
    return (
        OrgUnit.objects.filter(municipality=municipality, is_active=True)
        .filter(Q(pk__in=by_work) | Q(pk__in=by_people))
        .order_by("path")
    )


def last_onsite_years(municipality: Municipality, before_fy: int) -> dict[int, int]:
    """Per unit id, the latest 年度 before ``before_fy`` with a 現地監査 (planned in an approved programme or done)."""
    rows = (
        Audit.objects.filter(
            municipality=municipality, audit_type=AuditType.ONSITE, programme__fiscal_year__lt=before_fy
        )
        .filter(Q(programme__status="approved") | Q(status="completed"))
        .values_list("unit_id", "programme__fiscal_year")
    )
    last: dict[int, int] = {}
    for unit_id, fy in rows:
        last[unit_id] = max(fy, last.get(unit_id, 0))
    return last


def units_due_onsite(municipality: Municipality, fiscal_year: int) -> list[tuple[OrgUnit, int | None]]:
    """(unit, 年度 of its last 現地監査 or None) for each handling unit due a 現地監査 in ``fiscal_year``."""
    cycle = max(1, municipality.onsite_audit_cycle_years)
    last = last_onsite_years(municipality, fiscal_year)
    due = []
    for unit in handling_units(municipality, fiscal_year):
        seen = last.get(unit.pk)
        if seen is None or seen <= fiscal_year - cycle:
            due.append((unit, seen))
    return due


def units_due_onsite_names(
    municipality: Municipality, fiscal_year: int, among: QuerySet[OrgUnit] | None = None
) -> list[tuple[int, str]]:
    """(unit id, name) of each handling unit due a 現地監査 in ``fiscal_year`` (of ``among`` when given), in the
    order of :func:`units_due_onsite` and by its rule: plain values, for the counts of a page that needs no
    ``OrgUnit`` (the dashboard: one row per unit at city size)."""
    cycle = max(1, municipality.onsite_audit_cycle_years)
    last = last_onsite_years(municipality, fiscal_year)
    units = _handling_units(municipality, fiscal_year)
    if among is not None:
        units = units.filter(pk__in=among.values("pk"))
    due = []
    for pk, name in units.values_list("pk", "name"):
        seen = last.get(pk)
        if seen is None or seen <= fiscal_year - cycle:
            due.append((pk, name))
    return due


def belongs(user: User, unit: OrgUnit, *, fiscal_year: int, today: dt.date) -> list[Assignment]:
    """The auditor's assignments that make them part of ``unit``: on ``today`` or during the 年度."""
    person_id = user.person_id
    if person_id is None:
        return []
    start, end = fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year)
    in_year = Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))
    now = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    return list(
        Assignment.objects.filter(
            municipality_id=unit.municipality_id, person_id=person_id, unit__path__startswith=unit.path
        )
        .filter(in_year | now)
        .select_related("unit")
    )


@dataclass(frozen=True)
class Conflict:
    audit: Audit
    auditor: AuditAuditor
    units: list[str]

    @property
    def excused(self) -> bool:
        return bool(self.auditor.exception_reason.strip())


@dataclass
class ProgrammeCheck:
    programme: AuditProgramme
    works: list[Work]
    missing_works: list[Work]
    due_units: list[tuple[OrgUnit, int | None]]
    missing_onsite: list[tuple[OrgUnit, int | None]]
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def coverage_pct(self) -> float:
        return 100.0 if not self.works else round(100 * (1 - len(self.missing_works) / len(self.works)), 1)

    @property
    def unexcused(self) -> list[Conflict]:
        return [c for c in self.conflicts if not c.excused]

    @property
    def approvable(self) -> bool:
        """Coverage is the hard rule; an unexcused independence conflict also blocks approval."""
        return bool(self.programme.audits.exists()) and not self.missing_works and not self.unexcused

    def as_dict(self) -> dict[str, Any]:
        return {
            "fiscal_year": self.programme.fiscal_year,
            "approvable": self.approvable,
            "coverage_pct": self.coverage_pct,
            "works": len(self.works),
            "missing_works": [w.name for w in self.missing_works],
            "onsite_due": [u.name for u, _ in self.due_units],
            "onsite_missing": [{"unit": u.name, "last_onsite_fy": last} for u, last in self.missing_onsite],
            "independence_conflicts": [
                {"audit": c.audit.pk, "unit": c.audit.unit.name, "auditor": str(c.auditor.user), "excused": c.excused}
                for c in self.conflicts
            ],
        }


def check_programme(programme: AuditProgramme, *, today: dt.date) -> ProgrammeCheck:
    municipality = programme.municipality
    fy = programme.fiscal_year
    works = list(Work.objects.filter(municipality=municipality, is_active=True).order_by("name"))
    covered = set(AuditWork.objects.filter(audit__programme=programme).values_list("work_id", flat=True))
    due = units_due_onsite(municipality, fy)
    onsite_units = set(programme.audits.filter(audit_type=AuditType.ONSITE).values_list("unit_id", flat=True))
    conflicts = []
    for auditor in AuditAuditor.objects.filter(audit__programme=programme).select_related(
        "audit", "audit__unit", "user"
    ):
        found = belongs(auditor.user, auditor.audit.unit, fiscal_year=fy, today=today)
        if found:
            conflicts.append(Conflict(auditor.audit, auditor, sorted({a.unit.name for a in found})))
    return ProgrammeCheck(
        programme=programme,
        works=works,
        missing_works=[w for w in works if w.pk not in covered],
        due_units=due,
        missing_onsite=[(u, last) for u, last in due if u.pk not in onsite_units],
        conflicts=conflicts,
    )
