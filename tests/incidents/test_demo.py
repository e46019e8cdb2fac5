from __future__ import annotations

import datetime as dt

from piaops.incidents import demo
from piaops.incidents.models import Incident
from piaops.tenancy.models import Party
from tests.conftest import World


def test_the_demo_has_incidents_routed_to_the_state_and_to_the_asp_and_is_idempotent(world: World) -> None:
    demo.build(municipality=world.a, people=0, today=dt.date(2026, 11, 25))
    demo.build(municipality=world.a, people=0, today=dt.date(2026, 11, 25))
    incidents = Incident.objects.for_municipality(world.a)
    assert incidents.count() == 4
    routed = {i.routed_party.kind for i in incidents if i.routed_party}
    assert routed == {Party.Kind.GOVERNMENT_CLOUD, Party.Kind.ASP}
    assert incidents.filter(consultation_required=True).count() == 1
    reportable = incidents.ppc_reportable().get()
    assert reportable.ppc_prompt_reported_on is not None and reportable.ppc_final_reported_on is None
    assert reportable.ppc_final_due == dt.date(2027, 1, 18)  # known 11/19, day 60 = 1/17 (Sunday) → Monday 1/18
    # 特定個人情報 on paper for 12 people: no 報告対象事態, closed internally without a 確報
    internal = incidents.get(personal_info_involved=True, people_affected=12)
    assert not internal.ppc_report_required and internal.status == "closed"
    assert internal.ppc_final_due is None and internal.ppc_final_reported_on is None
    assert "規則第2条各号のいずれにも当たらない" in internal.reportability.text
