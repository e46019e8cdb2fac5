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
    assert incidents.count() == 3
    routed = {i.routed_party.kind for i in incidents if i.routed_party}
    assert routed == {Party.Kind.GOVERNMENT_CLOUD, Party.Kind.ASP}
    assert incidents.filter(consultation_required=True).count() == 1
    assert incidents.ppc_reportable().get().ppc_prompt_reported_on is not None
