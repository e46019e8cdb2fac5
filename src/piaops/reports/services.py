"""The reports' one write: an assessment report's own Ⅳ-1② (監査) decision, made on its Section Ⅳ page."""

from __future__ import annotations

import datetime as dt
import functools

from piaops.assessments.decisions import section4_decide
from piaops.assessments.models import AssessmentReport
from piaops.audits.models import AuditRatingDecision
from piaops.reports.section4 import audit_suggestion
from piaops.tenancy.models import User


def section4_audit_decide(
    *,
    report: AssessmentReport,
    fiscal_year: int,
    chosen: str,
    reason: str = "",
    today: dt.date,
    by: User | None = None,
) -> AuditRatingDecision:
    """Record ``by``'s Ⅳ-1② rating of ``report`` for the 年度 (:func:`piaops.assessments.decisions.section4_decide`):
    checked against, and kept with, the suggestion and numbers of that report's Section Ⅳ
    (:func:`piaops.reports.section4.audit_suggestion`: its works, their units, the third parties), never the
    municipality-wide ones of the audits page. Only this report's Section Ⅳ adopts it."""
    decision = AuditRatingDecision(municipality_id=report.municipality_id, fiscal_year=fiscal_year, report=report)
    suggest = functools.partial(audit_suggestion, report, fiscal_year=fiscal_year, today=today)
    summary = f"Ⅳ-1②（監査）の評価を決定（評価書「{report}」）"
    return section4_decide(decision, chosen=chosen, reason=reason, suggest=suggest, by=by, summary=summary)
