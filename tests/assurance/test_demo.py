from __future__ import annotations

import datetime as dt

from piaops.assurance import demo
from piaops.assurance.models import (
    CloudService,
    Contract,
    Evidence,
    IsmapAlert,
    IsmapSnapshot,
    Obligation,
    Responsibility,
    Subcontract,
)
from piaops.tenancy.models import Party
from tests import factories as f
from tests.conftest import World

TODAY = dt.date(2026, 11, 25)


def test_the_demo_builds_every_state_once_and_reuses_existing_parties(world: World) -> None:
    existing_asp = f.party(world.a, "既存のASP", Party.Kind.ASP)
    demo.build(municipality=world.a, people=10, today=TODAY)
    demo.build(municipality=world.a, people=10, today=TODAY)  # idempotent

    obligations = Obligation.objects.for_municipality(world.a)
    assert obligations.overdue(TODAY).count() == 1
    assert obligations.due_within(TODAY, 30).count() == 1
    assert Evidence.objects.filter(conclusion=Evidence.Conclusion.PENDING).count() == 1
    assert Evidence.objects.filter(conclusion=Evidence.Conclusion.ACCEPTED).count() == 1
    assert Contract.objects.filter(party=existing_asp).exists()
    assert Subcontract.objects.filter(parent__isnull=False).count() == 1
    snapshot = IsmapSnapshot.objects.get(municipality=world.a)
    kinds = sorted(snapshot.alerts.values_list("kind", flat=True))
    assert kinds == [IsmapAlert.Kind.EXPIRING, IsmapAlert.Kind.REMOVED]
    assert CloudService.objects.for_municipality(world.a).count() == 4
    assert Responsibility.objects.for_municipality(world.a).count() >= 6
    assert Party.objects.for_municipality(world.a).filter(kind=Party.Kind.ASP).count() == 1
