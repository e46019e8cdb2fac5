"""Demo step: a current-年度 self-inspection with a realistic mix of states, and ``years`` past 年度 of closed
ones (every checklist accepted in July, each いいえ a finding whose improvement plan was carried out and verified).

Needs the assessments demo step (a current report); without one it does nothing. Idempotent: returns when the
municipality already has a campaign for the 年度 of ``today``. Deterministic (seeded ``random.Random``).
"""

from __future__ import annotations

import datetime as dt
import random

from piaops.assessments.models import AssessmentReport
from piaops.findings import services as findings
from piaops.findings.models import Finding, Source
from piaops.lib.fiscal import add_office_days, fiscal_year, next_office_day, wareki_fiscal_year
from piaops.selfcheck import baseline, services
from piaops.selfcheck.models import AnswerValue, Campaign, Checklist, ChecklistTemplate
from piaops.tenancy.models import Municipality, OrgUnit

# Share of units in each final state, in order: 確認済, 提出済, 差戻し, 作成中, 未着手.
MIX = (("accepted", 0.4), ("submitted", 0.2), ("returned", 0.1), ("draft", 0.15), ("not_started", 0.15))


def build(*, municipality: Municipality, people: int, today: dt.date, years: int = 0) -> None:
    report = AssessmentReport.objects.current().filter(municipality=municipality).order_by("pk").first()
    if report is None:
        return
    fy = fiscal_year(today)
    if Campaign.objects.filter(municipality=municipality, fiscal_year=fy).exists():
        return
    units = services.default_target_units(municipality=municipality, on=today, report=report)
    if not units:
        units = list(
            OrgUnit.objects.filter(municipality=municipality, kind=OrgUnit.Kind.DIVISION, is_active=True)
            .exclude(is_governance=True)
            .order_by("path")
        )
    if not units:
        return
    _history(municipality, report, units, range(fy - years, fy))
    # Two templates on one checklist: the report's own commitments, and the 年度's 安全管理措置 baseline every
    # checklist carries (attached by campaign_create).
    template = services.template_create(
        municipality=municipality,
        title=f"{wareki_fiscal_year(fy)} 個人番号利用事務 自己点検票",
        report=report,
        include_general=False,
    )
    general = baseline.ensure(municipality=municipality, fiscal_year=fy)
    campaign = services.campaign_create(
        municipality=municipality,
        fiscal_year=fy,
        title="特定個人情報の取扱いに関する自己点検",
        templates=[template],
        deadline=add_office_days(today, 10),
        instructions="各所属で自己点検票に回答し、所属長の確認のうえ提出してください。"
        "「いいえ」の項目は改善計画と改善予定日を記入してください。",
        units=units,
    )
    services.campaign_launch(campaign=campaign)
    rng = random.Random(f"selfcheck-{municipality.code}-{fy}")
    checklists = list(campaign.checklists.select_related("unit").order_by("unit__path"))
    states = _states(len(checklists))
    for checklist, state in zip(checklists, states, strict=True):
        _play(checklist, state, rng=rng, today=today)
    _second_campaign(general=general, units=units[:3], rng=rng, today=today)


SECOND_TITLE = "安全管理措置の追加点検"


def _second_campaign(*, general: ChecklistTemplate, units: list[OrgUnit], rng: random.Random, today: dt.date) -> None:
    """A second campaign of the same 年度 (a later deadline, the 安全管理措置 baseline only): Section Ⅳ counts every
    campaign of the 年度, and its units that have not reached the deadline show as 未到来."""
    if not units:
        return
    campaign = services.campaign_create(
        municipality=general.municipality,
        fiscal_year=fiscal_year(today),
        title=SECOND_TITLE,
        templates=[general],
        deadline=add_office_days(today, 20),
        instructions="情報システムを利用する所属は、安全管理措置の基準の項目を追加で点検してください。",
        units=units,
    )
    services.campaign_launch(campaign=campaign)
    first = campaign.checklists.order_by("unit__path").first()
    if first is not None:
        _play(first, "accepted", rng=rng, today=today)


def _history(municipality: Municipality, report: AssessmentReport, units: list[OrgUnit], past: range) -> None:
    """One closed campaign per past 年度: the first created, each next one copied from it (as a municipality does)."""
    previous: Campaign | None = None
    for fy in past:
        deadline = next_office_day(dt.date(fy, 7, 31))
        if previous is None:
            template = services.template_create(
                municipality=municipality,
                title=f"{wareki_fiscal_year(fy)} 個人番号利用事務 自己点検票",
                report=report,
                include_general=False,
            )
            baseline.ensure(municipality=municipality, fiscal_year=fy)  # the copies carry the next 年度's
            campaign = services.campaign_create(
                municipality=municipality,
                fiscal_year=fy,
                title="特定個人情報の取扱いに関する自己点検",
                templates=[template],
                deadline=deadline,
                units=units,
            )
        else:
            campaign = services.campaign_copy_to_next_year(campaign=previous)
        services.campaign_launch(campaign=campaign)
        rng = random.Random(f"selfcheck-{municipality.code}-{fy}")
        for checklist in campaign.checklists.select_related("unit").order_by("unit__path"):
            _play(checklist, "accepted", rng=rng, today=add_office_days(campaign.deadline, -20))
        services.campaign_close(campaign=campaign)
        for finding in Finding.objects.filter(
            municipality=municipality, fiscal_year=fy, source=Source.SELF_INSPECTION
        ).select_related("followup"):
            fu = getattr(finding, "followup", None)
            if fu is None:
                continue
            completed = min(fu.due_date, dt.date(fy + 1, 3, 1))
            findings.followup_progress(followup=fu, note="記録様式を改め、係内で周知した。", on=completed)
            findings.followup_complete(followup=fu, completed_on=completed, note="改善した記録様式で運用している。")
            findings.followup_verify(followup=fu, accept=True, note="運用記録を確認した。")
        previous = campaign


def _states(n: int) -> list[str]:
    states: list[str] = []
    for state, share in MIX:
        states += [state] * round(n * share)
    states = (states + ["not_started"] * n)[:n]
    return states


def _play(checklist: Checklist, state: str, *, rng: random.Random, today: dt.date) -> None:
    if state == "not_started":
        return
    answers = {}
    for a in checklist.campaign.sort_answers(checklist.answers.select_related("item")):
        roll = rng.random()
        if roll < 0.06:
            answers[a.item_id] = services.AnswerInput(
                AnswerValue.NO,
                "手順は定めているが、今年度は記録が一部残っていない。",
                "記録様式を見直し、毎月末に係長が確認する。",
                next_office_day(today + dt.timedelta(days=60)),
            )
        elif roll < 0.12:
            answers[a.item_id] = services.AnswerInput(AnswerValue.NA, "当所属では該当する事務を行っていない。")
        elif state == "draft" and roll > 0.7:
            continue  # a draft is partly answered
        else:
            answers[a.item_id] = services.AnswerInput(AnswerValue.YES)
    services.checklist_save_answers(checklist=checklist, answers=answers)
    if state == "draft":
        return
    services.checklist_submit(checklist=checklist)
    if state == "accepted":
        services.checklist_review(checklist=checklist, accept=True)
    elif state == "returned":
        ordered = checklist.campaign.sort_answers(checklist.answers.select_related("item"))
        first = ordered[0] if ordered else None
        comments = {first.item_id: "点検の根拠（確認した記録）をコメントに記載してください。"} if first else {}
        services.checklist_review(checklist=checklist, accept=False, comments=comments)
