from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from piaops.assessments.vocab import SectionIVRating
from piaops.audits import rating, services
from piaops.audits import reports as rep
from piaops.audits.models import AuditRatingDecision, AuditType, ItemResult
from piaops.findings import services as findings
from tests.audits.helpers import FY, TODAY, audit, programme, works
from tests.conftest import World


def _suggest(world: World, today: dt.date = TODAY) -> rating.Suggestion:
    return rating.suggest_rating(municipality=world.a, fiscal_year=FY, today=today)


def _run_year(world: World) -> None:
    tax, pension = works(world)
    p = programme(world)
    for unit, ws in ((world.tax_a, [tax]), (world.other_a, [pension])):
        audit(p, unit, ws, kind=AuditType.ONSITE)
    services.programme_approve(programme=p, today=TODAY)


def _finish_audits(world: World, *, with_finding: bool) -> None:
    from piaops.audits.models import Audit

    for n, a in enumerate(Audit.objects.order_by("pk")):
        services.audit_start(audit=a)
        for i in a.items.all():
            bad = with_finding and n == 0 and i.order == 1
            services.item_record(item=i, result=ItemResult.MINOR if bad else ItemResult.CONFORMING, notes="x")
        services.audit_complete(audit=a)


def test_without_a_programme_the_suggestion_is_not_sufficient(world: World) -> None:
    works(world)
    assert _suggest(world).rating == SectionIVRating.INSUFFICIENT


def test_coverage_rotation_and_a_submitted_report_make_it_sufficient(world: World) -> None:
    _run_year(world)
    s = _suggest(world)
    assert s.rating == SectionIVRating.INSUFFICIENT
    assert [c.ok for c in s.sufficient] == [True, True, True, False]  # only the report is missing
    rep.report_submit(municipality=world.a, fiscal_year=FY, kind="results")
    assert _suggest(world).rating == SectionIVRating.SUFFICIENT


def test_a_late_follow_up_makes_it_insufficient_and_all_done_and_verified_makes_it_special(world: World) -> None:
    _run_year(world)
    _finish_audits(world, with_finding=True)
    rep.report_submit(municipality=world.a, fiscal_year=FY, kind="results")
    from piaops.findings.models import Finding

    finding = Finding.objects.get()
    fu = findings.followup_plan(finding=finding, plan="x", due_date=dt.date(2027, 1, 29))
    assert _suggest(world, dt.date(2027, 2, 1)).rating == SectionIVRating.INSUFFICIENT  # due and not done
    findings.followup_complete(followup=fu, completed_on=dt.date(2027, 1, 28), note="done")
    s = _suggest(world, dt.date(2027, 2, 1))
    assert s.rating == SectionIVRating.SUFFICIENT and not s.special[1].ok  # not verified yet
    findings.followup_verify(followup=fu, accept=True)
    rep.report_submit(municipality=world.a, fiscal_year=FY, kind="followup")
    assert _suggest(world, dt.date(2027, 2, 1)).rating == SectionIVRating.SPECIAL_EFFORT


def test_a_returned_report_does_not_count(world: World) -> None:
    _run_year(world)
    r = rep.report_submit(municipality=world.a, fiscal_year=FY, kind="results")
    rep.report_review(report=r, accept=False, comment="数字の誤り")
    assert _suggest(world).rating == SectionIVRating.INSUFFICIENT


def test_an_override_needs_a_reason_and_is_kept_with_the_numbers(world: World, as_admin: Client) -> None:
    _run_year(world)
    with pytest.raises(ValidationError):
        rating.rating_decide(municipality=world.a, fiscal_year=FY, chosen=SectionIVRating.SUFFICIENT, today=TODAY)
    as_admin.post(f"/audits/rating/{FY}/", {"chosen": SectionIVRating.SUFFICIENT, "reason": "報告は提出手続中"})
    d = AuditRatingDecision.objects.get()
    assert d.suggested == SectionIVRating.INSUFFICIENT and d.chosen == SectionIVRating.SUFFICIENT
    assert d.numbers["works"] == 2 and len(d.numbers["conditions"]) == 7
    assert "報告は提出手続中" in as_admin.get(f"/audits/rating/{FY}/").content.decode()


def test_the_page_warns_when_the_numbers_of_the_decision_in_force_have_changed(world: World, as_admin: Client) -> None:
    _run_year(world)
    refused = as_admin.post(f"/audits/rating/{FY}/", {"chosen": SectionIVRating.SPECIAL_EFFORT, "reason": ""})
    assert refused.status_code == 200  # the page again, the message on the reason field, nothing recorded
    assert "提案と異なる評価を選ぶ場合は、その理由を入力してください。" in refused.content.decode()
    assert not AuditRatingDecision.objects.exists()
    as_admin.post(f"/audits/rating/{FY}/", {"chosen": SectionIVRating.INSUFFICIENT, "reason": ""})
    assert "根拠が変わりました" not in as_admin.get(f"/audits/rating/{FY}/").content.decode()

    _finish_audits(world, with_finding=False)  # the planned audits are done: a condition the decision saw ✘ holds
    page = as_admin.get(f"/audits/rating/{FY}/").content.decode()
    assert "の後に根拠が変わりました：" in page and "計画した監査がすべて完了：× " in page
    assert "今の数値で改めて決定してください。" in page
