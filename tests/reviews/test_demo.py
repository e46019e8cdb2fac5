"""The demo's 年度 shows a review with candidates of each kind the issue names: a new contractor, an ISMAP removal,
対象人数 across a band, a reportable incident."""

from __future__ import annotations

import datetime as dt

from piaops.assessments import demo as assessments_demo
from piaops.assurance import demo as assurance_demo
from piaops.incidents import demo as incidents_demo
from piaops.reviews import demo
from piaops.reviews.candidates import recomputed
from piaops.reviews.models import CandidateKind, Decision, Review, ReviewStatus
from piaops.reviews.thresholds import Required
from tests.conftest import World

TODAY = dt.date(2026, 11, 25)


def test_the_demo_review_has_each_kind_of_candidate_and_is_idempotent(world: World) -> None:
    for step in (assessments_demo, assurance_demo, incidents_demo, demo):
        step.build(municipality=world.a, people=0, today=TODAY)
    demo.build(municipality=world.a, people=0, today=TODAY)
    last, this = Review.objects.filter(municipality=world.a).order_by("fiscal_year")
    assert (last.fiscal_year, last.status, this.fiscal_year, this.status) == (
        2025,
        ReviewStatus.SIGNED,
        2026,
        ReviewStatus.OPEN,
    )
    kinds = set(this.candidates.values_list("kind", flat=True))
    assert {
        CandidateKind.CONTRACT_ADDED,
        CandidateKind.SUBCONTRACT_ADDED,
        CandidateKind.ISMAP_REMOVED,
        CandidateKind.THRESHOLD_BAND,
        CandidateKind.INCIDENT,
    } <= kinds
    band = this.candidates.get(kind=CandidateKind.THRESHOLD_BAND)
    assert band.title == "対象人数の区分の変化：1万人以上10万人未満 → 10万人以上30万人未満"
    comparison = recomputed(this)
    assert comparison is not None and comparison.required is Required.FULL and not comparison.insufficient
    decided = this.candidates.exclude(decision="").get()
    assert decided.decision == Decision.SIGNIFICANT and decided.reassessment_due is not None
