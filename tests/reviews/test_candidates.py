"""Each rule that finds a 変更の候補 in piaops's records, on both sides of its condition."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.assessments.models import AssessmentReport
from piaops.assurance import services as assurance
from piaops.assurance.models import CloudService, Contract, Subcontract
from piaops.incidents import services as incidents
from piaops.reviews import services
from piaops.reviews.models import CandidateKind, Review
from piaops.reviews.thresholds import Required
from piaops.selfcheck.models import AnswerValue, Checklist, ChecklistStatus
from piaops.tenancy.models import Party, Work
from tests import factories as f
from tests.conftest import World
from tests.reviews.helpers import FY, at, report_on_work
from tests.selfcheck.helpers import make_campaign


@pytest.fixture
def setup(world: World) -> tuple[AssessmentReport, Work, Party]:
    return report_on_work(world.a)


def _open(report: AssessmentReport, **kw: object) -> Review:
    return services.review_open(report=report, fiscal_year=FY, user=None, today=dt.date(2026, 12, 7), **kw)  # type: ignore[arg-type]


def kinds(review: Review) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for c in review.candidates.all():
        found.setdefault(c.kind, []).append(c.title)
    return found


def _contract(
    m: object, party: Party, title: str, start: dt.date, works: list[Work], end: dt.date | None = None
) -> Contract:
    return assurance.contract_save(
        contract=Contract(municipality=m, party=party, title=title, start_date=start, end_date=end), works=works
    )


def test_contracts_added_and_ended_in_the_window_on_the_reports_works(world: World, setup) -> None:
    report, work, asp = setup
    other_work = f.work(world.a, "国民健康保険事務")
    _contract(world.a, asp, "税務システム運用保守", dt.date(2026, 5, 1), [work])
    _contract(world.a, asp, "旧システム保守", dt.date(2020, 4, 1), [work], end=dt.date(2026, 3, 31))
    _contract(world.a, asp, "改元前からの契約", dt.date(2019, 4, 1), [work])  # before the window: no candidate
    _contract(world.a, asp, "他事務の契約", dt.date(2026, 5, 1), [other_work])  # another report's work
    found = kinds(_open(report))
    assert found[CandidateKind.CONTRACT_ADDED] == ["委託先の追加：税務システムASP株式会社「税務システム運用保守」"]
    assert found[CandidateKind.CONTRACT_ENDED] == ["委託契約の終了：税務システムASP株式会社「旧システム保守」"]
    assert CandidateKind.CONTRACT_CHANGED not in found  # giving a new contract its works is not an edit


def test_an_edited_contract_is_a_candidate(world: World, setup) -> None:
    report, work, asp = setup
    contract = _contract(world.a, asp, "税務システム運用保守", dt.date(2019, 4, 1), [work])
    assert CandidateKind.CONTRACT_CHANGED not in kinds(_open(report))
    Review.objects.all().delete()
    contract.scope = "運用保守に加えてデータ移行を委託する"
    assurance.contract_save(contract=contract)
    assert kinds(_open(report))[CandidateKind.CONTRACT_CHANGED] == [
        "委託契約の変更：税務システムASP株式会社「税務システム運用保守」"
    ]


def test_a_subcontract_approved_in_the_window(world: World, setup) -> None:
    report, work, asp = setup
    contract = _contract(world.a, asp, "税務システム運用保守", dt.date(2019, 4, 1), [work])
    approved = Subcontract.Approval.APPROVED
    for name, day in (("データセンター株式会社", dt.date(2026, 7, 1)), ("旧印刷株式会社", dt.date(2024, 4, 1))):
        assurance.subcontract_save(
            subcontract=Subcontract(
                municipality=world.a, contract=contract, name=name, approval=approved, approved_on=day
            )
        )
    titles = kinds(_open(report))[CandidateKind.SUBCONTRACT_ADDED]
    assert titles == ["再委託の追加：税務システムASP株式会社 → データセンター株式会社（許諾済）"]


def test_a_cloud_service_of_a_party_of_the_report_removed_from_ismap(world: World, setup) -> None:
    report, work, asp = setup
    _contract(world.a, asp, "税務システム運用保守", dt.date(2019, 4, 1), [work])
    stranger = f.party(world.a, "関係のない事業者", kind=Party.Kind.CSP)
    for party, name in ((asp, "税務クラウド"), (stranger, "別のクラウド")):
        CloudService.objects.create(
            municipality=world.a, party=party, provider=party.name, service_name=name, delisted_on=dt.date(2026, 8, 1)
        )
    CloudService.objects.create(municipality=world.a, party=asp, provider=asp.name, service_name="掲載中のクラウド")
    CloudService.objects.create(
        municipality=world.a, provider="電子申請株式会社", service_name="電子申請", delisted_on=dt.date(2025, 6, 1)
    )  # no party recorded, but removed before the version in force
    assert kinds(_open(report))[CandidateKind.ISMAP_REMOVED] == [
        "ISMAPリストから削除：税務システムASP株式会社 税務クラウド"
    ]
    Review.objects.all().delete()
    CloudService.objects.create(
        municipality=world.a, provider="電子申請株式会社", service_name="電子申請SaaS", delisted_on=dt.date(2026, 8, 2)
    )
    review = _open(report)
    assert len(kinds(review)[CandidateKind.ISMAP_REMOVED]) == 2
    assert "事業者が登録されていない" in review.candidates.get(title__contains="電子申請SaaS").detail


def _incident(world: World, work: Work, *, reportable: bool, day: dt.date) -> None:
    incidents.incident_record(
        municipality=world.a,
        user=world.admin_a,
        title="通知書の誤送付" if reportable else "窓口での取り違え（本人確認で発覚）",
        description="誤送付",
        detected_at=at(day),
        works=[work],
        personal_info_involved=True,
        leaked=True,
        people_affected=120 if reportable else 1,
    )


def test_a_reportable_incident_is_a_candidate_and_the_serious_incident_of_the_threshold(world: World, setup) -> None:
    report, work, _ = setup
    _incident(world, work, reportable=False, day=dt.date(2026, 6, 1))
    review = _open(report, subjects=150_000, handlers=120)
    assert CandidateKind.INCIDENT not in kinds(review)
    comparison = services.rules.recomputed(review)
    assert comparison is not None and comparison.required is Required.FOCUSED and not comparison.insufficient

    _incident(world, work, reportable=True, day=dt.date(2026, 6, 1))
    services.candidates_refresh(review=review, user=None)
    found = kinds(review)
    assert found[CandidateKind.INCIDENT] == ["報告対象の重大事故：通知書の誤送付"]
    # 10万–30万 with a 重大事故 in the last year: 全項目評価 is required, above the report's 重点項目評価.
    comparison = services.rules.recomputed(review)
    assert comparison is not None and comparison.required is Required.FULL and comparison.insufficient
    assert found[CandidateKind.THRESHOLD_TIER] == ["しきい値判断の結果：基礎項目評価及び全項目評価"]


def test_an_incident_more_than_a_year_before_the_reference_day_does_not_count_for_the_threshold(
    world: World, setup
) -> None:
    report, work, _ = setup
    _incident(world, work, reportable=True, day=dt.date(2025, 12, 7))  # 基準日 2026-12-07: one year and a day
    review = _open(report, subjects=150_000, handlers=120)
    assert CandidateKind.INCIDENT in kinds(review)  # still a change since the version in force
    assert not services.rules.serious_incident_in_last_year(review)
    _incident(world, work, reportable=True, day=dt.date(2025, 12, 8))
    assert services.rules.serious_incident_in_last_year(review)


def test_subjects_across_a_band_since_the_previous_review(world: World, setup) -> None:
    report, _, _ = setup
    services.review_open(report=report, fiscal_year=FY - 1, user=None, subjects=95_000, handlers=499)
    review = _open(report, subjects=102_000, handlers=499)
    assert kinds(review)[CandidateKind.THRESHOLD_BAND] == [
        "対象人数の区分の変化：1万人以上10万人未満 → 10万人以上30万人未満"
    ]
    same_band = services.review_open(report=report, fiscal_year=FY + 1, user=None, subjects=110_000, handlers=499)
    assert CandidateKind.THRESHOLD_BAND not in kinds(same_band)


def test_handlers_across_500(world: World, setup) -> None:
    report, _, _ = setup
    services.review_open(report=report, fiscal_year=FY - 1, user=None, subjects=50_000, handlers=499)
    review = _open(report, subjects=50_000, handlers=500)
    assert kinds(review)[CandidateKind.THRESHOLD_BAND] == ["取扱者数が500人以上に：499人 → 500人"]
    # 1万–10万 with 500 handlers: 重点項目評価, which the report (重点) meets.
    assert CandidateKind.THRESHOLD_TIER not in kinds(review)


def test_commitments_never_inspected_or_always_not_applicable(world: World, setup) -> None:
    report, _, _ = setup
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    commitments = list(report.commitments.order_by("order"))
    answers = {commitments[0].pk: AnswerValue.YES, commitments[1].pk: AnswerValue.NA}
    for checklist in Checklist.objects.filter(campaign=campaign):
        for answer in checklist.answers.select_related("item"):
            answer.value = answers.get(answer.item.commitment_id, "")
            answer.save()
        checklist.status = ChecklistStatus.SUBMITTED
        checklist.save()
    found = kinds(_open(report))
    never = found[CandidateKind.NEVER_INSPECTED]
    assert [t for t in never if commitments[0].text[:10] in t] == []
    assert any(commitments[2].text[:10] in t for t in never)
    assert len(found[CandidateKind.ALWAYS_NA]) == 1 and commitments[1].text[:10] in found[CandidateKind.ALWAYS_NA][0]


def test_answers_of_a_checklist_not_submitted_do_not_count(world: World, setup) -> None:
    report, _, _ = setup
    campaign = make_campaign(world.a, [world.tax_a])
    first = report.commitments.order_by("order").first()
    assert first is not None
    for answer in Checklist.objects.get(campaign=campaign).answers.filter(item__commitment=first):
        answer.value = AnswerValue.YES
        answer.save()
    assert any(first.text[:10] in t for t in kinds(_open(report))[CandidateKind.NEVER_INSPECTED])


def test_a_cloud_service_of_a_party_of_the_report_recorded_in_the_window_is_a_new_system(world: World, setup) -> None:
    report, work, asp = setup
    _contract(world.a, asp, "税務システム運用保守", dt.date(2019, 4, 1), [work])
    stranger = f.party(world.a, "関係のない事業者", kind=Party.Kind.CSP)
    for party, name in ((asp, "税務クラウド"), (stranger, "別のクラウド")):
        assurance.cloud_service_save(
            service=CloudService(
                municipality=world.a, party=party, provider=party.name, service_name=name, used_by="税務システム"
            )
        )
    # Created without the services (no audit entry): not known to be new, no candidate.
    CloudService.objects.create(municipality=world.a, party=asp, provider=asp.name, service_name="古くからのクラウド")
    review = _open(report)
    assert kinds(review)[CandidateKind.SYSTEM_ADDED] == [
        "システム（クラウドサービス）の追加：税務システムASP株式会社 税務クラウド"
    ]
    assert "利用するシステム：税務システム" in review.candidates.get(kind=CandidateKind.SYSTEM_ADDED).detail
    # A review whose window closed before the service was recorded does not see it.
    old = services.review_open(report=report, fiscal_year=2025, user=None, today=dt.date(2026, 3, 31))
    assert CandidateKind.SYSTEM_ADDED not in kinds(old)


def test_units_added_to_or_removed_from_the_reports_work_and_the_work_abolished(world: World, setup) -> None:
    from piaops.tenancy import services as tenancy

    report, work, _ = setup
    other_work = f.work(world.a, "国民健康保険事務")
    tenancy.work_update(work=work, name=work.name, units=[world.tax_a, world.other_a])
    tenancy.work_update(work=other_work, name=other_work.name, units=[world.tax_a])  # another report's work
    review = _open(report)
    found = kinds(review)
    assert found[CandidateKind.WORK_UNIT_ADDED] == [
        "事務を担当する組織の追加：地方税賦課徴収事務 — 税政課",
        "事務を担当する組織の追加：地方税賦課徴収事務 — 保険年金課",
    ]
    assert CandidateKind.WORK_UNIT_REMOVED not in found and CandidateKind.WORK_ENDED not in found

    tenancy.work_update(work=work, name=work.name, units=[world.tax_a])
    tenancy.work_deactivate(work=work)
    services.candidates_refresh(review=review, user=None)
    found = kinds(review)
    assert found[CandidateKind.WORK_UNIT_REMOVED] == ["事務を担当する組織の削除：地方税賦課徴収事務 — 保険年金課"]
    assert found[CandidateKind.WORK_ENDED] == ["事務の廃止：地方税賦課徴収事務"]
    assert len(found[CandidateKind.WORK_UNIT_ADDED]) == 2  # refreshing adds only what is new
    # Before the window: nothing.
    old = services.review_open(report=report, fiscal_year=2025, user=None, today=dt.date(2026, 3, 31))
    assert not {CandidateKind.WORK_UNIT_ADDED, CandidateKind.WORK_ENDED} & set(kinds(old))


def test_a_cloud_service_of_a_party_of_the_report_registered_on_ismap_in_the_window(world: World, setup) -> None:
    report, work, asp = setup
    _contract(world.a, asp, "税務システム運用保守", dt.date(2019, 4, 1), [work])
    stranger = f.party(world.a, "関係のない事業者", kind=Party.Kind.CSP)
    for party, name, day in (
        (asp, "税務クラウド", dt.date(2026, 9, 1)),
        (asp, "以前からの登録", dt.date(2025, 6, 1)),  # the day before the version in force
        (stranger, "別のクラウド", dt.date(2026, 9, 1)),
    ):
        CloudService.objects.create(
            municipality=world.a, party=party, provider=party.name, service_name=name, registered_on=day
        )
    assert kinds(_open(report))[CandidateKind.ISMAP_ADDED] == [
        "ISMAPリストへの登録：税務システムASP株式会社 税務クラウド"
    ]
