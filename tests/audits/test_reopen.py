"""Signed means frozen (issue 14 §5; guide invariant 5: 「What was signed, accepted or submitted changes only by an
explicit, recorded re-opening」). For each kind of frozen record — an accepted 自己点検票, a completed audit, a
submitted (or received) audit report — the table checks: a write is refused while frozen; re-opening needs the
admin and a reason; the reopening shows on the page with who, when and why; and it is in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from piaops.audits import reports as rep
from piaops.audits import services
from piaops.audits.models import Audit, AuditReport, AuditStatus, ItemResult, ReportStatus
from piaops.audittrail.models import Action, AuditEntry
from piaops.selfcheck import services as selfcheck
from piaops.selfcheck.errors import ChecklistInvalid
from piaops.selfcheck.models import Checklist, ChecklistStatus
from tests.audits.helpers import FY, approved_audit
from tests.conftest import World, login
from tests.selfcheck.helpers import answer_all, make_campaign

REASON = "監査人の記録漏れが判明したため再開"


def _completed_audit(world: World) -> Audit:
    a = approved_audit(world, auditors=[world.auditor_a])
    services.audit_start(audit=a)
    for i in a.items.all():
        services.item_record(item=i, result=ItemResult.CONFORMING)
    services.audit_complete(audit=a, summary="適正")
    return a


def _report(world: World, *, received: bool) -> AuditReport:
    _completed_audit(world)
    report = rep.report_submit(municipality=world.a, fiscal_year=FY, kind="results")
    if received:
        rep.report_review(report=report, accept=True, by=world.admin_a)
    return report


def _accepted_checklist(world: World) -> Checklist:
    campaign = make_campaign(world.a, [world.tax_a])
    checklist = Checklist.objects.get(campaign=campaign)
    answer_all(login(world.head_a), checklist, action="submit")
    checklist.refresh_from_db()
    selfcheck.checklist_review(checklist=checklist, accept=True, by=world.admin_a)
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.ACCEPTED
    return checklist


@dataclass(frozen=True)
class Frozen:
    name: str
    make: Callable[[World], object]
    write: Callable[[object], object] | None  # a change the frozen record refuses (None: it has none)
    reopen: Callable[[object, str, object], object]
    url: Callable[[object], str]  # the POST that re-opens it on the web
    page: Callable[[object], str]  # the page that shows the re-opening
    status_after: str


CASES = [
    Frozen(
        "accepted checklist",
        _accepted_checklist,
        lambda c: selfcheck.checklist_submit(checklist=c),  # type: ignore[arg-type]
        lambda c, reason, by: selfcheck.checklist_reopen(checklist=c, reason=reason, by=by),  # type: ignore[arg-type]
        lambda c: f"/selfcheck/checklists/{c.pk}/reopen/",  # type: ignore[attr-defined]
        lambda c: f"/selfcheck/checklists/{c.pk}/",  # type: ignore[attr-defined]
        ChecklistStatus.RETURNED,
    ),
    Frozen(
        "completed audit",
        _completed_audit,
        lambda a: services.audit_complete(audit=a),  # type: ignore[arg-type]
        lambda a, reason, by: services.audit_reopen(audit=a, reason=reason, by=by),  # type: ignore[arg-type]
        lambda a: f"/audits/{a.pk}/reopen/",  # type: ignore[attr-defined]
        lambda a: f"/audits/{a.pk}/",  # type: ignore[attr-defined]
        AuditStatus.IN_PROGRESS,
    ),
    Frozen(
        "submitted report",
        lambda w: _report(w, received=False),
        None,  # a submitted report is still open to its review (受理・差戻し)
        lambda r, reason, by: rep.report_reopen(report=r, reason=reason, by=by),  # type: ignore[arg-type]
        lambda r: f"/audits/reports/reopen/{r.pk}/",  # type: ignore[attr-defined]
        lambda r: f"/audits/reports/{FY}/",
        ReportStatus.REOPENED,
    ),
    Frozen(
        "received report",
        lambda w: _report(w, received=True),
        lambda r: rep.report_review(report=r, accept=False, comment="x"),  # type: ignore[arg-type]
        lambda r, reason, by: rep.report_reopen(report=r, reason=reason, by=by),  # type: ignore[arg-type]
        lambda r: f"/audits/reports/reopen/{r.pk}/",  # type: ignore[attr-defined]
        lambda r: f"/audits/reports/{FY}/",
        ReportStatus.REOPENED,
    ),
]


def _status(obj: object) -> str:
    obj.refresh_from_db()  # type: ignore[attr-defined]
    return str(obj.status)  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_frozen_record_changes_only_by_a_recorded_reopening(world: World, case: Frozen) -> None:
    obj = case.make(world)
    frozen = _status(obj)
    if case.write is not None:
        with pytest.raises((ValidationError, ChecklistInvalid)):
            case.write(obj)
        assert _status(obj) == frozen
    with pytest.raises(ValidationError, match="理由"):
        case.reopen(obj, "   ", world.admin_a)
    assert _status(obj) == frozen
    case.reopen(obj, REASON, world.admin_a)
    assert _status(obj) == case.status_after
    entry = AuditEntry.objects.filter(action=Action.TRANSITION, object_id=str(obj.pk)).order_by("-seq").first()  # type: ignore[attr-defined]
    assert entry is not None and REASON in str(entry.after) and entry.before == {"status": frozen}
    with pytest.raises(ValidationError):  # once re-opened, it is no longer frozen: a second re-opening is refused
        case.reopen(obj, REASON, world.admin_a)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_admin_reopens_on_the_web_and_the_page_says_who_when_why(
    world: World, as_admin: Client, case: Frozen
) -> None:
    obj = case.make(world)
    frozen = _status(obj)
    assert as_admin.post(case.url(obj), {"reason": ""}).status_code == 302
    assert _status(obj) == frozen  # no reason: nothing changed
    for persona, code in ((world.viewer_a, 403), (world.auditor_a, 403), (world.head_a, 403), (world.user_b, 404)):
        assert login(persona).post(case.url(obj), {"reason": REASON}).status_code == code, persona
    assert _status(obj) == frozen
    page = as_admin.post(case.url(obj), {"reason": REASON}, follow=True)
    assert _status(obj) == case.status_after
    body = as_admin.get(case.page(obj)).content.decode()
    assert REASON in body and str(world.admin_a) in body and "再開" in body
    assert page.status_code == 200
