"""別添3 変更箇所 (別添2 in a 重点項目評価書) → one ``ParsedChange`` per row: 変更日, 項目, 変更前の記載, 変更後の記載,
提出時期 (事前/事後), 提出時期に係る説明. Rows are read from the section's own lines: a table row keeps its columns;
a plain text line (a PDF extraction without the table) gives its date, timing and explanation, and the rest as the
item."""

from __future__ import annotations

import re

from piaops.assessments.parsed import ParsedChange, ParsedSection
from piaops.assessments.parser.cover import parse_date
from piaops.assessments.parser.normalize import clean, strip_markup, table_cells

_TIMING = re.compile(r"\s(事前|事後)(?:\s+(.*))?$")
_LEADING_DATE = re.compile(
    r"^(?:(?:令和|平成)\s*(?:\d{1,2}|元)|\d{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|^\d{4}-\d{1,2}-\d{1,2}"
)


def is_change_section(section: ParsedSection) -> bool:
    return section.number.startswith("別添") and "変更箇所" in section.title.replace(" ", "")


def read_changes(lines: list[str], section: ParsedSection) -> list[ParsedChange]:
    """The rows of ``section`` (``lines``: the whole input, so the section's span indexes it)."""
    out: list[ParsedChange] = []
    for no in range(section.span.start_line, min(section.span.end_line, len(lines)) + 1):
        raw = clean(lines[no - 1])
        cells = table_cells(raw)
        if cells is not None and len(cells) >= 6:
            values = [strip_markup(c) for c in cells]
            day = parse_date(values[0])
            if day:
                out.append(ParsedChange(no, day, *values[1:6]))
            continue
        m = _LEADING_DATE.match(raw)
        timing = _TIMING.search(raw)
        if m and timing:
            day = parse_date(m.group())
            middle = raw[m.end() : timing.start()].strip()
            if day:
                out.append(ParsedChange(no, day, middle, timing=timing.group(1), explanation=timing.group(2) or ""))
    return out
