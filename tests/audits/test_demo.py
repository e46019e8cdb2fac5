from __future__ import annotations

import datetime as dt
from collections import Counter

from piaops.audits import demo
from piaops.audits.models import Audit, AuditProgramme, AuditReport
from piaops.findings.models import Finding, FollowUp
from piaops.lib.fiscal import add_office_days
from tests import factories as f
from tests.conftest import World

TODAY = dt.date(2026, 11, 25)


def test_the_demo_step_skips_without_works(world: World) -> None:
    demo.build(municipality=world.a, people=10, today=TODAY)
    assert not AuditProgramme.objects.exists()


def test_the_demo_step_builds_two_programmes_with_audits_in_several_states_once(world: World) -> None:
    units = [f.unit(world.a, f"第{i}課", parent=world.root_a) for i in range(6)]
    for i, u in enumerate(units):
        f.work(world.a, f"事務{i}", units=(u,))
    demo.build(municipality=world.a, people=10, today=TODAY)
    demo.build(municipality=world.a, people=10, today=TODAY)
    assert list(AuditProgramme.objects.values_list("fiscal_year", "status")) == [(2026, "approved"), (2025, "approved")]
    states = Counter(Audit.objects.filter(programme__fiscal_year=2026).values_list("status", flat=True))
    assert set(states) == {"planned", "in_progress", "completed"}
    assert Finding.objects.filter(source_type="audits.item").exists()
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert {"open", "planned", "completed", "verified"} <= statuses
    overdue = [fu for fu in FollowUp.objects.filter(completed_on__isnull=True) if fu.due_date < TODAY]
    assert overdue
    assert any(TODAY > add_office_days(fu.due_date, 5) for fu in overdue)  # escalated to the governance division
    assert AuditReport.objects.get().status == "received"
