"""Text → *pieces*: cleaned, noise-free fragments of one kind each, with their 1-based source line.

Both input forms end up as the same piece stream:

- the markdown/HTML form (``| label | <p>…</p> <p>…</p> |`` table rows, ``#`` headings, free text), where the
  first cell of a row is a *label* piece and each ``<p>`` paragraph is split further;
- plain text extracted from PDFs, where page footers are dropped, a label column wrapped into the body is put
  back together, and lines are split at party markers, ``<選択肢>``, choice numbers and rating brackets.

Characters are normalised once here (full-width ASCII, digits and spaces, half-width katakana, U+2212 in
numbering, ``,`` between Japanese characters) so that later stages match on one spelling.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from piaops.assessments.vocab import SectionIIIRating, SectionIVRating

LABEL = "label"
TEXT = "text"


@dataclass
class Piece:
    line: int
    text: str
    kind: str = TEXT  # LABEL: a table's label cell or a known label; TEXT: anything else
    # Whether a space separated this piece from the one before it on the same line (or paragraph): joining
    # pieces back puts it back, so "1) 行っている 2) 行っていない" stays as written.
    spaced: bool = False
    in_table: bool = False  # from a markdown table row (its cells keep a rating together on one line)


# --- characters -------------------------------------------------------------------------------------------------

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2212: 0x2D, 0xFE63: 0x2D, 0x2010: 0x2D, 0x2011: 0x2D})
# Zero-width characters and the BOM are dropped; other controls become spaces.
_DROP = {0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None, 0x00AD: None}
_TABLE = {**_FULLWIDTH, **_DROP}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]+")
_SPACES = re.compile(r"\s+")
# A dash between a section numeral or digit and a number is a numbering separator ("Ⅳ−1 ②", "Ⅲ–3").
_NUMBER_DASH = re.compile(r"(?<=[ⅠⅡⅢⅣⅤⅥ0-9])\s*[-–—―]\s*(?=[0-9①-⑳])")
_CJK = r"\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
# docsplayer-style extractions write "," for "、" between Japanese words.
_COMMA = re.compile(rf"(?<=[{_CJK}]),(?=[{_CJK}])")
_ROMAN_ASCII = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ", "VI": "Ⅵ"}


def clean(text: str) -> str:
    """One line of text in the spelling the parser matches on (also used on whole strings)."""
    text = _CONTROL.sub(" ", text.translate(_TABLE))
    if _HALFWIDTH_KANA.search(text):
        text = _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _SPACES.sub(" ", text).strip()
    text = _NUMBER_DASH.sub("-", text)
    return _COMMA.sub("、", text)


def compact(text: str) -> str:
    """``text`` without any whitespace: for comparing labels that extraction may have spaced out."""
    return "".join(text.split())


def smart_join(parts: list[str]) -> str:
    """Join wrapped fragments: no space between Japanese fragments, one space between Latin words."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and (out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum()):
            out += " "
        out += part
    return out


# --- noise -------------------------------------------------------------------------------------------------------

_FOOTER = re.compile(
    r"^(?:\d{1,4}\s*/\s*\d{1,4}(?:\s*(?:ページ|頁))?|[-‐]\s*\d{1,4}\s*[-‐]|\d{1,4}\s*(?:ページ|頁)|(?:P|p|ページ)\.?\s*\d{1,4})$"
)


def is_footer(line: str) -> bool:
    return bool(_FOOTER.match(line))


