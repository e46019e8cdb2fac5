"""Suggested rating of Ⅳ-1② (監査) for a 年度, from the records, with the admin's override and its reason."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection

from piaops.assessments.decisions import section4_decide
from piaops.assessments.suggestion import Condition, Suggestion
from piaops.audits import rules
from piaops.audits.models import (
    AuditProgramme,
    AuditRatingDecision,
    AuditReport,
    AuditStatus,
    ProgrammeStatus,
    ReportKind,
    ReportStatus,
)
from piaops.audits.reports import audit_findings
from piaops.findings.models import FindingStatus, FollowUp
from piaops.tenancy.models import Municipality, User


def _submitted(municipality: Municipality, fy: int, kind: str) -> bool:
    return AuditReport.objects.filter(
        municipality=municipality, fiscal_year=fy, kind=kind, status__in=[ReportStatus.SUBMITTED, ReportStatus.RECEIVED]
    ).exists()


# This docstring is the rule shown under the rating on the Ⅳ pages (reports.section4): hence in Japanese.
def suggest_rating(
    *,
    municipality: Municipality,
    fiscal_year: int,
    today: dt.date,
    unit_ids: Collection[int] | None = None,
    work_ids: Collection[int] | None = None,
) -> Suggestion:
    """判定の規則（各条件は数値とともに示します）:

    「十分に行っている」: (1) その年度の監査計画が承認済で、現行の個人番号利用事務をすべて（100%）対象にし、
    (2) 現地監査の周期が来た所属すべてについて計画に現地監査があり、(3) 期日の来た監査のフォローアップが
    すべて期日までに完了し、(4) 監査結果報告書を提出済（差戻しされていない）。
    「特に力を入れて行っている」: さらに (5) 実施予定期間の過ぎた監査がすべて完了し（予定期間中で未完了の監査は
    未到来として別に数えます）、(6) 所属が完了報告した監査の指摘事項を監査人がすべて確認し、
    (7) フォローアップ結果報告書も提出済。
    それ以外は「十分に行っていない」。
    評価書ごとの提案では、その評価書の事務（事務）と、それを担当する所属（所属）の監査・指摘事項だけを数えます。
    """
    # Why optional scopes: the audits page rates the municipality's programme as a whole; Section Ⅳ of one
    # report rates only the works of that report and the units that handle them (work ↔ unit links).
    units = None if unit_ids is None else set(unit_ids)
    programme = AuditProgramme.objects.filter(municipality=municipality, fiscal_year=fiscal_year).first()
    not_due: list[str] = []
    if programme is not None:
        check = rules.check_programme(programme, today=today)
        scoped_works = [w for w in check.works if work_ids is None or w.pk in work_ids]  # active works only
        missing_pks = {w.pk for w in check.missing_works}
        works, missing = len(scoped_works), sum(1 for w in scoped_works if w.pk in missing_pks)
        due_units = [u for u, _ in check.due_units if units is None or u.pk in units]
        missing_onsite = sum(1 for u, _ in check.missing_onsite if units is None or u.pk in units)
        due = len(due_units)
        approved = programme.status == ProgrammeStatus.APPROVED
        in_scope = programme.audits.all() if units is None else programme.audits.filter(unit_id__in=units)
        rows = list(in_scope.values_list("status", "planned_end"))
        # An audit not completed whose planned period has not ended is 未到来: neither done nor late.
        audits = [st for st, end in rows if st == AuditStatus.COMPLETED or end < today]
        not_due = [st for st, end in rows if st != AuditStatus.COMPLETED and end >= today]
    else:
        works = missing = due = missing_onsite = 0
        approved, audits = False, []
    findings = audit_findings(municipality, fiscal_year)
    if units is not None:
        findings = findings.filter(unit_id__in=units)
    followups = list(FollowUp.objects.filter(finding__in=findings))
    fu_due = [f for f in followups if f.due_date <= today]
    fu_on_time = sum(1 for f in fu_due if f.completed_on is not None and f.completed_on <= f.due_date)
    done = findings.filter(status__in=[FindingStatus.COMPLETED, FindingStatus.VERIFIED]).count()
    verified = findings.filter(status=FindingStatus.VERIFIED).count()
    completed = sum(1 for s in audits if s == AuditStatus.COMPLETED)
    results_sent = _submitted(municipality, fiscal_year, ReportKind.RESULTS)
    followup_sent = _submitted(municipality, fiscal_year, ReportKind.FOLLOWUP)
    numbers = {
        "works": works,
        "works_missing": missing,
        "onsite_due": due,
        "onsite_missing": missing_onsite,
        "followups_due": len(fu_due),
        "followups_due_on_time": fu_on_time,
        "audits": len(audits),
        "audits_not_yet_due": len(not_due),
        "audits_completed": completed,
        "findings": findings.count(),
        "findings_done": done,
        "findings_verified": verified,
        "results_report": results_sent,
        "followup_report": followup_sent,
    }
    sufficient = [
        Condition(
            "承認済みの監査計画がすべての個人番号利用事務を対象にしている",
            approved and works > 0 and missing == 0,
            f"{works - missing} / {works} 事務（計画: {'承認済' if approved else '未承認'}）",
        ),
        Condition("現地監査の周期を守っている", missing_onsite == 0, f"未計画 {missing_onsite} / 対象 {due} 所属"),
        Condition(
            "期日の来たフォローアップがすべて期日までに完了",
            fu_on_time == len(fu_due),
            f"{fu_on_time} / {len(fu_due)} 件",
        ),
        Condition("監査結果報告書を番号制度総括部門に提出", results_sent, "提出済" if results_sent else "未提出"),
    ]
    special = [
        Condition(
            "計画した監査がすべて完了",
            bool(audits) and completed == len(audits),
            f"{completed} / {len(audits)} 件" + (f"（ほかに未到来 {len(not_due)} 件）" if not_due else ""),
        ),
        Condition("完了報告された改善を監査人がすべて確認", verified == done, f"{verified} / {done} 件"),
        Condition("フォローアップ結果報告書も提出", followup_sent, "提出済" if followup_sent else "未提出"),
    ]
    return Suggestion.from_conditions(numbers=numbers, sufficient=sufficient, special=special)


def rating_decide(
    *,
    municipality: Municipality,
    fiscal_year: int,
    chosen: str,
    reason: str = "",
    today: dt.date,
    by: User | None = None,
) -> AuditRatingDecision:
    """Record the admin's Ⅳ-1② rating of the 年度 (:func:`piaops.assessments.decisions.section4_decide`)."""
    decision = AuditRatingDecision(municipality=municipality, fiscal_year=fiscal_year)
    suggest = functools.partial(suggest_rating, municipality=municipality, fiscal_year=fiscal_year, today=today)
    summary = "Ⅳ-1②（監査）の評価を決定"
    return section4_decide(decision, chosen=chosen, reason=reason, suggest=suggest, by=by, summary=summary)
