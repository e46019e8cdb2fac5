"""Ⅳ-1② (監査) decided per assessment report: a decision recorded on a report's Section Ⅳ page is checked against,
and keeps, that report's suggestion and numbers (its works and their units), and only that report adopts it. The
municipality-wide decision of the audits page rates the programme: Section Ⅳ shows it as a note, never as the
report's rating (it was decided on other numbers)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from piaops.assessments.models import AssessmentReport, ReportWork
from piaops.assessments.vocab import CommitmentKind, SectionIVRating
from piaops.assurance.models import Obligation
from piaops.audits import rating as audit_rating
from piaops.audits.models import AuditRatingDecision
from piaops.audittrail.models import AuditEntry
from piaops.reports.section4 import AUDIT, RatedItem, audit_suggestion, build, to_text
from piaops.reports.section4_export import export
from piaops.reports.services import section4_audit_decide
from piaops.tenancy.models import Party, Work
from tests.conftest import World, login
from tests.reports.test_section4_population import _audit_year
from tests.selfcheck.helpers import make_report

FY = 2026
TODAY = dt.date(2026, 12, 21)
NOW = dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
SPECIAL, SUFFICIENT, INSUFFICIENT = (
    SectionIVRating.SPECIAL_EFFORT,
    SectionIVRating.SUFFICIENT,
    SectionIVRating.INSUFFICIENT,
)


def _two_reports(world: World) -> tuple[AssessmentReport, AssessmentReport]:
    """地方税 (税政課: clean, 特に力を入れて) and 国民年金 (保険年金課: a late follow-up, 十分に行っていない); the
    municipality as a whole is 十分に行っていない over 2 works."""
    tax = _audit_year(world)
    assert isinstance(tax, AssessmentReport)
    pension = make_report(world.a, version=9)
    AssessmentReport.objects.filter(pk=pension.pk).update(series="国民年金", version=1)
    pension.refresh_from_db()
    ReportWork.objects.create(municipality=world.a, report=pension, work=Work.objects.get(name="国民年金事務"))
    return tax, pension


def _overdue_third_party_audit(world: World) -> None:
    """J-LIS's audit report, due 2026-11-30 and not sent: overdue on ``TODAY``."""
    party = Party.objects.create(municipality=world.a, name="J-LIS（監査）", kind=Party.Kind.INTERMEDIATE_SERVER)
    Obligation.objects.create(
        municipality=world.a,
        party=party,
        kind=CommitmentKind.AUDIT,
        title="監査結果の報告",
        nominal_due=dt.date(2026, 11, 30),
        next_due=dt.date(2026, 11, 30),
    )


def _audit(report: AssessmentReport) -> RatedItem:
    return next(i for i in build(report, fiscal_year=FY, today=TODAY).items if i.path == AUDIT)


def test_the_decision_keeps_the_reports_numbers_and_only_that_report_adopts_it(world: World) -> None:
    tax, pension = _two_reports(world)
    wide = audit_rating.suggest_rating(municipality=world.a, fiscal_year=FY, today=TODAY)
    assert wide.rating == INSUFFICIENT and wide.numbers["works"] == 2  # what the audits page would record
    before = AuditEntry.objects.filter(municipality=world.a).count()

    # The report's own suggestion is 特に力を入れて: choosing it needs no reason (against the wide one it would).
    d = section4_audit_decide(report=tax, fiscal_year=FY, chosen=SPECIAL, today=TODAY, by=world.admin_a)

    d.refresh_from_db()
    assert d.report == tax and d.municipality_id == world.a.pk and d.fiscal_year == FY
    assert d.suggested == SPECIAL and d.chosen == SPECIAL and d.decided_by == world.admin_a
    assert d.numbers["works"] == 1 and d.numbers["findings"] == 0 and d.numbers["audits"] == 1  # the report's
    assert {c["label"] for c in d.numbers["conditions"]} >= {"現地監査の周期を守っている", "計画した監査がすべて完了"}
    entry = AuditEntry.objects.filter(municipality=world.a).order_by("-seq").first()
    assert AuditEntry.objects.filter(municipality=world.a).count() == before + 1
    assert entry is not None and "Ⅳ-1②" in entry.summary and tax.title in entry.summary

    item = _audit(tax)
    assert item.chosen == "特に力を入れて行っている" and item.suggested == "特に力を入れて行っている"
    assert not item.note
    other = _audit(pension)
    assert other.chosen == "" and other.chosen_text == "（未決定）" and not other.note


