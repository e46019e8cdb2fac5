"""A 重要な変更's re-assessment is reminded 10 開庁日 before its due date and once overdue, until a newer version
of the report exists."""

from __future__ import annotations

import datetime as dt

from piaops.assessments.models import AssessmentReport
from piaops.assurance import services as assurance
from piaops.assurance.models import Contract
from piaops.reviews import reminders, services
from piaops.reviews.models import CandidateKind, Decision
from tests.conftest import World
from tests.reviews.helpers import FY, report_on_work


def test_the_reassessment_of_a_significant_change_is_reminded_until_a_new_version(world: World) -> None:
    report, work, asp = report_on_work(world.a)
    assurance.contract_save(
        contract=Contract(municipality=world.a, party=asp, title="保守", start_date=dt.date(2026, 5, 1)), works=[work]
    )
    review = services.review_open(report=report, fiscal_year=FY, user=None)
    candidate = review.candidates.get(kind=CandidateKind.CONTRACT_ADDED)
    due = dt.date(2027, 1, 29)  # a Friday
    services.candidate_decide(
        candidate=candidate, decision=Decision.SIGNIFICANT, reason="委託先の追加", reassessment_due=due, user=None
    )
    assert list(reminders.collect(today=dt.date(2027, 1, 4))) == []  # more than 10 開庁日 before
    before = list(reminders.collect(today=dt.date(2027, 1, 18)))
    assert [(r.key, r.overdue) for r in before] == [(f"reviews:candidate:{candidate.pk}:reassessment:before", False)]
    assert [r.overdue for r in reminders.collect(today=dt.date(2027, 2, 1))] == [True]
    assert [d.start for d in reminders.deadlines(today=dt.date(2026, 12, 7))] == [due]
    assert list(reminders.collect(today=dt.date(2027, 2, 1), unit_ids=[world.tax_a.pk])) == []
    # The re-assessment is imported as the next version: nothing more to remind.
    AssessmentReport.objects.create(
        municipality=world.a, series=report.series, version=2, previous=report, title=report.title
    )
    assert list(reminders.collect(today=dt.date(2027, 2, 1))) == []
    assert list(reminders.deadlines(today=dt.date(2027, 2, 1))) == []
