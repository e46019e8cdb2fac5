"""The suggested Ⅳ-1① rating at the boundaries of its rule."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from openpyxl import load_workbook

from piaops.assessments.vocab import SectionIVRating
from piaops.findings import services as findings
from piaops.findings.models import FollowUp
from piaops.selfcheck import services
from piaops.selfcheck.models import Campaign, Checklist, RatingDecision
from piaops.selfcheck.results import rating_decide, suggest_rating
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign

JST = dt.timezone(dt.timedelta(hours=9))


def _answer(checklist: Checklist, *, no: bool = False) -> None:
    answers = {}
    for i, a in enumerate(checklist.answers.order_by("item__order")):
        if no and i == 0:
            answers[a.item_id] = services.AnswerInput("no", "名簿が古い", "名簿を更新", dt.date(2027, 1, 29))
        else:
            answers[a.item_id] = services.AnswerInput("yes")
    services.checklist_save_answers(checklist=checklist, answers=answers)


def _run(world: World, *, submit_at: list[dt.datetime], accept: bool = True, no: bool = False) -> Campaign:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    for checklist, when in zip(campaign.checklists.order_by("unit__path"), submit_at, strict=True):
        _answer(checklist, no=no)
        with time_machine.travel(when):
            services.checklist_submit(checklist=checklist)
        if accept:
            services.checklist_review(checklist=checklist, accept=True)
    return campaign


ON_TIME = dt.datetime(2026, 12, 11, 23, 59, tzinfo=JST)  # the deadline day, late evening
LATE = dt.datetime(2026, 12, 12, 0, 1, tzinfo=JST)  # two minutes later


def test_all_accepted_on_time_with_no_findings_and_report_items_is_special_effort(world: World) -> None:
    campaign = _run(world, submit_at=[ON_TIME, ON_TIME])
    s = suggest_rating(campaign, today=dt.date(2027, 3, 1))
    assert s.rating == SectionIVRating.SPECIAL_EFFORT
    assert s.numbers["on_time"] == 2 and s.numbers["accepted"] == 2


def test_one_unit_submitting_a_minute_after_the_deadline_day_makes_it_insufficient(world: World) -> None:
    campaign = _run(world, submit_at=[ON_TIME, LATE])
    s = suggest_rating(campaign, today=dt.date(2027, 3, 1))
    assert s.rating == SectionIVRating.INSUFFICIENT
    assert [c.detail for c in s.sufficient][1] == "1 / 2 所属"


def test_a_checklist_not_yet_accepted_makes_it_insufficient(world: World) -> None:
    campaign = _run(world, submit_at=[ON_TIME, ON_TIME], accept=False)
    assert suggest_rating(campaign, today=dt.date(2027, 3, 1)).rating == SectionIVRating.INSUFFICIENT


def test_follow_up_completed_on_its_due_date_keeps_special_effort_one_day_later_does_not(world: World) -> None:
    campaign = _run(world, submit_at=[ON_TIME, ON_TIME], no=True)
    day = dt.date(2027, 1, 29)
    s = suggest_rating(campaign, today=dt.date(2027, 1, 28))
    assert s.rating == SectionIVRating.SPECIAL_EFFORT and s.numbers["followups_due"] == 0
    s = suggest_rating(campaign, today=day)
    assert s.rating == SectionIVRating.SUFFICIENT  # due today, not completed
    assert s.numbers["no_answers"] == 2 and s.numbers["no_with_plan"] == 2
    followups = list(FollowUp.objects.select_related("finding"))
    findings.followup_complete(followup=followups[0], completed_on=day, note="完了")
    findings.followup_complete(followup=followups[1], completed_on=day + dt.timedelta(days=1), note="完了")
    assert suggest_rating(campaign, today=day).rating == SectionIVRating.SUFFICIENT
    followups[1].completed_on = day
    followups[1].save()
    assert suggest_rating(campaign, today=day).rating == SectionIVRating.SPECIAL_EFFORT


def test_without_report_items_the_best_suggestion_is_sufficient(world: World) -> None:
    template = services.template_create(municipality=world.a, title="一般のみ", include_general=True)
    campaign = services.campaign_create(
        municipality=world.a,
        fiscal_year=2026,
        title="x",
        template=template,
        deadline=dt.date(2026, 12, 11),
        units=[world.tax_a],
    )
    services.campaign_launch(campaign=campaign)
    checklist = campaign.checklists.get()
    _answer(checklist)
    with time_machine.travel(ON_TIME):
        services.checklist_submit(checklist=checklist)
    services.checklist_review(checklist=checklist, accept=True)
    s = suggest_rating(campaign, today=dt.date(2027, 3, 1))
    assert s.rating == SectionIVRating.SUFFICIENT
    assert s.special[1].detail == "0 項目"


def test_choosing_another_rating_needs_a_reason_which_is_recorded(world: World) -> None:
    campaign = _run(world, submit_at=[ON_TIME, LATE])
    with pytest.raises(ValidationError):
        rating_decide(campaign=campaign, chosen=SectionIVRating.SUFFICIENT, today=dt.date(2027, 3, 1))
    decision = rating_decide(
        campaign=campaign,
        chosen=SectionIVRating.SUFFICIENT,
        reason="遅れた1所属は災害対応のため期限延長を認めた",
        today=dt.date(2027, 3, 1),
    )
    assert decision.suggested == SectionIVRating.INSUFFICIENT
    assert decision.numbers["on_time"] == 1 and len(decision.numbers["conditions"]) == 5


def test_the_rating_page_shows_the_rule_and_only_the_admin_decides(
    world: World, as_admin: Client, as_viewer: Client, as_head: Client, as_outsider: Client
) -> None:
    campaign = _run(world, submit_at=[ON_TIME, ON_TIME])
    url = f"/selfcheck/campaigns/{campaign.pk}/rating/"
    page = as_viewer.get(url).content.decode()
    assert "特に力を入れて行っている" in page and "2 / 2 所属" in page
    assert as_viewer.post(url, {"chosen": "sufficient", "reason": "x"}).status_code == 403
    assert as_head.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 404
    response = as_admin.post(url, {"chosen": "insufficient"})
    assert "理由を入力してください" in response.content.decode()
    as_admin.post(url, {"chosen": "sufficient", "reason": "控えめに評価"})
    assert RatingDecision.objects.get().reason == "控えめに評価"


def test_results_show_shares_per_item_and_unit_and_the_summary_workbook(world: World, as_admin: Client) -> None:
    campaign = _run(world, submit_at=[ON_TIME, ON_TIME], no=True)
    page = as_admin.get(f"/selfcheck/campaigns/{campaign.pk}/results/").content.decode()
    assert "2（100.0%）" in page  # item 1: いいえ from both units
    assert "名簿を更新" in page
    response = as_admin.get(f"/selfcheck/campaigns/{campaign.pk}/summary.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["進捗", "項目別", "所属別", "指摘事項", "評価の提案"]
    first_item = [c.value for c in wb["項目別"][2]]
    assert first_item[3:6] == [0, 2, 0]
    assert wb["指摘事項"].max_row == 3


def test_the_rating_page_warns_when_the_decision_in_force_rests_on_old_numbers(world: World, as_admin: Client) -> None:
    campaign = _run(world, submit_at=[ON_TIME, ON_TIME], accept=False)
    url = f"/selfcheck/campaigns/{campaign.pk}/rating/"
    as_admin.post(url, {"chosen": "insufficient", "reason": ""})
    assert RatingDecision.objects.get().suggested == SectionIVRating.INSUFFICIENT
    assert "根拠が変わりました" not in as_admin.get(url).content.decode()

    for checklist in campaign.checklists.all():  # then both checklists are accepted
        services.checklist_review(checklist=checklist, accept=True)
    page = as_admin.get(url).content.decode()
    assert "の後に根拠が変わりました：提案「十分に行っていない」→「" in page
    assert "今の数値で改めて決定してください。" in page
