"""The assessment-report parser (pure: no database, no models).

- ``decode_report(data) -> (text, encoding)``: UTF-8 (with or without BOM) or CP932 bytes → text.
- ``parse_report(text) -> ParsedReport``: the markdown/HTML form of a report or text extracted from its PDF →
  sections (all kept), rated items of Ⅲ and Ⅳ, measure blocks per party, commitments (kind + cadence + lines).
- ``render_text(report) -> str``: the report back as markdown text that parses to the same structure.

Stages, one module each: ``decoding`` → ``normalize`` (characters, noise, pieces) → ``structure`` (sections,
items, ratings, blocks; ``cover`` for the 表紙 fields) → ``commitments`` (promises, kinds, cadences, parties);
``render`` goes the other way. Every failure to recognise a report raises ``ReportParseError`` (Japanese);
damage inside a report becomes ``ParseWarning``s.
"""

from __future__ import annotations

from piaops.assessments.parsed import ReportParseError
from piaops.assessments.parser.decoding import decode_report
from piaops.assessments.parser.render import render_text
from piaops.assessments.parser.structure import parse_report

__all__ = ["ReportParseError", "decode_report", "parse_report", "render_text"]
