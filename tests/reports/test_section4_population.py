"""Section Ⅳ ratings over the right population (issue 14 §4; 特定個人情報保護評価書（全項目評価書）様式
「Ⅳ その他のリスク対策」1① 自己点検・1② 監査・2 従業者に対する教育・啓発): the units and people that handle the report's
works; every campaign of the 年度; 暫定 and 未到来 during the 年度; third parties' overdue obligations for the same
item; exports that never show a suggestion as the adopted rating."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from openpyxl import load_workbook

from piaops.assessments.models import ReportWork
from piaops.assurance.models import Obligation
from piaops.audits import rating as audit_rating
from piaops.audits import reports as audit_reports
from piaops.audits import services as audit_services
from piaops.audits.models import AuditType, ItemResult
from piaops.findings import services as findings
from piaops.findings.models import Finding
from piaops.reports.section4 import AUDIT, SELFCHECK, TRAINING, build, to_text
from piaops.reports.section4_export import export
from piaops.selfcheck import results
from piaops.selfcheck.models import Checklist, ChecklistStatus
from piaops.tenancy.models import Party
from piaops.training.models import Trigger
from tests import factories as f
from tests.audits.helpers import programme
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign, make_report
from tests.training import makers

FY = 2026
D = dt.date
OCT_1 = D(2026, 10, 1)


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
    pdf = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=export(s4, fmt="pdf").content, capture_output=True, check=True
    ).stdout.decode()
    flat = "".join(pdf.split())
    assert "特に力を入れて行っている（暫定）" in flat and "（未決定）" in flat, flat[:400]
    assert "データなし：受講の対象者・受講要件" in flat
    results.rating_decide(campaign=campaign, chosen="sufficient", reason="年度末に再確認する", today=D(2026, 12, 21))
    decided = to_text(build(report, fiscal_year=FY, today=D(2026, 12, 21)))  # type: ignore[arg-type]
    assert "[十分に行っている]" in decided and "年度の途中の決定です（暫定）" in decided


def _audit_year(world: World, *, tax_end: dt.date = OCT_1) -> object:
    """保険年金課's audit (another work) ends with a finding whose follow-up is late; 税政課's is clean."""

    report = make_report(world.a)
    tax = f.work(world.a, "地方税賦課徴収事務", units=(world.tax_a,))
    pension = f.work(world.a, "国民年金事務", units=(world.other_a,))
    ReportWork.objects.create(municipality=world.a, report=report, work=tax)
    p = programme(world)
    other = audit_services.audit_create(
        programme=p,
        unit=world.other_a,
        works=[pension],
        audit_type=AuditType.ONSITE,
        planned_start=D(2026, 10, 1),
        planned_end=D(2026, 10, 1),
        auditors=[],
    )
    own = audit_services.audit_create(
        programme=p,
        unit=world.tax_a,
        works=[tax],
        audit_type=AuditType.ONSITE,
        planned_start=D(2026, 10, 1),
        planned_end=tax_end,
        auditors=[],
    )
    audit_services.programme_approve(programme=p, today=D(2026, 9, 1))
    audits = [other] if tax_end > D(2026, 10, 1) else [other, own]
    for a in audits:
        audit_services.audit_start(audit=a)
        for i in a.items.all():
            bad = a == other and i.order == 1
            audit_services.item_record(item=i, result=ItemResult.MINOR if bad else ItemResult.CONFORMING, notes="x")
        audit_services.audit_complete(audit=a)

    findings.followup_plan(finding=Finding.objects.get(unit=world.other_a), plan="x", due_date=D(2026, 11, 30))
    audit_reports.report_submit(municipality=world.a, fiscal_year=FY, kind="results")
    audit_reports.report_submit(municipality=world.a, fiscal_year=FY, kind="followup")
    return report


def test_audit_counts_only_the_units_and_works_of_the_report(world: World) -> None:
    report = _audit_year(world)
    today = D(2026, 12, 21)
    # Municipality-wide (the audits page), 保険年金課's late follow-up makes it insufficient …
    wide = audit_rating.suggest_rating(municipality=world.a, fiscal_year=FY, today=today)
    assert wide.label == "十分に行っていない" and wide.numbers["works"] == 2
    # … but it handles another work: this report's Ⅳ-1② looks at 税政課 (and 税制係) and its own work only.
    item = _item(build(report, fiscal_year=FY, today=today), AUDIT)  # type: ignore[arg-type]
    assert item.suggested == "特に力を入れて行っている", item.numbers
    assert any("税政課" in n and "2所属" in n for n in item.numbers)  # how many units were in scope
    assert "対象の事務 1 件、監査 1 件、指摘事項 0 件" in item.numbers
    assert any(n.startswith("○ 承認済みの監査計画") and n.endswith("1 / 1 事務（計画: 承認済）") for n in item.numbers)
    assert item.provisional and item.suggested_text == "特に力を入れて行っている（暫定）"


@pytest.mark.parametrize(
    ("today", "completed", "provisional"),
    [
        (D(2027, 1, 29), "0 / 0 件（ほかに未到来 1 件）", True),  # 税政課's audit runs until 2/1: 未到来, not late
        (D(2027, 2, 1), "0 / 0 件（ほかに未到来 1 件）", True),  # its last planned day
        (D(2027, 2, 2), "0 / 1 件", True),  # the period is over and the audit is not completed: late
        (D(2027, 4, 1), "0 / 1 件", False),  # the 年度 is over: final
    ],
)
def test_an_audit_whose_period_has_not_ended_is_not_yet_due(
    world: World, today: dt.date, completed: str, provisional: bool
) -> None:
    report = _audit_year(world, tax_end=D(2027, 2, 1))
    item = _item(build(report, fiscal_year=FY, today=today), AUDIT)  # type: ignore[arg-type]
    assert any(n.startswith("× 計画した監査がすべて完了") and n.endswith(completed) for n in item.numbers), item.numbers
    assert item.provisional is provisional
    assert item.suggested == "十分に行っている"  # the rest holds: an unfinished audit only withholds 特に
