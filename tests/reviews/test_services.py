"""The review's rules that are not about one candidate kind: refresh keeps decisions, decisions need reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.assessments.models import AssessmentReport
from piaops.assurance import services as assurance
from piaops.assurance.models import Contract
from piaops.reviews import services
from piaops.reviews.models import CandidateKind, Decision
from tests.conftest import World
from tests.reviews.helpers import FY, PUBLISHED, report_on_work


def test_refreshing_adds_only_new_candidates_and_keeps_decisions(world: World) -> None:
    report, work, asp = report_on_work(world.a)
    assurance.contract_save(
        contract=Contract(municipality=world.a, party=asp, title="保守", start_date=dt.date(2026, 5, 1)), works=[work]
    )
    review = services.review_open(report=report, fiscal_year=FY, user=None)
    first = review.candidates.get(kind=CandidateKind.CONTRACT_ADDED)
    services.candidate_decide(
        candidate=first, decision=Decision.NO_CHANGE, reason="記載の範囲内", reassessment_due=None, user=None
    )
    assurance.contract_save(
        contract=Contract(municipality=world.a, party=asp, title="データ移行", start_date=dt.date(2026, 9, 1)),
        works=[work],
    )
    added = services.candidates_refresh(review=review, user=None)
    assert [c.title for c in added] == ["委託先の追加：税務システムASP株式会社「データ移行」"]
    first.refresh_from_db()
    assert (first.decision, first.reason) == (Decision.NO_CHANGE, "記載の範囲内")
    assert services.candidates_refresh(review=review, user=None) == []


def test_the_window_starts_at_the_publication_of_the_version_in_force(world: World) -> None:
    report, _, _ = report_on_work(world.a)
    review = services.review_open(report=report, fiscal_year=FY, user=None, today=dt.date(2026, 12, 7))
    assert (review.since, review.as_of) == (PUBLISHED, dt.date(2026, 12, 7))
    past = services.review_open(report=report, fiscal_year=FY - 1, user=None, today=dt.date(2026, 12, 7))
    assert past.as_of == dt.date(2026, 3, 31)  # a 年度 already over: its last day


@pytest.mark.parametrize(
    ("decision", "reason", "due", "message"),
    [
        (Decision.NO_CHANGE, "  ", None, "理由"),
        (Decision.SIGNIFICANT, "委託先の追加", None, "再評価の期限"),
        ("maybe", "x", None, "判断を選んで"),
    ],
)
def test_a_decision_needs_its_reason_and_a_significant_change_its_due_date(
    world: World, decision: str, reason: str, due: dt.date | None, message: str
) -> None:
    report, work, asp = report_on_work(world.a)
    assurance.contract_save(
        contract=Contract(municipality=world.a, party=asp, title="保守", start_date=dt.date(2026, 5, 1)), works=[work]
    )
    review = services.review_open(report=report, fiscal_year=FY, user=None)
    candidate = review.candidates.get(kind=CandidateKind.CONTRACT_ADDED)
    with pytest.raises(services.ReviewError, match=message):
        services.candidate_decide(
            candidate=candidate, decision=decision, reason=reason, reassessment_due=due, user=None
        )
    candidate.refresh_from_db()
    assert candidate.decision == ""


def test_a_superseded_version_is_not_reviewed(world: World) -> None:
    report, _, _ = report_on_work(world.a)
    report.status = AssessmentReport.Status.SUPERSEDED
    report.save()
    with pytest.raises(services.ReviewError, match="旧版"):
        services.review_open(report=report, fiscal_year=FY, user=None)
