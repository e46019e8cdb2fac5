"""Server-room pages per persona; the outsider gets 404, read-only personas 403 on writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from piaops.areas.models import Area, Authorization, DoorEvent, MonthlyReview
from tests import factories as f
from tests.areas.conftest import Room, csv_bytes
from tests.conftest import World, login
from tests.jobs.runner import run_jobs


def _upload(client: Client, room: Room, data: bytes, **extra: str) -> object:
    return client.post(
        f"/areas/{room.area.pk}/import/", {"file": SimpleUploadedFile("log.csv", data, "text/csv"), **extra}
    )


def test_the_admin_imports_a_log_after_a_dry_run_and_reviews_the_month(as_admin: Client, room: Room) -> None:
    data = csv_bytes(
        "2026-11-02 09:00,A1,入室", "2026-11-02 09:30,A1,退室", "2026-11-02 09:00,B1,入室", "2026-11-02 09:30,B1,退室"
    )
    checked = _upload(as_admin, room, data, dry_run="1")
    assert "誤りはありません" in checked.content.decode() and not DoorEvent.objects.exists()  # type: ignore[attr-defined]
    response = _upload(as_admin, room, data)
    assert response.status_code == 302 and not DoorEvent.objects.exists()  # type: ignore[attr-defined]
    run_jobs()  # the import is a background job; its page links to the area
    job_page = as_admin.get(response["Location"]).content.decode()  # type: ignore[index]
    assert "入退室ログ 4件を取り込みました" in job_page and f'href="/areas/{room.area.pk}/"' in job_page
    assert DoorEvent.objects.count() == 4
    page = as_admin.get(f"/areas/{room.area.pk}/review/2026-11/").content.decode()
    assert "許可のない入室" in page and "坊 太郎" in page and "確認を終えて署名する" in page


def test_a_bad_file_shows_every_error_and_saves_nothing(as_admin: Client, room: Room) -> None:
    response = _upload(as_admin, room, csv_bytes("2026-11-02 09:00,A1,入室", "bad,A1,入室", "2026-11-02 09:10,A1,何か"))
    body = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert (
        "3行目：日時を読み取れません" in body and "4行目：入退の値「何か」" in body and "何も取り込んでいません" in body
    )
    assert not DoorEvent.objects.exists()


def test_the_admin_adds_an_authorisation_limited_to_the_municipality(
    as_admin: Client, room: Room, world: World
) -> None:
    outsider_person = f.person(world.b, name="東京 花子")
    refused = as_admin.post(
        f"/areas/{room.area.pk}/authorizations/new/",
        {"person": outsider_person.pk, "valid_from": "2026-11-01", "purpose": "x"},
    )
    assert refused.status_code == 200 and "正しく選択してください" in refused.content.decode()
    ok = as_admin.post(
        f"/areas/{room.area.pk}/authorizations/new/",
        {"person": room.bob.pk, "valid_from": "2026-11-01", "purpose": "保守"},
    )
    assert ok.status_code == 302
    assert Authorization.objects.get(person=room.bob).approved_by == world.admin_a


@pytest.mark.parametrize("persona", ["viewer_a", "auditor_a"])
def test_read_only_personas_see_but_cannot_write(world: World, room: Room, persona: str) -> None:
    client = login(getattr(world, persona))
    assert client.get("/areas/").status_code == 200
    assert client.get(f"/areas/{room.area.pk}/").status_code == 200
    assert client.get(f"/areas/{room.area.pk}/review/2026-11/").status_code == 200
    assert client.get("/areas/new/").status_code == 403
    assert client.get("/areas/cards/").status_code == 403
    assert _upload(client, room, csv_bytes("2026-11-02 09:00,A1,入室")).status_code == 403  # type: ignore[attr-defined]
    for action in ("sign", "comment", "reopen"):
        assert client.post(f"/areas/{room.area.pk}/review/2026-11/{action}/", {"confirm": "1"}).status_code == 403
    assert not DoorEvent.objects.exists()


def test_a_unit_head_outside_the_it_unit_cannot_see_server_rooms(as_head: Client, room: Room) -> None:
    assert as_head.get("/areas/").status_code == 403
    # An area of their own municipality they may not see: 403 (404 is for another municipality's ids).
    assert as_head.get(f"/areas/{room.area.pk}/").status_code == 403
    assert as_head.get(f"/areas/{room.area.pk}/review/2026-11/").status_code == 403
    assert as_head.post(f"/areas/{room.area.pk}/review/2026-11/sign/", {"confirm": "1"}).status_code == 403


def test_the_it_unit_head_signs_the_review_through_the_page(world: World, room: Room) -> None:
    client = login(f.user(world.a, "it_head", f.Role.UNIT_HEAD, unit=room.it_unit))
    assert client.get(f"/areas/{room.area.pk}/").status_code == 200
    response = client.post(
        f"/areas/{room.area.pk}/review/2026-11/sign/", {"summary": "例外なし", "confirm": "1"}, follow=True
    )
    assert "署名しました" in response.content.decode()
    assert MonthlyReview.objects.get(area=room.area).status == MonthlyReview.Status.SIGNED


def test_the_outsider_gets_404_everywhere(as_outsider: Client, room: Room) -> None:
    assert "SR-1" not in as_outsider.get("/areas/").content.decode()
    for url in [
        f"/areas/{room.area.pk}/",
        f"/areas/{room.area.pk}/edit/",
        f"/areas/{room.area.pk}/authorizations/new/",
        f"/areas/{room.area.pk}/visits/new/",
        f"/areas/{room.area.pk}/import/",
        f"/areas/{room.area.pk}/review/2026-11/",
    ]:
        assert as_outsider.get(url).status_code == 404, url
    for action in ("sign", "comment", "reopen"):
        assert as_outsider.post(f"/areas/{room.area.pk}/review/2026-11/{action}/", {"confirm": "1"}).status_code == 404
    assert Area.objects.get(pk=room.area.pk).name == "サーバー室"


def test_an_invalid_month_is_404(as_admin: Client, room: Room) -> None:
    assert as_admin.get(f"/areas/{room.area.pk}/review/2026-13/").status_code == 404


def test_demo_builds_a_month_with_each_kind_of_exception(world: World) -> None:
    from piaops.areas import demo
    from piaops.areas.reconcile import ExceptionKind, reconcile

    for i in range(14):
        f.person(world.a, name=f"職員{i}")
    demo.build(municipality=world.a, people=14, today=dt.date(2026, 11, 25))
    demo.build(municipality=world.a, people=14, today=dt.date(2026, 11, 25))
    area = Area.objects.get(municipality=world.a)
    signed = MonthlyReview.objects.get(area=area, month=dt.date(2026, 9, 1))  # the month before last: signed
    assert signed.status == MonthlyReview.Status.SIGNED and signed.exception_count == 5
    assert not MonthlyReview.objects.filter(area=area, month=dt.date(2026, 10, 1)).exists()  # last month: to review
    kinds = {e.kind for e in reconcile(area=area, month=dt.date(2026, 10, 1))}
    assert kinds == {
        ExceptionKind.UNAUTHORISED,
        ExceptionKind.OUTSIDE_HOURS,
        ExceptionKind.NO_EXIT,
        ExceptionKind.EXIT_WITHOUT_ENTRY,
        ExceptionKind.UNKNOWN_CARD,
    }


def test_who_sees_which_area_is_one_rule(world: World, room: Room) -> None:
    """``Area.objects.visible_to``: the municipality-wide readers every area; a 所属長 the areas managed in their
    subtree; 所属担当者, 事業者担当 and another municipality none."""
    Area.objects.create(municipality=world.a, name="書庫", code="AR-2")  # managed by no unit
    top = f.unit(world.a, "総務部", code="A140", parent=world.root_a)
    expected = {
        world.admin_a: {"SR-1", "AR-2"},
        world.auditor_a: {"SR-1", "AR-2"},
        world.viewer_a: {"SR-1", "AR-2"},
        f.user(world.a, "it_head", f.Role.UNIT_HEAD, unit=room.it_unit): {"SR-1"},
        f.user(world.a, "bureau_head", f.Role.UNIT_HEAD, unit=world.root_a): {"SR-1"},  # the IT unit's bureau
        f.user(world.a, "sibling_head", f.Role.UNIT_HEAD, unit=top): set(),
        f.user(world.a, "it_staff", f.Role.UNIT_STAFF, unit=room.it_unit): set(),
        world.head_a: set(),
        world.user_b: set(),
    }
    for user, codes in expected.items():
        assert set(Area.objects.visible_to(user).values_list("code", flat=True)) == codes, user.username


def test_comment_sign_and_reopen_are_one_view_each(world: World, room: Room, as_admin: Client) -> None:
    from piaops.areas.reconcile import reconcile

    it_head = login(f.user(world.a, "it_head", f.Role.UNIT_HEAD, unit=room.it_unit))
    _upload(as_admin, room, csv_bytes("2026-11-02 09:00,B1,入室", "2026-11-02 09:30,B1,退室"))
    base = f"/areas/{room.area.pk}/review/2026-11/"
    assert it_head.post(base + "reopen/", {"reason": "x"}).status_code == 403  # only the admin re-opens
    for exception in reconcile(area=room.area, month=dt.date(2026, 11, 1)):
        comment = {"exception_key": exception.key, "comment": "立会いあり"}
        assert it_head.post(base + "comment/", comment).status_code == 302
    unticked = it_head.post(base + "sign/", {"summary": "確認済"}, follow=True).content.decode()
    assert "チェックを入れて" in unticked
    assert MonthlyReview.objects.get(area=room.area).status == MonthlyReview.Status.OPEN
    it_head.post(base + "sign/", {"summary": "確認済", "confirm": "1"})
    assert MonthlyReview.objects.get(area=room.area).status == MonthlyReview.Status.SIGNED
    no_reason = as_admin.post(base + "reopen/", {}, follow=True).content.decode()
    assert "再開の理由を入力してください" in no_reason
    as_admin.post(base + "reopen/", {"reason": "欠落分のログを受領"})
    review = MonthlyReview.objects.get(area=room.area)
    assert review.status == MonthlyReview.Status.OPEN and review.signed_by is None
    events = list(review.events.order_by("at", "pk").values_list("to_status", "by__username", "note"))
    assert events == [("signed", "it_head", ""), ("open", "admin_a", "欠落分のログを受領")]
