"""Reminders through a real SMTP server (aiosmtpd on a free loopback port)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command

from piaops.core.models import SentReminder
from piaops.selfcheck.models import Checklist
from tests import factories as f
from tests.conftest import World, login
from tests.live import free_port
from tests.selfcheck.helpers import make_campaign


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # the test runner would use locmem


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def campaign_world(world: World) -> World:
    world.head_a.email = "tax-head@city.example.jp"
    world.head_a.save()
    staff = f.user(world.a, "staff_sec", f.Role.UNIT_STAFF, unit=world.tax_section_a)
    staff.email = "tax-section@city.example.jp"
    staff.save()
    make_campaign(world.a, [world.tax_a, world.other_a])  # deadline 2026-12-11, notice 5 開庁日 before
    return world


def test_a_reminder_is_mailed_once_even_when_the_command_runs_twice(campaign_world: World, smtp: Inbox) -> None:
    call_command("remind", "--date", "2026-12-04")
    call_command("remind", "--date", "2026-12-04")
    call_command("remind", "--date", "2026-12-07")
    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["To"] == "tax-head@city.example.jp"  # the section's staff is not covered by 税政課's checklist
    assert "提出期限が近づいています（税政課）" in str(msg["Subject"])
    assert "令和8年12月11日" in msg.get_content()
    # 保険年金課 has nobody with an address: recorded as shown-only, not mailed
    assert SentReminder.objects.count() == 2


def test_nothing_is_sent_the_office_day_before_the_notice_day(campaign_world: World, smtp: Inbox) -> None:
    call_command("remind", "--date", "2026-12-03")
    assert smtp.messages == [] and not SentReminder.objects.exists()


def test_an_overdue_checklist_gets_its_own_reminder_and_a_submitted_one_none(
    campaign_world: World, smtp: Inbox
) -> None:
    from tests.selfcheck.helpers import answer_all

    other = Checklist.objects.get(unit=campaign_world.other_a)
    answer_all(login(campaign_world.admin_a), other, action="submit")
    call_command("remind", "--date", "2026-12-14")
    subjects = [str(m["Subject"]).strip() for m in smtp.messages]
    assert subjects == ["【自己点検】提出期限を過ぎています（税政課）"]
    assert not SentReminder.objects.filter(key__contains=f":{other.pk}:").exists()


def test_a_mail_server_that_is_down_is_retried_on_the_next_run(campaign_world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    with pytest.raises(CommandError, match="次回の実行で再送します"):
        call_command("remind", "--date", "2026-12-04")
    assert not SentReminder.objects.filter(key__contains="before").exclude(recipients="").exists()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_PORT = controller.port
        call_command("remind", "--date", "2026-12-04")
        call_command("remind", "--date", "2026-12-04")
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_the_home_page_shows_the_reminders_of_the_users_units(campaign_world: World) -> None:
    import datetime as dt

    import time_machine

    other = f.user(campaign_world.a, "head_other", f.Role.UNIT_HEAD, unit=campaign_world.other_a)
    with time_machine.travel(dt.datetime(2026, 12, 14, 1, tzinfo=dt.UTC)):
        page = login(campaign_world.head_a).get("/").content.decode()
        other_page = login(other).get("/").content.decode()
    assert "期限超過" in page and page.count("提出期限を過ぎています（税政課）") == 1
    assert "<title>ホーム" in page and "期限" not in page.split("</title>")[0]
    assert "税政課" not in other_page and "提出期限を過ぎています（保険年金課）" in other_page


def test_a_returned_checklist_is_announced_once_per_round(campaign_world: World, smtp: Inbox) -> None:
    from piaops.selfcheck import services
    from tests.selfcheck.helpers import answer_all

    checklist = Checklist.objects.get(unit=campaign_world.tax_a)
    answer_all(login(campaign_world.head_a), checklist, action="submit")
    checklist.refresh_from_db()
    services.checklist_review(checklist=checklist, accept=False, note="根拠を記載してください")
    call_command("remind", "--date", "2026-11-30")
    call_command("remind", "--date", "2026-12-01")
    subjects = [str(m["Subject"]).strip() for m in smtp.messages]
    assert subjects == ["【自己点検】自己点検票が差し戻されました（税政課）"]


def test_follow_ups_are_reminded_before_their_due_date_and_when_overdue(campaign_world: World, smtp: Inbox) -> None:
    import datetime as dt

    from piaops.findings import services as findings
    from piaops.findings.models import Source

    finding = findings.finding_create(
        unit=campaign_world.tax_a, fiscal_year=2026, title="持出簿の記録漏れ", source=Source.AUDIT
    )
    findings.followup_plan(finding=finding, plan="毎日確認", due_date=dt.date(2027, 1, 29))
    call_command("remind", "--date", "2027-01-21")  # 6 開庁日 before: nothing yet
    call_command("remind", "--date", "2027-01-22")  # 5 開庁日 before
    call_command("remind", "--date", "2027-02-01")  # overdue
    call_command("remind", "--date", "2027-02-02")
    subjects = [str(m["Subject"]).strip() for m in smtp.messages if "改善計画" in str(m["Subject"])]
    assert subjects == [
        "【改善計画】完了予定日が近づいています（税政課）",
        "【改善計画】完了予定日を過ぎています（税政課）",
    ]