def test_a_choice_other_than_the_reports_suggestion_needs_a_reason(world: World) -> None:
    tax, pension = _two_reports(world)
    with pytest.raises(ValidationError) as exc:
        section4_audit_decide(report=pension, fiscal_year=FY, chosen=SUFFICIENT, today=TODAY)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        section4_audit_decide(report=tax, fiscal_year=FY, chosen=INSUFFICIENT, today=TODAY)  # the wide one's
    assert not AuditRatingDecision.objects.exists()
    d = section4_audit_decide(report=pension, fiscal_year=FY, chosen=INSUFFICIENT, today=TODAY)
    assert d.suggested == INSUFFICIENT and d.numbers["findings"] == 1 and d.numbers["works"] == 1


def test_a_third_partys_overdue_obligation_is_in_the_recorded_suggestion_as_on_the_page(world: World) -> None:
    tax, _ = _two_reports(world)
    _overdue_third_party_audit(world)
    assert _audit(tax).suggested == "十分に行っていない"
    assert audit_suggestion(tax, fiscal_year=FY, today=TODAY).rating == INSUFFICIENT
    with pytest.raises(ValidationError):  # the page says 十分に行っていない: 特に needs a reason, as it reads
        section4_audit_decide(report=tax, fiscal_year=FY, chosen=SPECIAL, today=TODAY)
    d = section4_audit_decide(report=tax, fiscal_year=FY, chosen=INSUFFICIENT, today=TODAY)
    assert d.numbers["third_party_overdue"] == 1 and d.numbers["third_party_obligations"] == 1
    assert {"label": "第三者の同じ項目の義務に期限超過がない", "ok": False, "detail": "1 / 1 件超過"} in d.numbers[
        "conditions"
    ]


@time_machine.travel(NOW, tick=False)
def test_a_municipality_wide_decision_is_a_note_not_the_reports_rating(world: World) -> None:
    tax, pension = _two_reports(world)
    audit_rating.rating_decide(
        municipality=world.a, fiscal_year=FY, chosen=SUFFICIENT, reason="全体で判断", today=TODAY
    )
    for report in (tax, pension):
        item = _audit(report)
        assert item.chosen == "" and item.reason == ""
        assert item.note.startswith("団体全体の決定（令和8年12月21日）：十分に行っている。")
        assert "団体全体の数値" in item.note and "採用していません" in item.note
    s4 = build(tax, fiscal_year=FY, today=TODAY)
    text = to_text(s4)
    assert f"{AUDIT} 監査：評価は未決定です" in text and f"{AUDIT} 監査：団体全体の決定（令和8年12月21日）" in text
    sheet = load_workbook(io.BytesIO(export(s4, fmt="xlsx").content))["Ⅳ 評価"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[AUDIT][3] == "（未決定）" and "団体全体の決定" in rows[AUDIT][8]
    pdf = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=export(s4, fmt="pdf").content, capture_output=True, check=True
    ).stdout.decode()
    assert "団体全体の決定（令和8年12月21日）" in "".join(pdf.split())

    # The report's own decision replaces the note (for that report only).
    section4_audit_decide(report=tax, fiscal_year=FY, chosen=SPECIAL, today=TODAY)
    own = _audit(tax)
    assert own.chosen == "特に力を入れて行っている" and not own.note
    assert _audit(pension).note.startswith("団体全体の決定")


