"""The text export reads back as the same report."""

from __future__ import annotations

import pytest

from piaops.assessments.parser import parse_report, render_text
from tests.assessments.parser_support import fixture_text, reference_text, structure

pytestmark = pytest.mark.engine_independent


def test_the_reference_round_trips_through_the_text_export() -> None:
    first = parse_report(reference_text())
    exported = render_text(first)
    second = parse_report(exported)
    assert structure(second) == structure(first)
    assert second.warnings == []
    # The export is in the report's own markdown form and is stable.
    assert "| ①自己点検 | <p>[十分に行っている] <選択肢> 1) 特に力を入れて行っている" in exported
    assert render_text(second) == exported


def test_a_pdf_extraction_round_trips_with_its_cover_and_change_log() -> None:
    first = parse_report(fixture_text("sapporo_section_iv_pdf.txt"))
    second = parse_report(render_text(first))
    assert structure(second) == structure(first)
    assert [(s.number, s.text) for s in second.sections if not s.items] == [
        (s.number, s.text) for s in first.sections if not s.items
    ]
    cover = ("title", "report_number", "work_name", "form_version", "tier", "published_on", "approved_on")
    assert [getattr(second, f) for f in cover] == [getattr(first, f) for f in cover]


def test_block_texts_and_field_labels_survive_the_round_trip() -> None:
    first = parse_report(reference_text())
    second = parse_report(render_text(first))
    assert [(b.party_label, b.field_label, b.text) for i in second.items() for b in i.blocks] == [
        (b.party_label, b.field_label, b.text) for i in first.items() for b in i.blocks
    ]
