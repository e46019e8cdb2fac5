from __future__ import annotations

import datetime as dt

from piaops.assessments.reminders import collect
from piaops.assessments.vocab import Revision
from piaops.tenancy.models import User
from tests import factories as f
from tests.assessments import builders as b
from tests.conftest import World


def test_the_full_reassessment_is_reminded_by_stage_until_a_new_version_is_imported(world: World) -> None:
    User.objects.filter(pk=world.admin_a.pk).update(email="bangou@city.example.jp")
    work = f.work(world.a)
    v1 = b.save(world.a, [work], b.reference(), published_on=dt.date(2023, 3, 27))
    assert list(collect(today=dt.date(2027, 3, 27))) == []

    [early] = collect(today=dt.date(2027, 3, 28))
    assert early.key == f"assessments:reassessment:{v1.pk}:before-365"
    assert early.recipients == ("bangou@city.example.jp",) and early.unit_id == world.governance_a.pk
    assert "2028-03-27（令和10年3月27日）" in early.body and not early.overdue

    [late] = collect(today=dt.date(2028, 3, 28))
    assert late.key.endswith(":overdue") and late.overdue and "5年経過" in late.subject

    b.save(
        world.a,
        [work],
        b.reference(audit_texts=(b.AUDIT_ALL,)),
        published_on=dt.date(2028, 3, 1),
        revision=Revision.REASSESSMENT,
    )
    assert list(collect(today=dt.date(2028, 3, 28))) == []


def test_drafts_and_other_municipalities_are_separate(world: World) -> None:
    b.save(world.a, [f.work(world.a)], b.reference(), published_on=None)
    other = b.save(world.b, [f.work(world.b)], b.reference(), published_on=dt.date(2020, 4, 1))
    [reminder] = collect(today=dt.date(2026, 1, 1))
    assert reminder.municipality_id == world.b.pk and reminder.key.startswith(f"assessments:reassessment:{other.pk}:")
    assert reminder.recipients == ()
