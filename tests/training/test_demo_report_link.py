"""On the demo data, the J-LIS operators' requirements carry out the report's 教育 promise (年次(年2回)及び随時
(新規要員着任時)), and the demo has both a reportable and a non-reportable incident."""

from __future__ import annotations

import datetime as dt
import io

import time_machine
from django.core.management import call_command

from piaops.incidents.models import Incident
from piaops.training.models import Requirement, Trigger


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False)
def test_the_demo_links_requirements_to_the_report_and_shows_both_incident_decisions(db: None) -> None:
    call_command("demo", people=40, today="2026-11-25", stdout=io.StringIO())
    linked = Requirement.objects.filter(commitment__isnull=False)
    assert {r.trigger for r in linked} == {Trigger.PER_FISCAL_YEAR, Trigger.ON_ASSIGNMENT}
    assert all(r.commitment is not None and r.commitment.cadences == ["semiannual", "on_assignment"] for r in linked)
    decisions = {i.ppc_report_required for i in Incident.objects.filter(personal_info_involved=True)}
    assert decisions == {True, False}
