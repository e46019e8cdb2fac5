"""Escalation of overdue audit follow-ups through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.management import call_command
from django.test import Client

from piaops.audits import reminders, services
from piaops.audits.models import ItemResult
from piaops.findings import services as findings
from piaops.findings.models import Finding
from tests.audits.helpers import approved_audit
from tests.conftest import World, login
from tests.selfcheck.test_reminders import Inbox


def _finding(world: World) -> Finding:
    world.head_a.email = "tax-head@city.example.jp"
    world.head_a.save()
    world.admin_a.email = "bangou@city.example.jp"
    world.admin_a.save()
    a = approved_audit(world)
    services.audit_start(audit=a)
    items = list(a.items.order_by("order"))
    services.item_record(item=items[0], result=ItemResult.MAJOR, notes="持出簿がない")
    for i in items[1:]:
        services.item_record(item=i, result=ItemResult.CONFORMING)
    (finding,) = services.audit_complete(audit=a)
    return finding


def _subjects(inbox: Inbox) -> list[tuple[str, str]]:
    return [(str(m["To"]), str(m["Subject"]).strip()) for m in inbox.messages]


def test_an_overdue_follow_up_goes_to_the_unit_first_then_to_the_governance_division(world: World, smtp: Inbox) -> None:
    finding = _finding(world)
    findings.followup_plan(finding=finding, plan="持出簿を整備", due_date=dt.date(2027, 1, 29), responsible="係長")
    call_command("remind", "--date", "2027-02-01")
    assert ("tax-head@city.example.jp", "【改善計画】完了予定日を過ぎています（税政課）") in _subjects(smtp)
    assert not any(to == "bangou@city.example.jp" for to, _ in _subjects(smtp))
    call_command("remind", "--date", "2027-02-05")  # the 5th 開庁日 after the due date: not yet
    assert not any(to == "bangou@city.example.jp" for to, _ in _subjects(smtp))
    call_command("remind", "--date", "2027-02-08")
    call_command("remind", "--date", "2027-02-09")
    escalated = [m for m in smtp.messages if m["To"] == "bangou@city.example.jp"]
    assert len(escalated) == 1
    assert "改善の完了予定日を過ぎています（税政課）" in str(escalated[0]["Subject"])
    assert "令和9年1月29日" in escalated[0].get_content() and "係長" in escalated[0].get_content()
    with time_machine.travel(dt.datetime(2027, 2, 9, 10, tzinfo=dt.UTC), tick=False):
        home = login(world.admin_a).get("/").content.decode()
    assert "改善の完了予定日を過ぎています（税政課）" in home


def test_a_completed_follow_up_is_not_escalated(world: World) -> None:
    finding = _finding(world)
    fu = findings.followup_plan(finding=finding, plan="x", due_date=dt.date(2027, 1, 29))
    findings.followup_complete(followup=fu, completed_on=dt.date(2027, 1, 28), note="完了")
    assert list(reminders.collect(today=dt.date(2027, 3, 1))) == []


def test_a_finding_without_a_plan_reminds_the_head_then_escalates(world: World, as_head: Client) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), tick=False):
        _finding(world)
    head = [r for r in reminders.collect(today=dt.date(2026, 12, 3)) if r.key.endswith("no-plan:head")]
    assert [r.recipients for r in head] == [("tax-head@city.example.jp",)]
    later = list(reminders.collect(today=dt.date(2026, 12, 15)))
    assert [r.recipients for r in later] == [("bangou@city.example.jp",)]
    assert list(reminders.collect(today=dt.date(2026, 12, 2))) == []  # the 20th 開庁日 is the deadline itself