@time_machine.travel(NOW, tick=False)
def test_the_page_decides_for_its_report_and_the_exports_show_the_same(world: World) -> None:
    tax, pension = _two_reports(world)
    url = reverse("reports:section4_audit_rating", args=[tax.pk])
    page = reverse("reports:section4", args=[tax.pk])
    admin = login(world.admin_a)
    shown = admin.get(page, {"fy": FY}).content.decode()
    assert f'action="{url}"' in shown and 'name="chosen"' in shown and 'value="2026"' in shown

    refused = admin.post(url, {"fy": FY, "chosen": SUFFICIENT, "reason": ""})  # not the report's suggestion
    assert refused.status_code == 200 and "error-summary" in refused.content.decode()
    assert not AuditRatingDecision.objects.exists()

    done = admin.post(url, {"fy": FY, "chosen": SUFFICIENT, "reason": "往査の結果を待つ"})
    assert done.status_code == 302 and done["Location"] == f"{page}?fy={FY}"
    d = AuditRatingDecision.objects.get()
    assert d.report == tax and d.suggested == SPECIAL and d.numbers["works"] == 1 and d.decided_by == world.admin_a

    after = admin.get(page, {"fy": FY}).content.decode()
    assert "十分に行っている（理由：往査の結果を待つ）" in after
    text = admin.get(page, {"fy": FY, "format": "text"}).content.decode()  # its Ⅳ has no ② line: the notes say
    assert f"{AUDIT} 監査：年度の途中の決定です（暫定）" in text and f"{AUDIT} 監査：評価は未決定" not in text
    wb = load_workbook(io.BytesIO(admin.get(page, {"fy": FY, "format": "xlsx"}).content))
    rows = {r[0]: r for r in wb["Ⅳ 評価"].iter_rows(min_row=3, values_only=True)}
    assert rows[AUDIT][3] == "十分に行っている" and rows[AUDIT][4] == "往査の結果を待つ"
    other = admin.get(reverse("reports:section4", args=[pension.pk]), {"fy": FY, "format": "text"}).content.decode()
    assert f"{AUDIT} 監査：評価は未決定です" in other


@time_machine.travel(NOW, tick=False)
def test_only_the_municipality_wide_admin_decides_and_another_municipality_gets_404(world: World) -> None:
    tax, _ = _two_reports(world)
    url = reverse("reports:section4_audit_rating", args=[tax.pk])
    data = {"fy": FY, "chosen": SPECIAL, "reason": ""}
    for reader in (world.viewer_a, world.auditor_a, world.head_a):  # read-only here (a 所属長: not even the page)
        assert login(reader).post(url, data).status_code == 403
    assert login(world.user_b).post(url, data).status_code == 404  # B's admin: A's report does not exist for it
    assert login(world.admin_a).get(url).status_code == 405
    assert not AuditRatingDecision.objects.exists()
    page = login(world.viewer_a).get(reverse("reports:section4", args=[tax.pk]), {"fy": FY}).content.decode()
    assert "section4/audit-rating" not in page and "この評価書のⅣ-1②の決定の記録" in page  # no form, the record


@time_machine.travel(NOW, tick=False)
def test_the_audits_page_lists_only_the_municipality_wide_decisions(world: World) -> None:
    tax, _ = _two_reports(world)
    section4_audit_decide(report=tax, fiscal_year=FY, chosen=SUFFICIENT, reason="評価書ごとの理由", today=TODAY)
    page = login(world.admin_a).get(reverse("audits:rating", args=[FY])).content.decode()
    assert "評価書ごとの理由" not in page and "まだ決定されていません" in page


@time_machine.travel(NOW, tick=False)
def test_the_page_says_when_the_numbers_a_decision_rested_on_have_changed(world: World) -> None:
    tax, _ = _two_reports(world)
    section4_audit_decide(report=tax, fiscal_year=FY, chosen=SPECIAL, today=TODAY)
    assert not _audit(tax).note  # decided on today's numbers: nothing to say

    # Then a third party's audit report falls overdue: the suggestion the decision rested on no longer holds.
    _overdue_third_party_audit(world)
    item = _audit(tax)
    assert item.chosen == "特に力を入れて行っている"  # still the recorded decision, with the warning beside it
    assert item.note.startswith("この評価書の決定（令和8年12月21日）の後に根拠が変わりました：")
    assert "提案「特に力を入れて行っている」→「十分に行っていない」" in item.note
    assert "第三者の同じ項目の義務に期限超過がない：（なし） → × 1 / 1 件超過" in item.note
    page = login(world.admin_a).get(reverse("reports:section4", args=[tax.pk]), {"fy": FY}).content.decode()
    assert "改めて決定してください" in page

    # A new decision on the new numbers clears it.
    section4_audit_decide(report=tax, fiscal_year=FY, chosen=INSUFFICIENT, today=TODAY)
    assert not _audit(tax).note
