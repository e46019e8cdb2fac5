"""重点項目評価書 and 基礎項目評価書 are read with their own リスク対策 structure, short ratings included (§2)."""

from __future__ import annotations

import pytest

from piaops.assessments.parser import parse_report, render_text
from piaops.assessments.vocab import Tier
from tests.assessments.parser_support import fixture_text, structure

pytestmark = pytest.mark.engine_independent


def _items(name: str) -> list[tuple[str, str, str]]:
    return [(i.number_path, i.question, i.selected) for i in parse_report(fixture_text(name)).items()]


def test_the_focused_report_reads_risks_audit_training_and_other_measures_in_its_section_iii() -> None:
    report = parse_report(fixture_text("focused_section_iii.md"))
    assert (report.tier, report.business_name) == (Tier.FOCUSED, "児童手当の支給に関する事務")
    assert [s.number for s in report.sections] == ["表紙", "Ⅰ", "Ⅲ", "Ⅳ"]
    assert _items("focused_section_iii.md") == [
        ("Ⅲ-2-リスク1", "リスクへの対策は十分か", "十分である"),
        ("Ⅲ-8-①", "自己点検", "十分に行っている"),
        ("Ⅲ-9", "従業者に対する教育・啓発", "特に力を入れて行っている"),
        ("Ⅲ-10", "", ""),
    ]
    commitments = {(c.text, c.kind, tuple(c.cadences)) for c in report.commitments()}
    assert ("毎年度、自己点検票により確認する。", "self_inspection", ("annual",)) in commitments
    assert ("新規配属職員に対し、初任時に研修を実施する。", "training", ("initial",)) in commitments
    assert report.warnings == []


def test_the_basic_report_reads_its_short_ratings_in_section_iv() -> None:
    report = parse_report(fixture_text("basic_section_iv.md"))
    assert report.tier == Tier.BASIC
    assert _items("basic_section_iv.md") == [
        ("Ⅳ-2", "目的外の入手が行われるリスクへの対策は十分か", "十分である"),
        ("Ⅳ-4", "委託先における不正な使用等のリスクへの対策は十分か", "課題が残されている"),
        ("Ⅳ-10", "従業者に対する教育・啓発", "十分に行っている"),
        ("Ⅳ-11", "", ""),
    ]
    assert [(c.text, c.cadence) for c in report.commitments()] == [
        ("委託先に対し、年1回、立入検査を実施する。", "annual")
    ]
    assert report.warnings == []


def test_both_tiers_round_trip_through_the_text_export() -> None:
    for name in ("focused_section_iii.md", "basic_section_iv.md"):
        first = parse_report(fixture_text(name))
        assert structure(parse_report(render_text(first))) == structure(first)
