"""The monthly review: a comment per exception, then the 情報システム部門 signs; signed reviews are frozen."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.areas import services
from piaops.areas.importing import door_log_import
from piaops.areas.models import MonthlyReview
from piaops.areas.reconcile import reconcile
from piaops.audittrail.models import Action, AuditEntry
from tests import factories as f
from tests.areas.conftest import Room, csv_bytes
from tests.conftest import World


@pytest.fixture
def review(room: Room) -> MonthlyReview:
    door_log_import(
        area=room.area,
        data=csv_bytes(
            "2026-11-02 09:00,B1,入室",
            "2026-11-02 09:10,B1,退室",
            "2026-11-02 09:00,ZZ,入室",
            "2026-11-02 09:05,ZZ,退室",
        ),
        file_name="x",
        mapping=room.mapping,
        user=None,
    )
    return services.review_for(area=room.area, month=dt.date(2026, 11, 17))


def test_signing_needs_a_comment_on_every_exception(world: World, room: Room, review: MonthlyReview) -> None:
    exceptions = reconcile(area=room.area, month=review.month)
    assert len(exceptions) == 2
    services.review_comment(
        review=review, user=world.admin_a, exception_key=exceptions[0].key, comment="業者の入室。許可漏れ"
    )
    with pytest.raises(services.ReviewError, match="未記入の例外が1件"):
        services.review_sign_off(review=review, user=world.admin_a, summary="")
    services.review_comment(
        review=review, user=world.admin_a, exception_key=exceptions[1].key, comment="紛失カード。失効済み"
    )
    signed = services.review_sign_off(review=review, user=world.admin_a, summary="許可の登録漏れを是正")
    assert (
        signed.status == MonthlyReview.Status.SIGNED
        and signed.exception_count == 2
        and signed.signed_by == world.admin_a
    )
    assert AuditEntry.objects.filter(action=Action.TRANSITION, object_id=str(review.pk)).exists()
    with pytest.raises(services.ReviewError, match="署名済み"):
        services.review_comment(review=review, user=world.admin_a, exception_key=exceptions[0].key, comment="変更")


def test_the_it_unit_head_may_sign_and_other_unit_heads_may_not(world: World, room: Room) -> None:
    it_head = f.user(world.a, "it_head", f.Role.UNIT_HEAD, unit=room.it_unit)
    assert services.can_sign_off(it_head, room.area)
    assert services.can_sign_off(world.admin_a, room.area)
    assert not services.can_sign_off(world.head_a, room.area)
    assert not services.can_sign_off(world.auditor_a, room.area)