def drop_noise(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Remove page footers and the short running lines (department names…) printed next to them on every page."""
    footer_at = {i for i, (_, text) in enumerate(lines) if is_footer(text)}
    if not footer_at:
        return lines
    near = Counter(
        lines[j][1]
        for i in footer_at
        for j in (i - 1, i + 1)
        if 0 <= j < len(lines) and j not in footer_at and len(lines[j][1]) <= 40
    )
    # Printed next to a footer on at least three pages, and (almost) nowhere else: repeated content such as
    # "<札幌市における措置>" or "<選択肢>" is next to a footer now and then but mostly elsewhere.
    total = Counter(text for _, text in lines)
    running = {text for text, count in near.items() if count >= 3 and count * 10 >= total[text] * 9}
    return [(no, text) for i, (no, text) in enumerate(lines) if i not in footer_at and text not in running]


# --- labels --------------------------------------------------------------------------------------------------------

# Labels of the 様式's left column that the parser must recognise even in plain text (compared without spaces).
FIELD_LABELS = ("具体的なチェック方法", "具体的な内容", "具体的な方法")
TRAINING_TITLES = ("従業者に対する教育・啓発", "従業員に対する教育・啓発", "職員に対する教育・啓発")
ROW_LABELS = ("自己点検", "監査", *TRAINING_TITLES, "その他のリスク対策", "リスクへの対策は十分か")
_NUMBERED_LABELS = (
    "①自己点検",
    "②監査",
    "1.監査",
    "3.その他のリスク対策",
    *(f"2.{t}" for t in TRAINING_TITLES),
)
KNOWN_LABELS = frozenset(compact(x) for x in (*FIELD_LABELS, *ROW_LABELS, *_NUMBERED_LABELS))
# Every proper beginning of a known label: only a line starting with one can be a wrapped label.
_LABEL_STARTS = frozenset(label[:n] for label in KNOWN_LABELS for n in range(1, len(label)))
_LABEL_PATTERN = re.compile(r"^(?:具体的な\S{1,8}|[^。<>【】\[\]]{2,50}(?:措置の内容|の内容|の方法))$")
_LEADING_LABEL = re.compile(
    "^("
    + "|".join(
        re.escape(x) for x in sorted((*FIELD_LABELS, *TRAINING_TITLES, "リスクへの対策は十分か"), key=len, reverse=True)
    )
    + r") (?=\S)"
)


def is_label_text(text: str) -> bool:
    if len(text) > 70 or "。" in text:
        return False  # a sentence is never a label (and most lines are sentences)
    return compact(text) in KNOWN_LABELS or bool(_LABEL_PATTERN.match(text))


def _first_token(text: str) -> tuple[str, str]:
    head, _, rest = text.partition(" ")
    return head, rest


def unwrap_labels(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Put back a label column that extraction wrapped over 2–3 lines, each piece at the start of a body line.

    ``具体的なチェッ <札幌市における措置> 札幌市で…`` / ``ク方法 査の際に…`` → ``具体的なチェック方法`` +
    ``<札幌市における措置> 札幌市で…`` + ``査の際に…``.
    """
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        no, text = lines[i]
        head, _ = _first_token(text)
        joined = False
        if head in _LABEL_STARTS and not text.startswith(("|", "<", "【", "[")):
            for k in (2, 3):
                if i + k > len(lines):
                    break
                heads = [_first_token(lines[i + j][1])[0] for j in range(k)]
                if compact("".join(heads)) in KNOWN_LABELS and all(heads):
                    out.append((no, "".join(heads)))
                    for j in range(k):
                        rest = _first_token(lines[i + j][1])[1]
                        if rest:
                            out.append((lines[i + j][0], rest))
                    i += k
                    joined = True
                    break
        if not joined:
            out.append((no, text))
            i += 1
    return out


# --- splitting -----------------------------------------------------------------------------------------------------

MARKER = re.compile(
    r"<\s*([^<>]{1,40}?(?:における|での|の)措置)\s*>|【\s*([^【】]{1,40}?(?:における|での|の)措置)\s*】"
)
CHOICES_MARK = re.compile(r"<\s*選択肢\s*>")
_SPECIAL = re.compile(r"[<【\[\]]|\d\)")  # what _split_body splits at; most lines have none
_CHOICE_START = re.compile(r"(?:(?<=\s)|^)(?=\d{1,2}\)\s*\S)")
HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|strong|b|em|i|u|td|tr|th|table|tbody|thead|ul|ol|li|font|sup|sub|hr)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_PARAGRAPH_BREAK = re.compile(r"</p>|<br\s*/?>|</li>|</div>", re.IGNORECASE)
_TABLE_SEPARATOR = re.compile(r"^:?-{2,}:?$")
_MD_HEADING = re.compile(r"^#{1,6}\s*")


