"""Signed means frozen (issue 14 §5; 特定個人情報の適正な取扱いに関するガイドライン（行政機関等編）別添1
物理的安全管理措置「管理区域の入退室管理」, invariant 5 of the guide): a month is signed only after it ended, a
door log touching a signed month is refused, and only a recorded re-opening (admin, reason) lets it in again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from piaops.areas import services
from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import DoorEvent, MonthlyReview, MonthlyReviewEvent
from piaops.audittrail.models import Action, AuditEntry
from tests import factories as f
from tests.areas.conftest import Room, csv_bytes
from tests.conftest import World, login


@pytest.mark.parametrize(
    ("month", "today", "allowed"),
    [
        (dt.date(2026, 11, 1), dt.date(2026, 11, 1), False),  # first day of the month
        (dt.date(2026, 11, 1), dt.date(2026, 11, 30), False),  # last day: the log is not complete yet
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1), True),  # the next month's first day
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28), False),  # February, non-leap year
        (dt.date(2026, 2, 1), dt.date(2026, 3, 1), True),
        (dt.date(2028, 2, 1), dt.date(2028, 2, 29), False),  # leap day
        (dt.date(2026, 12, 1), dt.date(2026, 12, 31), False),  # across the year end
        (dt.date(2026, 12, 1), dt.date(2027, 1, 1), True),
        (dt.date(2026, 12, 1), dt.date(2026, 10, 5), False),  # a future month
    ],
)
def test_a_month_is_signed_only_after_it_ended(
    world: World, room: Room, month: dt.date, today: dt.date, allowed: bool
) -> None:
    review = services.review_for(area=room.area, month=month)
    assert services.month_has_ended(month, today) is allowed
    if allowed:
        signed = services.review_sign_off(review=review, user=world.admin_a, summary="", today=today)
        assert signed.status == MonthlyReview.Status.SIGNED
    else:
        with pytest.raises(services.ReviewError, match="月が終わってから"):
            services.review_sign_off(review=review, user=world.admin_a, summary="", today=today)
        assert MonthlyReview.objects.get(pk=review.pk).status == MonthlyReview.Status.OPEN


def _import(room: Room, *rows: str) -> int:
    return door_log_import(
        area=room.area, data=csv_bytes(*rows), file_name="log.csv", mapping=room.mapping, user=None
    ).rows


def _signed(world: World, room: Room, month: dt.date) -> MonthlyReview:
    review = services.review_for(area=room.area, month=month)
    return services.review_sign_off(review=review, user=world.admin_a, summary="例外なし", today=dt.date(2027, 1, 5))


@pytest.mark.parametrize(
    ("rows", "refused"),
    [
        (("2026-11-02 09:00,A1,入室", "2026-11-02 09:30,A1,退室"), "2026年11月"),  # inside the signed month
        (("2026-10-31 23:50,A1,入室", "2026-11-01 00:10,A1,退室"), "2026年11月"),  # one row crosses into it
        (("2026-11-30 23:59:59,A1,入室",), "2026年11月"),  # its last second (Japan time)
        (("2026-11-30T15:00:00+00:00,A1,入室",), None),  # UTC 15:00 is 12月1日 00:00 in Japan: not November
        (("2026-10-30 09:00,A1,入室", "2026-10-30 09:30,A1,退室"), None),  # the month before
        (("2026-12-01 00:00,A1,入室",), None),  # the month after
    ],
)
def test_a_door_log_touching_a_signed_month_is_refused_and_nothing_is_saved(
    world: World, room: Room, rows: tuple[str, ...], refused: str | None
) -> None:
    _signed(world, room, dt.date(2026, 11, 1))
    if refused is None:
        assert _import(room, *rows) == len(rows)
        return
    with pytest.raises(DoorLogError) as caught:
        _import(room, *rows)
    message = str(caught.value.errors[0])
    assert refused in message and "署名済み" in message and "再開" in message
    assert not DoorEvent.objects.exists()
    with pytest.raises(DoorLogError):  # the dry run (validation) says the same
        door_log_import(
            area=room.area, data=csv_bytes(*rows), file_name="x", mapping=room.mapping, user=None, dry_run=True
        )


def test_reopening_needs_a_reason_is_recorded_and_the_month_must_be_signed_again(world: World, room: Room) -> None:
    review = _signed(world, room, dt.date(2026, 11, 1))
    with pytest.raises(services.ReviewError, match="理由"):
        services.review_reopen(review=review, user=world.admin_a, reason="  ")
    reopened = services.review_reopen(review=review, user=world.admin_a, reason="入退室システムの欠落分を追加取込")
    assert reopened.status == MonthlyReview.Status.OPEN and reopened.signed_by is None
    event = MonthlyReviewEvent.objects.get(review=review, to_status=MonthlyReview.Status.OPEN)
    assert event.by == world.admin_a and event.note == "入退室システムの欠落分を追加取込"
    entry = AuditEntry.objects.filter(action=Action.TRANSITION, object_id=str(review.pk)).order_by("-seq").first()
    assert entry is not None and entry.after["note"] == "入退室システムの欠落分を追加取込"
    assert entry.after["withdrawn"]["signed_by"] == world.admin_a.pk
    with pytest.raises(services.ReviewError, match="署名済みの月だけ"):
        services.review_reopen(review=review, user=world.admin_a, reason="二度目")
    assert _import(room, "2026-11-02 09:00,A1,入室", "2026-11-02 09:30,A1,退室") == 2
    again = services.review_sign_off(review=review, user=world.admin_a, summary="再確認", today=dt.date(2027, 1, 6))
    assert again.status == MonthlyReview.Status.SIGNED
    assert list(MonthlyReviewEvent.objects.filter(review=review).values_list("to_status", flat=True)) == [
        "signed",
        "open",
        "signed",
    ]


def _post(client: Client, room: Room, action: str, data: dict[str, str]) -> str:
    return client.post(f"/areas/{room.area.pk}/review/2026-11/{action}/", data, follow=True).content.decode()


def test_the_page_asks_for_confirmation_and_shows_who_reopened_when_and_why(
    world: World, room: Room, as_admin: Client
) -> None:
    page = _post(as_admin, room, "sign", {"summary": ""})
    assert "確認しました" in page and MonthlyReview.objects.get(area=room.area).status == MonthlyReview.Status.OPEN
    page = _post(as_admin, room, "sign", {"summary": "", "confirm": "1"})
    assert "署名しました" in page and "署名済みの月を再開する" in page
    page = _post(as_admin, room, "reopen", {"reason": ""})
    assert "再開の理由を入力してください" in page
    page = _post(as_admin, room, "reopen", {"reason": "欠落分の追加取込"})
    assert "再開しました" in page and "再署名待ち" in page
    assert "欠落分の追加取込" in page and str(world.admin_a) in page


def test_only_the_admin_reopens(world: World, room: Room) -> None:
    _signed(world, room, dt.date(2026, 11, 1))
    it_head = f.user(world.a, "it_head", f.Role.UNIT_HEAD, unit=room.it_unit)  # signs, but may not re-open
    for user, status in ((it_head, 403), (world.viewer_a, 403), (world.auditor_a, 403), (world.user_b, 404)):
        response = login(user).post(f"/areas/{room.area.pk}/review/2026-11/reopen/", {"reason": "x"})
        assert response.status_code == status, user
    assert MonthlyReview.objects.get(area=room.area).status == MonthlyReview.Status.SIGNED


def test_the_import_page_explains_the_refusal(world: World, room: Room, as_admin: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _signed(world, room, dt.date(2026, 11, 1))
    data = csv_bytes("2026-11-02 09:00,A1,入室", "2026-11-02 09:30,A1,退室")
    response = as_admin.post(
        f"/areas/{room.area.pk}/import/", {"file": SimpleUploadedFile("log.csv", data, "text/csv")}
    )
    body = response.content.decode()
    assert response.status_code == 400 and "2026年11月は月次確認に署名済み" in body and "何も取り込んでいません" in body
