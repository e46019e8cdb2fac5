"""Irreversible actions ask for confirmation (issue 14 §5: 監査を完了, 提出, 署名, 受理, 削除). The confirmation is a
checkbox in the action's own form, so it works without JavaScript: without it the server refuses and nothing
changes; with it the action happens. One row per action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from piaops.areas.models import Area, MonthlyReview
from piaops.audits import reports as rep
from piaops.audits import services
from piaops.audits.models import Audit, AuditReport, AuditStatus, ItemResult, ReportStatus
from piaops.findings import services as findings
from piaops.findings.models import FindingStatus, FollowUp, Source
from piaops.selfcheck import services as selfcheck
from piaops.selfcheck.models import Checklist, ChecklistStatus, TemplateItem
from tests.audits.helpers import FY, approved_audit, audit, programme, works
from tests.conftest import World, login
from tests.jobs.runner import run_jobs
from tests.selfcheck.helpers import answer_all, make_campaign


def _in_progress(world: World) -> Audit:
    a = approved_audit(world, auditors=[world.auditor_a])
    services.audit_start(audit=a)
    for i in a.items.all():
        services.item_record(item=i, result=ItemResult.CONFORMING)
    return a


def _completed(world: World) -> Audit:
    a = _in_progress(world)
    services.audit_complete(audit=a)
    return a


def _after_the_jobs(check: Callable[[], bool]) -> bool:
    run_jobs()
    return check()


def _submitted_report(world: World) -> AuditReport:
    _completed(world)
    return rep.report_submit(municipality=world.a, fiscal_year=FY, kind="results")


def _drafted_checklist(world: World) -> Checklist:
    checklist = Checklist.objects.get(campaign=make_campaign(world.a, [world.tax_a]))
    answer_all(login(world.head_a), checklist, action="save")
    return checklist


def _submitted_checklist(world: World) -> Checklist:
    checklist = _drafted_checklist(world)
    answer_all(login(world.head_a), checklist, action="submit")
    return checklist


def _template_item(world: World) -> TemplateItem:
    campaign = make_campaign(world.a, [world.tax_a], launch=False)
    template = campaign.template
    return selfcheck.template_item_add(template=template, text="追加した点検項目")


def _completed_followup(world: World) -> FollowUp:
    finding = findings.finding_create(
        unit=world.tax_a, fiscal_year=FY, title="持出簿がない", source=Source.SELF_INSPECTION
    )
    followup = findings.followup_plan(finding=finding, plan="持出簿を整備する", due_date=dt.date(2027, 1, 29))
    findings.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="整備した")
    return followup


def _review(world: World) -> MonthlyReview:
    area = Area.objects.create(municipality=world.a, name="サーバー室", code="SR-1")
    return MonthlyReview.objects.create(municipality=world.a, area=area, month=dt.date(2026, 10, 1))


@dataclass(frozen=True)
class Action:
    name: str  # the button's words
    make: Callable[[World], Any]
    who: Callable[[World], Any]
    url: Callable[[Any], str]
    data: Callable[[Any], dict[str, Any]]
    done: Callable[[Any], bool]


def _reload(obj: Any) -> Any:
    return type(obj).objects.filter(pk=obj.pk).first()


ACTIONS = [
    Action(
        "監査を完了",
        _in_progress,
        lambda w: w.auditor_a,
        lambda a: f"/audits/{a.pk}/complete/",
        lambda a: {"summary": "適正"},
        lambda a: _reload(a).status == AuditStatus.COMPLETED,
    ),
    Action(
        "削除（監査）",
        lambda w: audit(programme(w), w.tax_a, [works(w)[0]]),  # a draft programme's audit
        lambda w: w.admin_a,
        lambda a: f"/audits/{a.pk}/delete/",
        lambda a: {},
        lambda a: _reload(a) is None,
    ),
    Action(
        "提出（監査報告）",
        _completed,
        lambda w: w.auditor_a,
        lambda a: f"/audits/reports/{FY}/submit/",
        lambda a: {"kind": "results"},
        lambda a: _after_the_jobs(AuditReport.objects.exists),  # frozen by a background job (issue 20)
    ),
    Action(
        "受理（監査報告）",
        _submitted_report,
        lambda w: w.admin_a,
        lambda r: f"/audits/reports/receive/{r.pk}/",
        lambda r: {},
        lambda r: _reload(r).status == ReportStatus.RECEIVED,
    ),
    Action(
        "提出（自己点検票）",
        _drafted_checklist,
        lambda w: w.head_a,
        lambda c: f"/selfcheck/checklists/{c.pk}/submit/",
        lambda c: {f"v{a.item_id}": "yes" for a in c.answers.all()},
        lambda c: _reload(c).status == ChecklistStatus.SUBMITTED,
    ),
    Action(
        "受理（自己点検票を確認済みにする）",
        _submitted_checklist,
        lambda w: w.admin_a,
        lambda c: f"/selfcheck/checklists/{c.pk}/accept/",
        lambda c: {},
        lambda c: _reload(c).status == ChecklistStatus.ACCEPTED,
    ),
    Action(
        "削除（点検項目）",
        _template_item,
        lambda w: w.admin_a,
        lambda i: f"/selfcheck/items/{i.pk}/remove/",
        lambda i: {},
        lambda i: _reload(i) is None,
    ),
    Action(
        "受理（改善の完了を確認）",
        _completed_followup,
        lambda w: w.admin_a,
        lambda fu: f"/findings/{fu.finding_id}/accept/",
        lambda fu: {},
        lambda fu: _reload(fu.finding).status == FindingStatus.VERIFIED,
    ),
    Action(
        "署名（管理区域の月次確認）",
        _review,
        lambda w: w.admin_a,
        lambda r: f"/areas/{r.area_id}/review/2026-10/sign/",
        lambda r: {"summary": ""},
        lambda r: _reload(r).status == MonthlyReview.Status.SIGNED,
    ),
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_an_irreversible_action_happens_only_when_confirmed(world: World, action: Action) -> None:
    obj = action.make(world)
    client: Client = login(action.who(world))
    refused = client.post(action.url(obj), action.data(obj), follow=True)
    assert not action.done(obj), action.name
    assert "確認しました" in refused.content.decode()  # the message names the checkbox to tick
    client.post(action.url(obj), {**action.data(obj), "confirm": "1"})
    assert action.done(obj), action.name
