"""見直し pages: the admin decides and signs; the reader roles read; another municipality's id is 404 for everyone;
read-only personas get 403 on every POST; every decision and the signature are in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from piaops.assessments.models import AssessmentReport
from piaops.assurance import services as assurance
from piaops.assurance.models import Contract
from piaops.audittrail.models import Action, AuditEntry
from piaops.reviews import services
from piaops.reviews.models import Candidate, CandidateKind, Decision, Review, ReviewStatus
from tests.conftest import World, login
from tests.reviews.helpers import FY, report_on_work


@pytest.fixture
def review(world: World) -> Review:
    report, work, asp = report_on_work(world.a)
    assurance.contract_save(
        contract=Contract(
            municipality=world.a, party=asp, title="税務システム運用保守", start_date=dt.date(2026, 5, 1)
        ),
        works=[work],
    )
    return services.review_open(report=report, fiscal_year=FY, user=world.admin_a)


@pytest.fixture
def foreign(world: World) -> Review:
    report, _, _ = report_on_work(world.b)
    return services.review_open(report=report, fiscal_year=FY, user=world.user_b)


def _contract_candidate(review: Review) -> Candidate:
    return review.candidates.get(kind=CandidateKind.CONTRACT_ADDED)


def test_the_list_of_a_year_shows_each_report_and_its_review(as_admin: Client, review: Review) -> None:
    page = as_admin.get(reverse("reviews:index") + f"?fy={FY}").content.decode()
    assert "地方税に関する事務 全項目評価書" in page and "見直し中" in page and "2026年度（令和8年度）" in page


def test_the_years_review_stays_on_the_list_when_a_new_version_of_its_report_comes_into_force(
    world: World, as_admin: Client, review: Review
) -> None:
    newer = AssessmentReport.objects.get(pk=review.report_id)
    newer.pk, newer.version, newer.previous = None, newer.version + 1, review.report
    newer.published_on = dt.date(2026, 10, 1)
    newer.save()
    assert list(AssessmentReport.objects.filter(municipality=world.a).current()) == [newer]
    page = as_admin.get(reverse("reviews:index") + f"?fy={FY}").content.decode()
    assert reverse("reviews:detail", args=[review.pk]) in page and "見直しを始める" not in page


def test_the_admin_opens_a_review_from_the_list(world: World, as_admin: Client) -> None:
    report, _, _ = report_on_work(world.a)
    response = as_admin.post(reverse("reviews:open"), {"report": report.pk, "fiscal_year": FY})
    created = Review.objects.get(report=report, fiscal_year=FY)
    assert response.status_code == 302 and response["Location"] == reverse("reviews:detail", args=[created.pk])
    again = as_admin.post(reverse("reviews:open"), {"report": report.pk, "fiscal_year": FY}, follow=True)
    assert "既にあります" in again.content.decode()


def test_another_municipalitys_report_cannot_be_opened(as_admin: Client, foreign: Review) -> None:
    as_admin.post(reverse("reviews:open"), {"report": foreign.report_id, "fiscal_year": FY - 1})
    assert not Review.objects.filter(report=foreign.report, fiscal_year=FY - 1).exists()


def test_the_review_page_shows_candidates_and_the_recomputed_threshold(as_admin: Client, review: Review) -> None:
    services.figures_record(review=review, subjects=150_000, handlers=600, figures_source="住基人口", user=None)
    page = as_admin.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "委託先の追加：税務システムASP株式会社「税務システム運用保守」" in page
    assert "基礎項目評価及び全項目評価" in page
    assert "評価書は重点項目評価ですが、しきい値判断では基礎項目評価及び全項目評価が必要です。" in page


def test_a_decision_is_recorded_with_its_reason_and_audited(as_admin: Client, world: World, review: Review) -> None:
    candidate = _contract_candidate(review)
    url = reverse("reviews:decide", args=[review.pk, candidate.pk])
    p = f"c{candidate.pk}-"
    missing_due = as_admin.post(url, {p + "decision": Decision.SIGNIFICANT, p + "reason": "委託先の追加"})
    assert missing_due.status_code == 400 and "再評価の期限" in missing_due.content.decode()
    response = as_admin.post(
        url, {p + "decision": Decision.SIGNIFICANT, p + "reason": "新たな委託先", p + "reassessment_due": "2027-02-01"}
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.decision, candidate.reassessment_due, candidate.decided_by) == (
        Decision.SIGNIFICANT,
        dt.date(2027, 2, 1),
        world.admin_a,
    )
    entry = AuditEntry.objects.filter(object_type="reviews.Candidate", object_id=str(candidate.pk)).latest("seq")
    assert entry.action == Action.UPDATE and entry.after["decision"] == Decision.SIGNIFICANT


def test_signing_needs_figures_and_every_decision_then_freezes(as_admin: Client, world: World, review: Review) -> None:
    sign = reverse("reviews:sign", args=[review.pk])
    page = as_admin.post(sign, {"confirm": "on"}, follow=True).content.decode()
    assert "対象人数と取扱者数を記録してください" in page
    services.figures_record(review=review, subjects=50_000, handlers=100, figures_source="", user=None)
    page = as_admin.post(sign, {"confirm": "on"}, follow=True).content.decode()
    assert "判断していない変更の候補が" in page
    for c in review.candidates.all():
        services.candidate_decide(
            candidate=c, decision=Decision.CORRECTION_AFTER, reason="文言整理", reassessment_due=None, user=None
        )
    as_admin.post(sign, {"confirm": "on"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.SIGNED and review.signed_by == world.admin_a
    assert AuditEntry.objects.filter(object_type="reviews.Review", action=Action.TRANSITION).count() == 1
    # Frozen: a decision is refused until the review is re-opened with a recorded reason.
    candidate = _contract_candidate(review)
    p = f"c{candidate.pk}-"
    page = as_admin.post(
        reverse("reviews:decide", args=[review.pk, candidate.pk]),
        {p + "decision": Decision.NO_CHANGE, p + "reason": "やはり変更なし"},
        follow=True,
    ).content.decode()
    assert "署名済みの見直しは変更できません" in page
    candidate.refresh_from_db()
    assert candidate.decision == Decision.CORRECTION_AFTER
    as_admin.post(reverse("reviews:reopen", args=[review.pk]), {"reason": "委託先の契約内容を訂正"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN
    reopened = AuditEntry.objects.filter(object_type="reviews.Review", action=Action.TRANSITION).latest("seq")
    assert reopened.after == {"status": "open", "reason": "委託先の契約内容を訂正"}


@pytest.mark.parametrize("persona", ["auditor_a", "viewer_a"])
def test_read_only_personas_read_but_every_post_is_403(world: World, review: Review, persona: str) -> None:
    client = login(getattr(world, persona))
    assert client.get(reverse("reviews:detail", args=[review.pk])).status_code == 200
    assert "判断を記録" not in client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    candidate = _contract_candidate(review)
    for url in (
        reverse("reviews:figures", args=[review.pk]),
        reverse("reviews:refresh", args=[review.pk]),
        reverse("reviews:decide", args=[review.pk, candidate.pk]),
        reverse("reviews:sign", args=[review.pk]),
        reverse("reviews:reopen", args=[review.pk]),
        reverse("reviews:open"),
    ):
        assert client.post(url, {"confirm": "on", "reason": "x"}).status_code == 403, url
    assert review.candidates.filter(decision="").count() == review.candidates.count()


def test_a_unit_head_may_not_read_reviews(as_head: Client, review: Review) -> None:
    assert as_head.get(reverse("reviews:index")).status_code == 403
    assert as_head.get(reverse("reviews:detail", args=[review.pk])).status_code == 403


def test_another_municipalitys_review_is_404_for_every_persona(world: World, review: Review, foreign: Review) -> None:
    candidate = foreign.candidates.first() or Candidate.objects.create(
        municipality=world.b, review=foreign, kind=CandidateKind.INCIDENT, key="x", title="x"
    )
    for user in (world.admin_a, world.auditor_a, world.viewer_a, world.head_a):
        client = login(user)
        assert client.get(reverse("reviews:detail", args=[foreign.pk])).status_code == 404
        for name in ("figures", "refresh", "sign", "reopen"):
            assert client.post(reverse(f"reviews:{name}", args=[foreign.pk]), {}).status_code == 404, (user, name)
        decide = reverse("reviews:decide", args=[foreign.pk, candidate.pk])
        assert client.post(decide, {}).status_code == 404
    # A candidate of the other municipality under one's own review is 404 too.
    assert login(world.admin_a).post(reverse("reviews:decide", args=[review.pk, candidate.pk]), {}).status_code == 404


def test_visible_to_is_every_review_of_the_municipality_for_the_readers_and_none_for_the_others(
    world: World, review: Review, foreign: Review
) -> None:
    """``Review.objects.visible_to`` is the one row rule (``Perm.REVIEWS_VIEW``); the menu link follows it."""
    for reader in (world.admin_a, world.auditor_a, world.viewer_a):
        assert list(Review.objects.visible_to(reader)) == [review], reader
    assert not Review.objects.visible_to(world.head_a).exists()
    assert list(Review.objects.visible_to(world.user_b)) == [foreign]
    assert reverse("reviews:index") in login(world.viewer_a).get(reverse("home")).content.decode()
    assert reverse("reviews:index") not in login(world.head_a).get(reverse("home")).content.decode()
