from __future__ import annotations

import datetime as dt

from piaops.assurance import services
from piaops.assurance.reminders import collect
from piaops.tenancy.models import Party, Role
from tests import factories as f
from tests.assurance.helpers import cloud_service, obligation
from tests.conftest import World

D = dt.date


def test_overdue_and_soon_due_obligations_remind_the_admin_and_the_partys_contractor(world: World) -> None:
    world.admin_a.email = "admin@example.jp"
    world.admin_a.save()
    jlis = f.party(world.a, "J-LIS", Party.Kind.INTERMEDIATE_SERVER)
    contractor = f.user(world.a, "jlis_user", Role.CONTRACTOR, party=jlis)
    contractor.email = "ops@jlis.example.jp"
    contractor.save()
    late = obligation(world.a, jlis, due=D(2026, 11, 2), title="遅れた自己点検")
    soon = obligation(world.a, jlis, due=D(2026, 12, 4), title="近い教育")
    obligation(world.a, jlis, due=D(2027, 3, 31), title="まだ先")
    reminders = {r.key: r for r in collect(today=D(2026, 11, 25))}
    assert set(reminders) == {
        f"assurance:obligation:{late.pk}:overdue:2026-11-02",
        f"assurance:obligation:{soon.pk}:soon:2026-12-04",
    }
    overdue = reminders[f"assurance:obligation:{late.pk}:overdue:2026-11-02"]
    assert overdue.overdue and overdue.recipients == ("admin@example.jp", "ops@jlis.example.jp")
    assert "期限を過ぎています" in overdue.subject and overdue.url.endswith(f"/obligations/{late.pk}/")
    assert overdue.municipality_id == world.a.pk


def test_accepted_evidence_ends_the_reminder(world: World) -> None:
    jlis = f.party(world.a, "J-LIS", Party.Kind.INTERMEDIATE_SERVER)
    late = obligation(world.a, jlis, due=D(2026, 11, 2))
    evidence = services.evidence_submit(
        obligation=late,
        file_name="r.txt",
        content=b"ok",
        period_from=D(2025, 4, 1),
        period_to=D(2026, 3, 31),
        received_on=D(2026, 11, 20),
        submitted_by=None,
    )
    assert [r.overdue for r in collect(today=D(2026, 11, 25))] == [True]
    services.evidence_review(evidence=evidence, accept=True, reviewer=None)
    assert list(collect(today=D(2026, 11, 25))) == []


def test_ismap_expiry_removal_and_pending_renewal(world: World) -> None:
    expiring = cloud_service(world.a, "C1", audit_end=D(2025, 9, 30))  # expires 2027-02-01
    expired = cloud_service(world.a, "C2", audit_end=D(2025, 3, 31))  # expired 2026-08-01
    cloud_service(world.a, "C3", audit_end=D(2025, 3, 31), renewal_applied_on=D(2026, 7, 1))  # pending: valid
    removed = cloud_service(world.a, "C4", audit_end=D(2026, 3, 31), delisted_on=D(2026, 11, 1))
    cloud_service(world.a, "C5", audit_end=D(2026, 3, 31))  # valid until 2027-08-01
    keys = {r.key for r in collect(today=D(2026, 11, 25))}
    assert keys == {
        f"assurance:ismap:{expiring.pk}:expiring:2027-02-01",
        f"assurance:ismap:{expired.pk}:expired:2026-08-01",
        f"assurance:ismap:{removed.pk}:removed:2026-11-01",
    }
    services.ismap_settings_save(municipality=world.a, mapping={}, warn_days=30)
    assert f"assurance:ismap:{expiring.pk}:expiring:2027-02-01" not in {r.key for r in collect(today=D(2026, 11, 25))}
