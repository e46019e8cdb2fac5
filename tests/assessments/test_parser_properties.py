"""Property-based: random and mutated text never makes the parser fail with anything but ReportParseError, and the
import of a mutated report saves all of what was parsed or nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from piaops.assessments.models import AssessmentReport, Commitment, Item, MeasureBlock, ReportWork, Section
from piaops.assessments.parsed import ParsedReport, ReportParseError
from piaops.assessments.parser import decode_report, parse_report, render_text
from piaops.assessments.services import ReportImportError, report_import, report_read
from piaops.assessments.vocab import CommitmentKind
from piaops.audittrail.models import AuditEntry
from piaops.lib import cadence as cadence_grammar
from piaops.lib.mynumber import contains_my_number
from piaops.tenancy.models import Work
from tests import factories as f
from tests.assessments.parser_support import fixture_text, reference_text, structure
from tests.conftest import World

SOURCES = [
    reference_text().splitlines(),
    fixture_text("sapporo_section_iv_pdf.txt").splitlines(),
    fixture_text("section_iii.md").splitlines(),
    fixture_text("section_iii_pdf.txt").splitlines(),
]
# Fragments that matter to the parser, to inject where they do most harm.
NOISE = [
    "1 / 72",
    "2 / 69 ページ",
    "財政局税政部",
    "[",
    "]",
    "[ 十分に行っている",
    "<選択肢>",
    "1) 特に力を入れて行っている",
    "3) 十分に行っていない",
    "<札幌市における措置>",
    "【ガバメントクラウドにおける措置】",
    "具体的な",
    "方法",
    "Ⅳ その他のリスク対策",
    "Ⅲ 特定個人情報ファイルの取扱いプロセスにおけるリスク対策",
    "1.監査",
    "①自己点検",
    "リスク1:",
    "| | |",
    "|---|---|",
    "<p>",
    "①",
    "1 ",
    "。",
    "(",
    ")",
    "・",
    "\u3000",
    "Ⅳ−1 ②",
    "\x00",
    "\ufeff",
    "ﾃｽﾄ",
]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> ParsedReport | None:
    try:
        report = parse_report(text)
    except ReportParseError as error:
        assert error.message
        return None
    line_count = len(text.splitlines()) + 1
    paths = [i.number_path for i in report.items()]
    assert len(paths) == len(set(paths))
    for item in report.items():
        # Within the columns the import writes them to (assessments.models.Item).
        assert len(item.number_path) <= 50 and len(item.title) <= 300 and len(item.selected) <= 100
        assert 1 <= item.span.start_line <= item.span.end_line <= line_count
        for block in item.blocks:
            for c in block.commitments:
                assert c.text
                assert c.kind in CommitmentKind.values
                assert c.cadence == "" or cadence_grammar.is_value(c.cadence)
                assert 1 <= c.span.start_line <= c.span.end_line <= line_count
    for warning in report.warnings:
        assert 1 <= warning.line <= line_count
    return report


LINE_OPS = ["delete", "duplicate", "swap", "inject"]
ALL_OPS = [*LINE_OPS, "splice", "cut", "shuffle"]


@st.composite
def mutated(draw: st.DrawFn, ops: list[str] = ALL_OPS) -> str:
    """A fixture with lines deleted, duplicated, swapped or injected (noise), and with ``ALL_OPS`` also noise
    spliced into lines, lines cut in two and the whole text shuffled."""
    lines = list(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(ops))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "inject":
            lines.insert(i, draw(st.sampled_from(NOISE)))
        elif op == "splice":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(NOISE)) + lines[i][at:]
        elif op == "cut":
            at = draw(st.integers(0, len(lines[i])))
            lines[i : i + 1] = [lines[i][:at], lines[i][at:]]
    if "shuffle" in ops and draw(st.booleans()):
        lines = draw(st.permutations(lines))
    return "\n".join(lines)


@SETTINGS
@given(st.text())
def test_random_text_never_crashes_the_parser(text: str) -> None:
    _check(text)


@SETTINGS
@given(st.lists(st.sampled_from(NOISE) | st.text(max_size=20), max_size=40))
def test_random_report_like_fragments_never_crash_the_parser(parts: list[str]) -> None:
    _check("\n".join(parts))
    _check(" ".join(parts))


@SETTINGS
@given(mutated())
def test_mutated_reports_parse_or_are_refused_cleanly(text: str) -> None:
    _check(text)


# Round trips are promised for reports damaged line by line (lost, repeated, swapped or foreign lines); text
# shredded inside lines can be read in more than one way, so it is only required not to crash (above).
@settings(SETTINGS, derandomize=True)
@given(mutated(LINE_OPS))
def test_a_report_damaged_line_by_line_round_trips_through_the_text_export(text: str) -> None:
    report = _check(text)
    if report is not None:
        again = _check(render_text(report))
        assert again is not None
        assert structure(again) == structure(report)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_are_decoded_or_refused_cleanly(data: bytes) -> None:
    try:
        text, encoding = decode_report(data)
    except ReportParseError as error:
        assert error.message
    else:
        assert encoding in {"utf-8", "utf-8-sig", "cp932"}
        _check(text)


# ---- the import itself: a mutated report is saved whole (what was parsed) or refused with nothing saved ----------

IMPORT_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
TABLES = (AssessmentReport, ReportWork, Section, Item, MeasureBlock, Commitment, AuditEntry)


@pytest.fixture
def work(world: World) -> Work:
    return f.work(world.a, units=(world.tax_a,))


def _saved() -> tuple[int, ...]:
    """Row counts of everything an import writes, and how many reports are the current version."""
    current = AssessmentReport.objects.filter(status=AssessmentReport.Status.DRAFT).count()
    return (*(model.objects.count() for model in TABLES), current)


@IMPORT_SETTINGS
@given(text=mutated(), encoding=st.sampled_from(["utf-8", "cp932"]))
def test_a_mutated_report_is_saved_whole_or_refused_with_nothing_saved(
    world: World, work: Work, text: str, encoding: str
) -> None:
    data = text.encode(encoding, errors="replace")
    before = _saved()
    try:
        expected: ParsedReport | None = report_read(data=data, filename="report.md").parsed
    except ReportImportError:
        expected = None
    try:
        report = report_import(municipality=world.a, works=[work], data=data, filename="report.md", user=None)
    except ReportImportError as error:
        event("refused")
        assert error.message.strip() and not contains_my_number(error.message)
        assert _saved() == before  # no report, no row of it, no 旧版 mark, no audit entry
        return
    event("saved")
    assert expected is not None, "the import saved a file the reader refuses"
    stored = [(i.number_path, i.title, i.selected_choice) for i in report.items.order_by("order")]
    assert stored == [(i.number_path, i.title, i.selected) for i in expected.items()]
    commitments = [c.text for c in report.commitments.order_by("item__order", "order")]
    assert commitments == [c.text for i in expected.items() for b in i.blocks for c in b.commitments]
    assert AssessmentReport.objects.count() == before[0] + 1
    assert Commitment.objects.count() == before[TABLES.index(Commitment)] + len(commitments)
    assert AuditEntry.objects.filter(object_id=str(report.pk)).exists()
