"""Demo step: the 見直し of the 地方税 report in force. Last 年度's review is signed (対象人数 98,000); this 年度's
is open with 101,500 people — across the 10万 band — and finds in the other steps' records a new contractor and its
再委託, an ISMAP removal, a reportable incident and commitments never inspected. One candidate is already decided."""

from __future__ import annotations

import datetime as dt

from piaops.assessments import demo as assessments_demo
from piaops.assessments.models import AssessmentReport
from piaops.lib.fiscal import add_office_days, fiscal_year
from piaops.reviews import services
from piaops.reviews.models import CandidateKind, Decision, Review
from piaops.tenancy.models import Municipality

HANDLERS = 320
SUBJECTS_LAST_YEAR = 98_000
SUBJECTS_THIS_YEAR = 101_500
SOURCE = "住民基本台帳人口（各年4月1日現在）から推計"


def build(*, municipality: Municipality, people: int, today: dt.date) -> None:
    if Review.objects.filter(municipality=municipality).exists():
        return
    report = (
        AssessmentReport.objects.current()
        .filter(municipality=municipality, works__name=assessments_demo.WORK)
        .order_by("series")
        .first()
    )
    if report is None:
        return
    fy = fiscal_year(today)
    last = services.review_open(
        report=report,
        fiscal_year=fy - 1,
        user=None,
        subjects=SUBJECTS_LAST_YEAR,
        handlers=HANDLERS,
        figures_source=SOURCE,
        today=today,
    )
    for candidate in last.candidates.all():
        services.candidate_decide(
            candidate=candidate,
            decision=Decision.NO_CHANGE,
            reason="前年度の見直しで確認した（デモ）。",
            reassessment_due=None,
            user=None,
        )
    services.review_sign(review=last, user=None)

    review = services.review_open(
        report=report,
        fiscal_year=fy,
        user=None,
        subjects=SUBJECTS_THIS_YEAR,
        handlers=HANDLERS,
        figures_source=SOURCE,
        today=today,
    )
    added = review.candidates.filter(kind=CandidateKind.CONTRACT_ADDED).first()
    if added is not None:
        services.candidate_decide(
            candidate=added,
            decision=Decision.SIGNIFICANT,
            reason="委託先が新たに特定個人情報ファイルを取り扱うため、Ⅱ-4 取扱いの委託の記載が変わる。",
            reassessment_due=add_office_days(today, 60),
            user=None,
        )
