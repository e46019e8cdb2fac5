"""A 年度 with a real campaign, audit, findings and follow-ups, built with the apps' own services (as the demo does)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piaops.assessments.models import AssessmentReport, Commitment, ReportWork
from piaops.audits import services as audits
from piaops.audits.models import Audit, AuditType, ItemResult
from piaops.findings import services as findings
from piaops.findings.models import Finding
from piaops.selfcheck import services as selfcheck
from piaops.selfcheck.models import AnswerValue, Campaign
from piaops.selfcheck.services import AnswerInput
from tests.audits.helpers import TODAY, audit, programme, works
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign

NO_COMMENT = "端末の二要素認証が未設定の職員がいる。"
AUDIT_NOTES = "持出し記録に押印漏れが3件あった。"


@dataclass
class Year:
    report: AssessmentReport
    campaign: Campaign
    audit: Audit
    selfcheck_finding: Finding  # open, with a plan and a progress report
    audit_finding: Finding  # verified (closed)
    mfa: Commitment  # the commitment answered いいえ


def build_year(world: World) -> Year:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    report = campaign.template.report
    assert report is not None
    for n, c in enumerate(report.commitments.order_by("order"), start=1):
        c.start_line, c.end_line = 40 + n * 2, 41 + n * 2
        c.save(update_fields=["start_line", "end_line"])
    mfa = report.commitments.get(text__startswith="特定個人情報を扱う端末")

    # Self-inspection: the tax division answers いいえ on the MFA commitment, submits, the admin accepts.
    checklist = campaign.checklists.get(unit=world.tax_a)
    answers = {}
    for a in checklist.answers.select_related("item"):
        if a.item.commitment_id == mfa.pk:
            answers[a.item_id] = AnswerInput(
                AnswerValue.NO, NO_COMMENT, "全職員に二要素認証を設定する。", dt.date(2027, 1, 29)
            )
        else:
            answers[a.item_id] = AnswerInput(AnswerValue.YES)
    selfcheck.checklist_save_answers(checklist=checklist, answers=answers, by=world.head_a)
    selfcheck.checklist_submit(checklist=checklist, by=world.head_a)
    selfcheck.checklist_review(checklist=checklist, accept=True, by=world.admin_a)
    sc_finding = Finding.objects.get(source_type="selfcheck.answer")
    findings.followup_progress(
        followup=sc_finding.followup, note="対象職員の半数に設定済み。", on=dt.date(2027, 1, 8), by=world.head_a
    )

    # Audit: the tax work is covered by the report, so the audit checks its commitments; one major non-conformity.
    tax, pension = works(world)
    ReportWork.objects.create(municipality=world.a, report=report, work=tax)
    p = programme(world)
    the_audit = audit(p, world.tax_a, [tax], kind=AuditType.ONSITE, auditors=[world.auditor_a])
    audit(p, world.other_a, [pension])
    audits.programme_approve(programme=p, today=TODAY)
    audits.audit_start(audit=the_audit, by=world.auditor_a)
    items = list(the_audit.items.order_by("order"))
    for i, item in enumerate(items):
        if i == 0:
            audits.item_record(item=item, result=ItemResult.MAJOR, notes=AUDIT_NOTES, by=world.auditor_a)
        else:
            audits.item_record(item=item, result=ItemResult.CONFORMING, by=world.auditor_a)
    [au_finding] = audits.audit_complete(audit=the_audit, summary="概ね適切。", by=world.auditor_a)
    fu = findings.followup_plan(
        finding=au_finding, plan="持出し記録の様式を改め、課内で確認する。", due_date=dt.date(2026, 12, 25)
    )
    findings.followup_complete(followup=fu, completed_on=dt.date(2026, 12, 1), note="様式を改めた。")
    findings.followup_verify(followup=fu, accept=True, by=world.auditor_a)
    au_finding.refresh_from_db()
    sc_finding.refresh_from_db()
    return Year(report, campaign, the_audit, sc_finding, au_finding, mfa)
