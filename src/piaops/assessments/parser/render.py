"""``ParsedReport`` → text in the report's own markdown form (the reference file's form).

Rated items are table rows (``| label | <p>…</p> |``), each party's measures a ``<p><party> …</p>`` paragraph;
unrated items (Ⅳ-3) are free text with ``<party>`` lines; labelled fields (Ⅰ/Ⅱ/Ⅴ/Ⅵ) are table rows under their
group's row; other sections without items are their text. Parsing the result gives the same sections, item paths,
titles, ratings, parties, commitments and fields.
"""

from __future__ import annotations

import re

from piaops.assessments.parsed import ParsedField, ParsedItem, ParsedMeasureBlock, ParsedReport, ParsedSection
from piaops.assessments.parser.normalize import HTML_TAG
from piaops.assessments.parser.structure import COVER


def render_cell(text: str) -> str:
    return _literal(text).replace("|", "&#124;")


def _literal(text: str) -> str:
    """Text whose HTML-looking tags ("<p>" left in a damaged extraction) must stay text when read back."""
    return HTML_TAG.sub(lambda m: "&lt;" + m.group()[1:], text)


def render_free(text: str) -> str:
    """A free-text line that must not read as a table row or a markdown heading."""
    text = _literal(text)
    if text.startswith(("|", "#")):
        return f"&#{ord(text[0])};{text[1:]}"
    return text


def _free_form(item: ParsedItem) -> bool:
    """Whether free text (as Ⅳ-3 is written) can say what the blocks say: no field labels, and text of no
    party only before the first party."""
    if any(b.field_label for b in item.blocks):
        return False
    return all(b.party_label for b in item.blocks[1:])


def _paragraph(block: ParsedMeasureBlock) -> str:
    marker = f"<{block.party_label}> " if block.party_label else ""
    return f"<p>{marker}{render_cell(block.text)}</p>"


def _rating_cell(item: ParsedItem) -> str:
    choices = " ".join(f"{n}) {render_cell(c)}" for n, c in enumerate(item.choices, start=1))
    return f"<p>[{render_cell(item.selected)}] <選択肢> {choices}</p>"


def _rated(item: ParsedItem) -> bool:
    return bool(item.choices or item.selected)


def _number(item: ParsedItem) -> str:
    """The item's own heading: "①自己点検", "2. 従業員に対する教育・啓発", "リスク1: …"."""
    last = item.number_path.rsplit("-", 1)[-1]
    if last.startswith("リスク"):
        return f"{last}: {item.title}"
    if last == "その他":
        return item.title
    if last.isascii() and last.isdigit():
        return f"{last}. {item.title}"
    return f"{last}{item.title}"


def _block_rows(blocks: list[ParsedMeasureBlock]) -> list[str]:
    rows: list[str] = []
    group: list[ParsedMeasureBlock] = []
    for block in [*blocks, None]:
        # Text of no party can only open a row: after another paragraph it would read as that party's text.
        if group and (block is None or block.field_label != group[0].field_label or not block.party_label):
            rows.append(f"| {render_cell(group[0].field_label)} | {' '.join(_paragraph(b) for b in group)} |")
            group = []
        if block is not None:
            group.append(block)
    return rows


def _table(section: ParsedSection) -> list[str]:
    out: list[str] = []
    table_open = False
    group_seen = ""
    items = section.items
    for n, item in enumerate(items):
        if item.parent_path:
            continue  # a sub-rating: rendered inside its parent's rows
        rows: list[str] = []
        depth = item.number_path.count("-")
        if depth >= 2 and item.group_title and item.group_title != group_seen:
            group_number = item.number_path.split("-")[1]
            rows.append(f"| {group_number}. {render_cell(item.group_title)} | |")
        group_seen = item.group_title if depth >= 2 else item.title
        if not _rated(item) and item.number_path.startswith("Ⅳ") and _free_form(item):
            if table_open:
                out.append("")
                table_open = False
            out.extend(rows)
            out.extend(["", _number(item), ""])
            for block in item.blocks:
                if block.party_label:
                    out.extend([f"<{block.party_label}>", ""])
                out.extend([render_free(block.text), ""])
            continue
        subs = [s for s in items[n + 1 :] if s.parent_path == item.number_path]
        rating_rows = [f"| {render_cell(item.question or item.title)} | {_rating_cell(item)} |"] if _rated(item) else []
        if _rated(item) and item.question in ("", item.title) and not _number(item)[0].isascii():
            # "| ①自己点検 | <p>[…] <選択肢> …</p> |": heading and rating share one row, as in the 様式.
            rows.append(f"| {render_cell(_number(item))} | {_rating_cell(item)} |")
            rating_rows = rating_rows[1:]
        else:
            rows.append(f"| {render_cell(_number(item))} | |")
        rating_rows += [f"| {render_cell(s.question)} | {_rating_cell(s)} |" for s in subs]
        body = _block_rows(item.blocks)
        # Section Ⅳ puts the rating before the text, Section Ⅲ after it.
        rows += (rating_rows + body) if item.number_path.startswith("Ⅳ") else (body + rating_rows)
        if not table_open:
            out.append("")
            out.append(rows[0])
            out.append("|---|---|")
            rows = rows[1:]
            table_open = True
        out.extend(rows)
    return out


def _field_rows(fields: list[ParsedField]) -> list[str]:
    """Fields as table rows, each group opened by its own row ("| 1. 基礎項目評価 | |") as the 様式 has it; a field
    that is its group's own row ("| 委託事項1 | …", "| 1. 特定個人情報ファイル名 | …") stays one row."""
    rows: list[str] = []
    group = ""
    for f in fields:
        own_row = f.group == f.label or re.sub(r"^[1-9][0-9]?\s*[.、]\s*", "", f.group) == f.label
        if f.group and f.group != group and not own_row:
            rows.append(f"| {render_cell(f.group)} | |")
        group = f.group
        value = render_cell(f.value)
        if f.choices:
            listed = " ".join(f"{n}) {render_cell(c)}" for n, c in enumerate(f.choices, start=1))
            value = f"[{value}] <選択肢> {listed}"
        rows.append(f"| {render_cell(f.group if own_row else f.label)} | <p>{value}</p> |")
    if rows:
        rows.insert(1, "|---|---|")
    return rows


def render_text(report: ParsedReport) -> str:
    """The text export of ``report`` (markdown form); see the module docstring."""
    out: list[str] = []
    if report.title and not any(s.number == COVER for s in report.sections):
        out.extend([f"# {report.title}", ""])
    for section in report.sections:
        if section.number == COVER:
            out.extend([section.text, ""])
            continue
        number = f"({section.number})" if section.number.startswith("別添") else section.number
        out.append(f"{number} {section.title}")
        fields = [f for f in report.fields if f.section == section.number]
        if section.items:
            out.extend(_table(section))
        elif fields:
            out.extend(["", *_field_rows(fields)])
        elif section.text:
            out.extend(["", section.text])
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
