from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from piaops.audits import rules, services
from piaops.audits.models import AuditType, ProgrammeStatus
from piaops.tenancy.models import OrgUnit, Person, Work
from tests import factories as f
from tests.audits.helpers import FY, TODAY, audit, programme, works
from tests.conftest import World


def test_a_programme_is_refused_while_a_work_has_no_audit_and_names_it(world: World) -> None:
    tax, pension = works(world)
    p = programme(world)
    audit(p, world.tax_a, [tax])
    with pytest.raises(ValidationError) as exc:
        services.programme_approve(programme=p, today=TODAY)
    assert "国民年金事務" in str(exc.value) and "地方税賦課徴収事務" not in str(exc.value)
    p.refresh_from_db()
    assert p.status == ProgrammeStatus.DRAFT
    audit(p, world.other_a, [pension])
    check = services.programme_approve(programme=p, today=TODAY)
    assert check.coverage_pct == 100.0
    p.refresh_from_db()
    assert p.status == ProgrammeStatus.APPROVED


def test_an_inactive_work_needs_no_audit_and_an_empty_programme_is_refused(world: World) -> None:
    tax, pension = works(world)
    pension.is_active = False
    pension.save()
    p = programme(world)
    with pytest.raises(ValidationError):
        services.programme_approve(programme=p, today=TODAY)
    audit(p, world.tax_a, [tax])
    services.programme_approve(programme=p, today=TODAY)


def test_an_approved_programme_cannot_be_changed(world: World) -> None:
    tax, _ = works(world)
    f.work(world.a, "x", units=())
    p = programme(world)
    audit(p, world.tax_a, [tax])
    with pytest.raises(ValidationError):
        services.programme_approve(programme=p, today=TODAY)  # work "x" is missing
    audit(p, world.other_a, list(Work.objects.filter(municipality=world.a)))
    services.programme_approve(programme=p, today=TODAY)
    with pytest.raises(ValidationError):
        audit(p, world.other_a, [tax])


def _onsite(world: World, fy: int, unit_tax: bool) -> None:
    if fy == FY - 3:
        works(world)
    p = programme(world, fy)
    ws = list(Work.objects.filter(municipality=world.a))
    audit(p, world.tax_a if unit_tax else world.other_a, ws, kind=AuditType.ONSITE)
    audit(p, world.other_a if unit_tax else world.tax_a, ws)
    services.programme_approve(programme=p, today=TODAY)


def test_rotation_makes_a_unit_due_when_its_last_onsite_audit_is_n_years_back(world: World) -> None:
    # N = 3: an on-site audit in FY-3 makes the unit due in FY; one in FY-2 does not.
    _onsite(world, FY - 3, unit_tax=True)
    _onsite(world, FY - 2, unit_tax=False)
    due = {u.name: last for u, last in rules.units_due_onsite(world.a, FY)}
    assert due == {"税政課": FY - 3}
    # The dashboard's values-only reading follows the same rule, and keeps to the units it is given.
    assert rules.units_due_onsite_names(world.a, FY) == [(u.pk, u.name) for u, _ in rules.units_due_onsite(world.a, FY)]
    assert rules.units_due_onsite_names(world.a, FY, among=OrgUnit.objects.filter(pk=world.other_a.pk)) == []
    world.a.onsite_audit_cycle_years = 4
    world.a.save()
    assert rules.units_due_onsite(world.a, FY) == []


def test_a_unit_never_audited_on_site_is_due_and_the_programme_warns_and_proposes_it(world: World) -> None:
    tax, pension = works(world)
    p = programme(world)
    audit(p, world.tax_a, [tax, pension])
    check = rules.check_programme(p, today=TODAY)
    assert {u.name for u, _ in check.missing_onsite} == {"税政課", "保険年金課"}
    assert check.approvable  # rotation is a warning, not a refusal
    made = services.programme_propose_onsite(programme=p, today=TODAY)
    assert {a.unit.name for a in made} == {"税政課", "保険年金課"}
    assert rules.check_programme(p, today=TODAY).missing_onsite == []
    # 税政課's document audit became on-site; 保険年金課 got a new one
    assert sorted(p.audits.values_list("unit__name", "audit_type")) == [("保険年金課", "onsite"), ("税政課", "onsite")]


def test_a_unit_whose_people_handle_specific_personal_information_needs_rotation_too(world: World) -> None:
    person = f.person(world.a)
    f.assignment(person, world.governance_a, start=dt.date(2027, 3, 31))  # last day of FY2026
    assert [u.name for u in rules.handling_units(world.a, FY)] == ["行政部 個人情報保護担当"]
    assert rules.handling_units(world.a, FY - 1) == []


def _auditor_in(world: World, unit_start: dt.date, unit_end: dt.date | None) -> Person:
    person = f.person(world.a, name="監査 一郎")
    f.assignment(person, world.tax_section_a, start=unit_start, end=unit_end, handles=False)
    world.auditor_a.person = person
    world.auditor_a.save()
    return person


def test_an_auditor_may_not_audit_a_unit_they_belong_to_without_a_reason(world: World) -> None:
    tax, _ = works(world)
    _auditor_in(world, dt.date(2020, 4, 1), None)  # in 税制係, below 税政課
    p = programme(world)
    with pytest.raises(ValidationError) as exc:
        audit(p, world.tax_a, [tax], auditors=[world.auditor_a])
    assert "税制係" in str(exc.value)
    a = audit(p, world.other_a, [tax], auditors=[world.auditor_a])  # another unit: fine
    assert a.auditors.get().exception_reason == ""
    excused = audit(p, world.tax_a, [tax], auditors=[world.auditor_a], reason="監査人が他にいないため")
    assert excused.auditors.get().exception_reason == "監査人が他にいないため"


def test_an_assignment_that_ended_before_the_audited_year_does_not_conflict(world: World) -> None:
    tax, _ = works(world)
    _auditor_in(world, dt.date(2020, 4, 1), dt.date(2026, 3, 31))
    p = programme(world)
    audit(p, world.tax_a, [tax], auditors=[world.auditor_a])


def test_an_assignment_that_ended_during_the_audited_year_conflicts(world: World) -> None:
    tax, _ = works(world)
    _auditor_in(world, dt.date(2020, 4, 1), dt.date(2026, 4, 1))
    p = programme(world)
    with pytest.raises(ValidationError):
        audit(p, world.tax_a, [tax], auditors=[world.auditor_a])


def test_a_conflict_that_arises_after_assignment_blocks_approval_until_excused(world: World) -> None:
    tax, pension = works(world)
    p = programme(world)
    audit(p, world.tax_a, [tax, pension], auditors=[world.auditor_a])
    _auditor_in(world, dt.date(2026, 10, 1), None)  # moved into the unit later
    with pytest.raises(ValidationError) as exc:
        services.programme_approve(programme=p, today=TODAY)
    assert "独立性" in str(exc.value)


def test_copying_last_years_programme_moves_the_audits_a_year(world: World) -> None:
    tax, pension = works(world)
    old = programme(world, FY - 1)
    audit(old, world.tax_a, [tax, pension], kind=AuditType.ONSITE, auditors=[world.auditor_a])
    new = services.programme_copy(source=old, fiscal_year=FY)
    copied = new.audits.get()
    assert copied.planned_start == dt.date(FY, 10, 1) and copied.audit_type == AuditType.ONSITE
    assert set(copied.works.all()) == {tax, pension} and new.previous == old
    assert [a.user for a in copied.auditors.all()] == [world.auditor_a]
