"""The text export reads back as the same report."""

from __future__ import annotations

from piaops.assessments.parser import parse_report, render_text
from tests.assessments.parser_support import reference_text, structure


def test_the_reference_round_trips_through_the_text_export() -> None:
    first = parse_report(reference_text())
    exported = render_text(first)
    second = parse_report(exported)
    assert structure(second) == structure(first)
    assert second.warnings == []
    # The export is in the report's own markdown form and is stable.
    assert "| ①自己点検 | <p>[十分に行っている] <選択肢> 1) 特に力を入れて行っている" in exported
    assert render_text(second) == exported