def _split_body(text: str) -> list[str]:
    """One run of body text → fragments, each a marker, ``<選択肢>``, a choice, a bracket part, or plain text."""
    if not _SPECIAL.search(text):
        return [text.strip()] if text.strip() else []
    out: list[str] = []
    pos = 0
    for m in MARKER.finditer(text):
        out.extend(_split_rating(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.extend(_split_rating(text[pos:]))
    return [x for x in (s.strip() for s in out) if x]


def _split_rating(text: str) -> list[str]:
    out: list[str] = []
    parts = CHOICES_MARK.split(text)
    for n, part in enumerate(parts):
        if n:
            out.append("<選択肢>")
        if n or re.match(r"\s*\d{1,2}\)", part):
            out.extend(_CHOICE_START.split(part))
        else:
            out.extend(_split_brackets(part))
    return out


# The rating values of the 様式 (Ⅲ and Ⅳ), longest first: a bracket that lost its "]" ends after one of them.
_RATING_VALUES = sorted((str(c.label) for c in (*SectionIVRating, *SectionIIIRating)), key=len, reverse=True)


def _split_brackets(text: str) -> list[str]:
    if "[" not in text and "]" not in text:
        return [text]
    # "①自己点検 [ 十分に行っている" → "①自己点検", "[ 十分に行っている"; "…] 具体的な" → "…]", "具体的な"
    out: list[str] = []
    for chunk in re.split(r"(?=\[)", text):
        close = chunk.find("]")
        if close >= 0:
            out.extend([chunk[: close + 1], chunk[close + 1 :]])
            continue
        # "[十分に行っている 毎年自己点検を行う。": the "]" was lost; the value ends after the rating.
        inner = chunk[1:].lstrip() if chunk.startswith("[") else ""
        value = next((v for v in _RATING_VALUES if inner.startswith(v) and inner[len(v) :].strip()), "")
        if value:
            out.extend([f"[{value}", inner[len(value) :]])
        else:
            out.append(chunk)
    return out


def _label_or_text(line: int, fragment: str) -> list[Piece]:
    # A stray "|" (a table row broken over lines) is never content.
    fragment = fragment.strip(" |")
    if not fragment:
        return []
    if is_label_text(fragment):
        return [Piece(line, fragment, LABEL)]
    m = _LEADING_LABEL.match(fragment)
    if m:
        return [Piece(line, m.group(1), LABEL), Piece(line, fragment[m.end() :])]
    return [Piece(line, fragment)]


def strip_markup(text: str) -> str:
    """``text`` (already ``clean``) without HTML tags, entities and markdown emphasis."""
    if "<" not in text and "&" not in text and "**" not in text and "__" not in text:
        return text
    text = HTML_TAG.sub(" ", text)
    return clean(html.unescape(text).replace("**", "").replace("__", ""))


def table_cells(text: str) -> list[str] | None:
    """The cells of a markdown table row; a row that lost its first or last "|" (wrapped) still counts."""
    if text.count("|") < 2 or not (text.startswith("|") or text.endswith("|")):
        return None
    inner = text[1:] if text.startswith("|") else text
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip() for c in inner.split("|")]


_OPEN_AT_END = re.compile(r"[<【][^<>【】]{0,40}$")


def merge_broken_markers(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join a line ending inside a ``<…における措置>``/``【…】``/``<選択肢>`` marker with the next line."""
    out: list[tuple[int, str]] = []
    for no, text in lines:
        if out:
            prev_no, prev = out[-1]
            tail = _OPEN_AT_END.search(prev)
            if tail and (MARKER.match(tail.group() + text) or CHOICES_MARK.match(tail.group() + text)):
                out[-1] = (prev_no, prev + text)
                continue
        out.append((no, text))
    return out


def to_pieces(text: str) -> list[Piece]:
    """The whole input → pieces in source order (see module docstring)."""
    raw = re.split(r"\r\n|\r|\n", text)
    lines = [(no, clean(line)) for no, line in enumerate(raw, start=1)]
    lines = drop_noise([(no, line) for no, line in lines if line])
    lines = unwrap_labels(merge_broken_markers(lines))
    pieces: list[Piece] = []
    for no, line in lines:
        cells = table_cells(line)
        if cells is not None:
            if all(_TABLE_SEPARATOR.match(c) or not c for c in cells):
                continue
            label = strip_markup(cells[0]).strip(" |")
            if label:
                pieces.append(Piece(no, label, LABEL, in_table=True))
            for cell in cells[1:]:
                for paragraph in _PARAGRAPH_BREAK.split(cell):
                    for piece in _paragraph_pieces(no, strip_markup(paragraph)):
                        piece.in_table = True
                        pieces.append(piece)
            continue
        line = _MD_HEADING.sub("", line) if line.startswith("#") else line
        pieces.extend(_paragraph_pieces(no, strip_markup(line)))
    return [p for p in pieces if p.text]


def _paragraph_pieces(line: int, paragraph: str) -> list[Piece]:
    out: list[Piece] = []
    pos = 0
    for fragment in _split_body(paragraph):
        found = paragraph.find(fragment, pos)
        spaced = found > 0 and paragraph[found - 1] == " "
        pos = found + len(fragment) if found >= 0 else pos
        for n, piece in enumerate(_label_or_text(line, fragment)):
            piece.spaced = spaced if n == 0 else True
            out.append(piece)
    return out


def roman(numeral: str) -> str:
    """ASCII Roman numerals of section headings ("IV") → the 様式's characters ("Ⅳ")."""
    return _ROMAN_ASCII.get(numeral, numeral)
