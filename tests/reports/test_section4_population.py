"""Section Ⅳ ratings over the right population (issue 14 §4; 特定個人情報保護評価書（全項目評価書）様式
「Ⅳ その他のリスク対策」1① 自己点検・2 従業者に対する教育・啓発): the units and people that handle the report's
works; every campaign of the 年度; 暫定 and 未到来 during the 年度; third parties' overdue obligations for the same
item; exports that never show a suggestion as the adopted rating."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from piaops.assessments.models import ReportWork
from piaops.assurance.models import Obligation
from piaops.reports.section4 import SELFCHECK, TRAINING, build, to_text
from piaops.reports.section4_export import export
from piaops.selfcheck import results
from piaops.selfcheck.models import Checklist, ChecklistStatus
from piaops.tenancy.models import Party
from piaops.training.models import Trigger
from tests import factories as f
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign, make_report
from tests.training import makers

FY = 2026
D = dt.date


def _report(world: World) -> object:
    """A report whose work is handled by 税政課 only (保険年金課 handles another work)."""
    report = make_report(world.a)
    tax = f.work(world.a, "地方税賦課徴収事務", units=(world.tax_a,))
    f.work(world.a, "国民年金事務", units=(world.other_a,))
    ReportWork.objects.create(municipality=world.a, report=report, work=tax)
    return report


def _accept(world: World, checklist: Checklist, on: dt.datetime) -> None:
    Checklist.objects.filter(pk=checklist.pk).update(
        status=ChecklistStatus.ACCEPTED, first_submitted_at=on, submitted_at=on, accepted_at=on
    )


def _item(s4: object, path: str) -> object:
    return next(i for i in s4.items if i.path == path)  # type: ignore[attr-defined]


def test_selfcheck_counts_only_the_units_of_the_reports_work_over_every_campaign(world: World) -> None:
    report = _report(world)
    first = make_campaign(world.a, [world.tax_a, world.other_a], deadline=D(2026, 7, 31))
    second = make_campaign(world.a, [world.tax_a], deadline=D(2026, 12, 11))
    for c in Checklist.objects.filter(unit=world.tax_a):
        _accept(world, c, dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC))
    # 保険年金課 never submitted: it handles another work, so it does not pull this report's rating down.
    s4 = build(report, fiscal_year=FY, today=D(2026, 12, 21))  # type: ignore[arg-type]
    item = _item(s4, SELFCHECK)
    assert item.suggested == "特に力を入れて行っている"
    assert any("税政課" in n and "2所属" in n for n in item.numbers)  # how many were in scope (with 税制係)
    assert any(f"{first}" in n and f"{second}" in n and "2件" in n for n in item.numbers)  # both campaigns
    assert any("2 / 2 所属" in n for n in item.numbers)  # one checklist per campaign, both of 税政課


@pytest.mark.parametrize(
    ("today", "submitted", "provisional", "detail", "missing"),
    [
        (D(2026, 12, 10), False, True, "0 / 0 所属（ほかに未到来 1 所属）", True),  # before the deadline: 未到来
        (D(2026, 12, 11), False, True, "0 / 0 所属（ほかに未到来 1 所属）", True),  # on the deadline day
        (D(2026, 12, 14), False, True, "0 / 1 所属", False),  # after it: late
        (D(2026, 12, 10), True, True, "1 / 1 所属", False),  # submitted early: counts
        (D(2027, 3, 31), True, True, "1 / 1 所属", False),  # the 年度's last day: still 暫定
        (D(2027, 4, 1), True, False, "1 / 1 所属", False),  # the 年度 is over: final
    ],
)
def test_a_suggestion_during_the_year_is_provisional_and_units_not_yet_due_are_not_late(
    world: World, today: dt.date, submitted: bool, provisional: bool, detail: str, missing: bool
) -> None:
    report = _report(world)
    make_campaign(world.a, [world.tax_a], deadline=D(2026, 12, 11))
    if submitted:
        _accept(world, Checklist.objects.get(), dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC))
    item = _item(build(report, fiscal_year=FY, today=today), SELFCHECK)  # type: ignore[arg-type]
    assert item.provisional is provisional and ("（暫定" in item.suggested_text) is provisional
    assert any(n.endswith(detail) and "期限までに提出" in n for n in item.numbers), item.numbers
    assert bool(item.missing) is missing


def test_training_counts_only_the_people_of_the_reports_units(world: World) -> None:
    report = _report(world)
    course = makers.course(world.a)
    makers.requirement(world.a, course, trigger=Trigger.INITIAL, within_days=30)
    for i in range(4):  # 税政課: all trained
        p = f.person(world.a, name=f"税 {i}")
        f.assignment(p, world.tax_a, start=D(2026, 4, 1))
        makers.record(p, course, D(2026, 4, 10))
    for i in range(6):  # 保険年金課: none trained, and not this report's work
        f.assignment(f.person(world.a, name=f"年金 {i}"), world.other_a, start=D(2026, 4, 1))
    item = _item(build(report, fiscal_year=FY, today=D(2026, 12, 21)), TRAINING)  # type: ignore[arg-type]
    assert item.suggested == "特に力を入れて行っている", item.numbers
    assert any("対象者 4 人" in n for n in item.numbers)
    assert any("4 ÷ 4" in n for n in item.numbers)


@pytest.mark.parametrize(
    ("party_kind", "next_due", "downgraded"),
    [
        (Party.Kind.INTERMEDIATE_SERVER, D(2026, 11, 30), True),  # J-LIS, overdue
        (Party.Kind.ELTAX_CONTRACTOR, D(2026, 11, 30), True),  # eLTAX, overdue
        (Party.Kind.INTERMEDIATE_SERVER, D(2027, 1, 29), False),  # J-LIS, not yet due
        (Party.Kind.MUNICIPALITY, D(2026, 11, 30), False),  # the municipality's own: not a third party
    ],
)
def test_an_overdue_third_party_obligation_for_the_same_item_takes_part(
    world: World, party_kind: str, next_due: dt.date, downgraded: bool
) -> None:
    report = _report(world)
    make_campaign(world.a, [world.tax_a], deadline=D(2026, 7, 31))
    _accept(world, Checklist.objects.get(), dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC))
    party = Party.objects.create(municipality=world.a, name=f"事業者 {party_kind}", kind=party_kind)
    commitment = report.commitments.filter(item__number_path=SELFCHECK).first()  # type: ignore[attr-defined]
    Obligation.objects.create(
        municipality=world.a,
        party=party,
        commitment=commitment,
        title="自己点検結果の報告",
        nominal_due=next_due,
        next_due=next_due,
    )
    item = _item(build(report, fiscal_year=FY, today=D(2026, 12, 21)), SELFCHECK)  # type: ignore[arg-type]
    assert (item.suggested == "十分に行っていない") is downgraded
    shown = any("第三者の同じ項目の義務" in n for n in item.numbers)
    assert shown is (party_kind != Party.Kind.MUNICIPALITY)
    assert any("期限超過：事業者" in n for n in item.numbers) is downgraded
    assert "J-LIS" in item.rule


def test_exports_mark_an_undecided_suggestion_and_missing_data(world: World) -> None:
    report = _report(world)
    campaign = make_campaign(world.a, [world.tax_a], deadline=D(2026, 7, 31))
    _accept(world, Checklist.objects.get(), dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC))
    s4 = build(report, fiscal_year=FY, today=D(2026, 12, 21))  # type: ignore[arg-type]
    text = to_text(s4)
    assert "[特に力を入れて行っている]" not in text and "[未決定]" in text  # a suggestion is not the adopted one
    assert "評価は未決定です（提案：特に力を入れて行っている（暫定）" in text
    assert "データがありません" in text  # the audit has no programme, the training no requirement
    wb = load_workbook(io.BytesIO(export(s4, fmt="xlsx").content))
    rows = {r[0]: r for r in wb["Ⅳ 評価"].iter_rows(min_row=3, values_only=True)}
    assert rows[SELFCHECK][2] == "特に力を入れて行っている（暫定）" and rows[SELFCHECK][3] == "（未決定）"
    assert "データなし" in rows[TRAINING][6]
    results.rating_decide(campaign=campaign, chosen="sufficient", reason="年度末に再確認する", today=D(2026, 12, 21))
    decided = to_text(build(report, fiscal_year=FY, today=D(2026, 12, 21)))  # type: ignore[arg-type]
    assert "[十分に行っている]" in decided and "年度の途中の決定です（暫定）" in decided
