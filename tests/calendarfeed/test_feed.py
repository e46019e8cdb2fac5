"""The calendar feed page and ``/calendar/<token>.ics``: read back by an independent iCalendar reader (icalendar)."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
import time_machine
from django.test import Client

from piaops.audittrail.models import AuditEntry
from piaops.calendarfeed import services
from piaops.calendarfeed.models import CalendarToken
from piaops.findings import services as findings
from piaops.findings.models import FollowUp, Source
from piaops.tenancy.models import OrgUnit, Party, User
from tests import factories as f
from tests.assurance.helpers import cloud_service, obligation
from tests.conftest import World, login

NOW = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


def _followup(unit: OrgUnit, title: str, due: dt.date = dt.date(2027, 1, 29)) -> FollowUp:
    finding = findings.finding_create(unit=unit, fiscal_year=2026, title=title, source=Source.SELF_INSPECTION)
    return findings.followup_plan(finding=finding, plan="改善する", due_date=due)


def _feed_url(user: User) -> str:
    """Make a feed on the page, as the user would, and read the URL shown once."""
    page = login(user).post("/calendar/").content.decode()
    match = re.search(r'<code id="feed-url">http://testserver(/calendar/[^<]+\.ics)</code>', page)
    assert match, page
    return match.group(1)


def _strict_lines(body: bytes) -> None:
    """RFC 5545 §3.1: every line ends in CRLF and has at most 75 octets; a continuation starts with a space."""
    assert body.endswith(b"\r\n")
    for line in body.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        assert b"\n" not in line and b"\r" not in line
        line.decode("utf-8")  # folding never cuts a character in two


def _events(url: str) -> dict[str, icalendar.Event]:
    response = Client().get(url)  # no session: the token is the credential
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    _strict_lines(response.content)
    cal = icalendar.Calendar.from_ical(response.content.decode("utf-8"))
    assert str(cal["VERSION"]) == "2.0"
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _summaries(url: str) -> set[str]:
    return {str(e["SUMMARY"]) for e in _events(url).values()}


def test_the_feed_lists_the_admins_deadlines_as_all_day_events(world: World) -> None:
    followup = _followup(world.tax_section_a, "鍵の管理、台帳の記載；施錠（確認）")
    url = _feed_url(world.admin_a)
    events = _events(url)
    (event,) = [e for e in events.values() if "改善計画" in str(e["SUMMARY"])]
    assert str(event["SUMMARY"]) == "【改善計画】完了予定日（税制係）"
    assert "鍵の管理、台帳の記載；施錠（確認）" in str(event["DESCRIPTION"])  # escaped on the wire, intact read back
    assert event["DTSTART"].dt == dt.date(2027, 1, 29) and event["DTEND"].dt == dt.date(2027, 1, 30)
    assert str(event["URL"]) == f"http://testserver/findings/{followup.finding_id}/"
    assert set(_events(url)) == set(events)  # UIDs are stable from one fetch to the next


def test_a_moved_deadline_moves_the_same_event(world: World) -> None:
    followup = _followup(world.tax_a, "持出簿")
    url = _feed_url(world.admin_a)
    (uid,) = [u for u, e in _events(url).items() if "改善計画" in str(e["SUMMARY"])]
    findings.followup_plan(finding=followup.finding, plan="改善する", due_date=dt.date(2027, 3, 1))
    assert _events(url)[uid]["DTSTART"].dt == dt.date(2027, 3, 1)
    findings.followup_complete(
        followup=FollowUp.objects.get(pk=followup.pk), completed_on=dt.date(2026, 11, 25), note="済"
    )
    assert uid not in _events(url)  # a resolved deadline leaves the calendar


def test_another_tenants_events_never_appear(world: World) -> None:
    _followup(world.tax_a, "札幌の指摘")
    _followup(world.root_b, "東京の指摘")
    a, b = _summaries(_feed_url(world.admin_a)), _summaries(_feed_url(world.user_b))
    assert "【改善計画】完了予定日（税政課）" in a and "【改善計画】完了予定日（総務局）" not in a
    assert "【改善計画】完了予定日（総務局）" in b and not any("税政課" in s for s in b)


def test_each_role_gets_what_its_home_page_shows(world: World) -> None:
    _followup(world.tax_section_a, "係の指摘")
    _followup(world.other_a, "他課の指摘")
    head = _summaries(_feed_url(world.head_a))  # 所属長 of 税政課: its subtree only
    assert "【改善計画】完了予定日（税制係）" in head and not any("保険年金課" in s for s in head)
    assert _summaries(_feed_url(world.viewer_a)) == set()  # the read-only persona: no deadlines of its own


def test_revoked_renewed_and_unknown_tokens_answer_404(world: World) -> None:
    url = _feed_url(world.admin_a)
    token = CalendarToken.objects.get(user=world.admin_a, revoked_at__isnull=True)
    renewed = _feed_url(world.admin_a)  # making a new URL revokes the old one
    assert Client().get(url).status_code == 404
    assert Client().get(renewed).status_code == 200
    assert login(world.admin_a).post(f"/calendar/{token.pk + 1}/revoke/").status_code == 302
    assert Client().get(renewed).status_code == 404
    assert Client().get("/calendar/piacal_unknown.ics").status_code == 404
    world.admin_a.is_active = False
    world.admin_a.save()
    assert Client().get(_feed_url_for(world.admin_a)).status_code == 404


def _feed_url_for(user: User) -> str:
    _token, raw = services.token_create(user=user)
    return f"/calendar/{raw}.ics"


def test_only_the_digest_is_stored_and_every_change_is_audited(world: World) -> None:
    url = _feed_url(world.admin_a)
    raw = url.removeprefix("/calendar/").removesuffix(".ics")
    token = CalendarToken.objects.get(user=world.admin_a)
    assert raw not in token.digest and len(token.digest) == 64
    login(world.admin_a).post(f"/calendar/{token.pk}/revoke/")
    entries = AuditEntry.objects.filter(object_type="calendarfeed.CalendarToken", object_id=str(token.pk))
    assert [e.summary for e in entries.order_by("seq")] == [
        "カレンダー配信トークンを作成",
        "カレンダー配信トークンを失効",
    ]
    assert all(raw not in str(e.after) and token.digest not in str(e.after) for e in entries)


def test_the_page_and_revocation_respect_the_owner(
    world: World, as_admin: Client, as_viewer: Client, as_outsider: Client
) -> None:
    assert as_admin.get("/calendar/").status_code == 200
    assert as_viewer.get("/calendar/").status_code == 200  # a personal setting: the read-only persona has one too
    services.token_create(user=world.admin_a)
    token = CalendarToken.objects.get(user=world.admin_a)
    # Someone else's token of the same municipality: 403 (tenant_object: 404 outside the municipality, then 403).
    assert as_viewer.post(f"/calendar/{token.pk}/revoke/").status_code == 403
    assert as_outsider.post(f"/calendar/{token.pk}/revoke/").status_code == 404  # another tenant's
    assert Client().get("/calendar/").status_code == 302  # the page needs a log-in; only the feed does not
    token.refresh_from_db()
    assert token.revoked_at is None
    assert list(CalendarToken.objects.visible_to(world.admin_a)) == [token]  # one's own tokens only
    assert not CalendarToken.objects.visible_to(world.viewer_a).exists()


def test_obligations_and_ismap_expiry_are_on_the_admins_calendar_not_a_units(world: World) -> None:
    jlis = f.party(world.a, "J-LIS", Party.Kind.INTERMEDIATE_SERVER)
    obligation(world.a, jlis, due=dt.date(2027, 3, 31), title="運用者の自己点検")
    service = cloud_service(world.a, "C1", audit_end=dt.date(2025, 9, 30), name="共通基盤")
    admin = _events(_feed_url(world.admin_a))
    dates = {str(e["SUMMARY"]): e["DTSTART"].dt for e in admin.values()}
    assert dates["【保証義務】J-LIS：運用者の自己点検"] == dt.date(2027, 3, 31)
    assert dates["【ISMAP】登録の有効期限：共通基盤"] == service.expires_on
    assert _summaries(_feed_url(world.head_a)) == set()
