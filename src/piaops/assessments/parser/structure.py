"""Pieces → report structure: sections, rated items (Ⅲ and Ⅳ), measure blocks per party, commitments.

Every section found is kept (its text, even when items are parsed from it). Damage never stops the parse: a
missing rating, an unknown choice or a repeated item becomes a ``ParseWarning`` with its line, and the rest of
the report is read as usual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from piaops.assessments.parsed import (
    ParsedField,
    ParsedItem,
    ParsedMeasureBlock,
    ParsedReport,
    ParsedSection,
    ParseWarning,
    ReportParseError,
    Span,
)
from piaops.assessments.parser import commitments
from piaops.assessments.parser.changes import is_change_section, read_changes
from piaops.assessments.parser.cover import read_cover
from piaops.assessments.parser.fields import is_field_section, read_fields
from piaops.assessments.parser.normalize import (
    LABEL,
    MARKER,
    TRAINING_TITLES,
    Piece,
    compact,
    roman,
    smart_join,
    to_pieces,
)
from piaops.assessments.vocab import SectionIIIRating, SectionIVRating

SECTION_IV = "IV"
SECTION_III = "III"
# リスク対策 of the 重点項目評価書 (Ⅲ) and the 基礎項目評価書 (Ⅳ): numbered items with short ratings.
SECTION_TIERED = "tiered"

# Known section titles (compared without spaces, as prefixes) and how their items are read.
SECTION_TITLES: list[tuple[str, str]] = [
    ("その他のリスク対策", SECTION_IV),
    ("特定個人情報ファイルの取扱いプロセスにおけるリスク対策", SECTION_III),
    ("基本情報", ""),
    ("関連情報", ""),
    ("特定個人情報ファイルの概要", ""),
    ("しきい値判断項目", ""),
    ("しきい値判断結果", ""),
    ("リスク対策", SECTION_TIERED),
    ("開示請求、問合せ", ""),
    ("開示請求,問合せ", ""),
    ("評価実施手続", ""),
]
APPENDIX_TITLES = ("事務の内容", "特定個人情報ファイル記録項目", "変更箇所")
COVER = "表紙"

_SECTION_HEADING = re.compile(
    r"^(?P<num>Ⅵ|Ⅴ|Ⅳ|Ⅲ|Ⅱ|Ⅰ|VI|IV|V|III|II|I)(?:\s*[.、]\s*|\s+|(?=[^\sA-Za-z0-9.\-]))(?P<title>.+)$"
)
_APPENDIX_HEADING = re.compile(r"^\(?\s*別添\s*(?P<num>[1-9])\s*\)?\s*(?P<title>.*)$")

IV_GROUPS = {
    "監査": 1,
    **{compact(t): 2 for t in TRAINING_TITLES},
    "その他のリスク対策": 3,
}
_IV_GROUP = re.compile(r"^(?:Ⅳ-)?(?P<n>[1-9])\s*[.、]?\s*(?P<title>.+?)\s*※?$")
_IV_SUB = re.compile(r"^(?:Ⅳ-(?P<g>[1-9])\s*)?(?P<c>[①-⑨])\s*(?P<title>自己点検|監査)\s*※?$")

III_PROCESSES = (
    "特定個人情報ファイル名",
    "特定個人情報の入手",
    "特定個人情報の使用",
    "特定個人情報ファイルの取扱いの委託",
    "特定個人情報の提供・移転",
    "情報提供ネットワークシステムとの接続",
    "特定個人情報の保管・消去",
)
_III_PROCESS = re.compile(r"^(?:Ⅲ-)?(?P<n>[1-9])\s*[.、]?\s*(?P<title>.+)$")
_III_RISK = re.compile(r"^リスク\s*(?P<k>[1-9][0-9]?)\s*[:]?\s*(?P<title>.*)$")
_III_OTHER = "その他のリスク及びそのリスクに対する措置"

_CHOICE = re.compile(r"^(?P<n>[1-9][0-9]?)\)\s*(?P<text>.*)$")
KNOWN_CHOICES = frozenset(compact(c.label) for c in (*SectionIVRating, *SectionIIIRating))
IV_CHOICES = [str(c.label) for c in SectionIVRating]
III_CHOICES = [str(c.label) for c in SectionIIIRating]
_SENTENCE_END = ("。", ")", "」", "】")
# Bounds that keep damaged input within the model's columns (Item.title 300, number_path 50, selected 100).
MAX_TITLE = 200
MAX_SUB_PATH = 30
MAX_SELECTED = 60


@dataclass
class _Heading:
    index: int
    path: str
    title: str
    group_title: str
    is_item: bool = True  # False: a group heading ("1. 監査", "3. 特定個人情報の使用") that only ends the item before


@dataclass
class _Rating:
    question: str
    choices: list[str]
    selected: str
    used: set[int] = field(default_factory=set)
    line: int = 0


# --- sections ----------------------------------------------------------------------------------------------------


def _section_heading(piece: Piece) -> tuple[str, str, str] | None:
    """(number, title, style) when ``piece`` is a section heading."""
    text = piece.text
    m = _APPENDIX_HEADING.match(text)
    if m and (not m.group("title") or compact(m.group("title")).startswith(APPENDIX_TITLES)):
        return f"別添{m.group('num')}", m.group("title").strip(), ""
    m = _SECTION_HEADING.match(text)
    if not m:
        return None
    title = m.group("title").strip()
    key = compact(title)
    for known, style in SECTION_TITLES:
        if key.startswith(compact(known)) and len(key) <= len(known) + 25:
            return roman(m.group("num")), title, style
    return None


def _choose_headings(pieces: list[Piece]) -> list[tuple[int, str, str, str]]:
    """Section headings, one per number. A 項目一覧 (three or more headings in a row) is text; of several
    headings with one number the first with something under it wins (running page headers repeat it later);
    the others stay as text."""
    found = [(i, *h) for i, p in enumerate(pieces) if (h := _section_heading(p))]
    # A table of contents (項目一覧): three or more headings on consecutive lines. Its entries are text, except
    # that its last entry may be a real heading with text under it (when no later heading has its number).
    toc: set[int] = set()
    run: list[int] = []
    for n in range(len(found) + 1):
        if n < len(found) and run and found[n][0] == found[run[-1]][0] + 1:
            run.append(n)
            continue
        if len(run) >= 3:
            last = run[-1]
            later = any(h[1] == found[last][1] for h in found[last + 1 :])
            toc.update(run if later else run[:-1])
        run = [n]
    found = [h for n, h in enumerate(found) if n not in toc]
    best: dict[str, tuple[int, int]] = {}
    for n, (i, number, _, _) in enumerate(found):
        gap = (found[n + 1][0] if n + 1 < len(found) else len(pieces)) - i
        if number not in best or (best[number][1] <= 1 < gap):
            best[number] = (i, gap)
    chosen = {i for i, _ in best.values()}
    return [h for h in found if h[0] in chosen]


def _lines_text(pieces: Iterable[Piece]) -> str:
    """Pieces back to lines: pieces of one source line joined by a space, lines by newlines."""
    lines: list[tuple[int, list[str]]] = []
    for p in pieces:
        if lines and lines[-1][0] == p.line:
            lines[-1][1].append(p.text)
        else:
            lines.append((p.line, [p.text]))
    return "\n".join(" ".join(parts) for _, parts in lines)


# --- items -------------------------------------------------------------------------------------------------------


def _iv_headings(pieces: list[Piece], warnings: list[ParseWarning]) -> list[_Heading]:
    heads: list[_Heading] = []
    group, group_title = 1, ""
    for i, p in enumerate(pieces):
        sub = _IV_SUB.match(p.text)
        if sub:
            if sub.group("g"):
                group = int(sub.group("g"))
            heads.append(_Heading(i, f"Ⅳ-{group}-{sub.group('c')}", sub.group("title"), group_title))
            continue
        m = _IV_GROUP.match(p.text)
        if m and compact(m.group("title")) in IV_GROUPS:
            expected = IV_GROUPS[compact(m.group("title"))]
            group, group_title = int(m.group("n")), m.group("title")
            if group != expected:
                warnings.append(ParseWarning(p.line, f"項目番号 {group} と見出し「{group_title}」が様式と合いません。"))
            heads.append(_Heading(i, f"Ⅳ-{group}", group_title, ""))
            continue
    # A group heading with nothing but labels before the next heading ("1. 監査" then "①自己点検") is not an
    # item itself (the last heading is, even when empty: "3. その他のリスク対策" has no sub-items).
    for n, h in enumerate(heads):
        nxt = heads[n + 1] if n + 1 < len(heads) else None
        if nxt is not None and h.path.count("-") == 1 and _only_labels(pieces, h.index + 1, nxt.index):
            h.is_item = False
    return heads


def _only_labels(pieces: list[Piece], start: int, stop: int) -> bool:
    return all(p.kind == LABEL for p in pieces[start:stop])


def _iii_headings(pieces: list[Piece]) -> list[_Heading]:
    heads: list[_Heading] = []
    process, process_title = 0, ""
    for i, p in enumerate(pieces):
        m = _III_PROCESS.match(p.text)
        if m and compact(m.group("title")).startswith(III_PROCESSES):
            process, process_title = int(m.group("n")), m.group("title")[:MAX_TITLE]
            heads.append(_Heading(i, f"Ⅲ-{process}", process_title, "", is_item=False))
            continue
        if not process:
            continue
        if _III_OTHER in compact(p.text) and len(p.text) <= 120:
            heads.append(_Heading(i, f"Ⅲ-{process}-その他", p.text, process_title[:MAX_TITLE]))
            continue
        r = _III_RISK.match(p.text)
        if r:
            title = r.group("title").strip()[:MAX_TITLE]
            heads.append(_Heading(i, f"Ⅲ-{process}-リスク{r.group('k')}", title, process_title))
    return heads


TIER_ITEMS = tuple(
    compact(t)
    for t in (
        *III_PROCESSES,
        "提出する特定個人情報保護評価書の種類",
        "人手を介在させる作業",
        "監査",
        *TRAINING_TITLES,
        "その他のリスク対策",
        "最も優先度が高いと考えられる対策",
    )
)
_TIER_ITEM = re.compile(r"^(?P<n>[1-9][0-9]?)\s*[.、]\s*(?P<title>.+)$")


def _tier_headings(pieces: list[Piece], numeral: str) -> list[_Heading]:
    """Items of a 重点/基礎 リスク対策: "n. title" of the 様式's list (process risks, 監査, 教育, その他, 最も優先度が
    高いと考えられる対策), with リスクN / その他 / ①自己点検 ②監査 under them. A numbered heading followed only by
    its sub-headings is a group, as in Section Ⅲ of the full report."""
    heads: list[_Heading] = []
    number, title = 0, ""
    for i, p in enumerate(pieces):
        m = _TIER_ITEM.match(p.text)
        if m and len(p.text) <= 80 and compact(m.group("title")).startswith(TIER_ITEMS):
            number, title = int(m.group("n")), m.group("title")[:MAX_TITLE]
            heads.append(_Heading(i, f"{numeral}-{number}", title, ""))
            continue
        if not number:
            continue
        sub = _IV_SUB.match(p.text)
        if sub:
            heads.append(_Heading(i, f"{numeral}-{number}-{sub.group('c')}", sub.group("title"), title))
        elif _III_OTHER in compact(p.text) and len(p.text) <= 120:
            heads.append(_Heading(i, f"{numeral}-{number}-その他", p.text, title))
        elif r := _III_RISK.match(p.text):
            heads.append(
                _Heading(i, f"{numeral}-{number}-リスク{r.group('k')}", r.group("title").strip()[:MAX_TITLE], title)
            )
    for k, h in enumerate(heads):
        nxt = heads[k + 1] if k + 1 < len(heads) else None
        if nxt is not None and h.path.count("-") == 1 and nxt.path.startswith(h.path + "-"):
            h.is_item = not _only_labels(pieces, h.index + 1, nxt.index)
    return heads


def _find_ratings(pieces: list[Piece], warnings: list[ParseWarning]) -> list[_Rating]:
    ratings: list[_Rating] = []
    for k, p in enumerate(pieces):
        if p.text != "<選択肢>":
            continue
        used = {k}
        numbered: list[tuple[int, str]] = []
        j = k + 1
        while j < len(pieces):
            if p.in_table and pieces[j].line != p.line:
                break  # in the table form the choices share the cell of <選択肢>
            m = _CHOICE.match(pieces[j].text)
            if m:
                numbered.append((int(m.group("n")), m.group("text").strip()))
                used.add(j)
                j += 1
                continue
            # A choice wrapped over two lines: "1) 特に力を入れて行って" / "いる".
            if numbered and compact(numbered[-1][1] + pieces[j].text) in KNOWN_CHOICES:
                numbered[-1] = (numbered[-1][0], numbered[-1][1] + pieces[j].text.strip())
                used.add(j)
                j += 1
                continue
            break
        if not numbered:
            warnings.append(ParseWarning(p.line, "<選択肢> の後に選択肢が見つかりません。"))
        numbers = [n for n, _ in numbered]
        if len(set(numbers)) != len(numbers):
            warnings.append(ParseWarning(p.line, "選択肢の番号が重複しています。"))
        choices = [text for _, text in sorted(dict(numbered).items())]
        selected, question, line = _selected_before(pieces, k, choices, used)
        ratings.append(_Rating(question, choices, selected, used, line or p.line))
    return ratings


def _selected_before(pieces: list[Piece], k: int, choices: list[str], used: set[int]) -> tuple[str, str, int]:
    """The bracketed value before ``<選択肢>`` k (brackets may sit on their own lines or be missing), the question
    label before it and the line of the value."""
    known = {compact(c) for c in choices} | KNOWN_CHOICES
    parts: list[str] = []
    line = 0
    j = k - 1
    opened = False
    while j >= 0 and k - j <= 4 and not opened:
        p = pieces[j]
        if pieces[k].in_table and p.line != pieces[k].line:
            break
        text = p.text
        inner = compact(text.replace("[", "").replace("]", ""))
        if p.kind == LABEL or MARKER.fullmatch(text):
            break
        if "[" in text or "]" in text or inner in known:
            parts.insert(0, inner)
            used.add(j)
            line = p.line
            opened = "[" in text
            j -= 1
            continue
        break
    question = ""
    if j >= 0 and (
        pieces[j].kind == LABEL
        or pieces[j].text.endswith("か")
        # "ユーザ認証の管理 [ 行っている ]": a short text on the rating's own line is its question.
        or (pieces[j].line == line and len(pieces[j].text) <= 40 and "。" not in pieces[j].text)
    ):
        question = pieces[j].text
        used.add(j)
    value = "".join(parts)
    for choice in choices:
        if compact(choice) == value:
            return choice, question, line
    # Longer than any choice: a bracket in running text, not a rating value.
    return ("" if len(value) > MAX_SELECTED else value), question, line


def _blocks(
    pieces: list[Piece], used: set[int], item_title: str, default_kind: str, warnings: list[ParseWarning]
) -> list[ParsedMeasureBlock]:
    blocks: list[ParsedMeasureBlock] = []
    field_label = ""
    current: tuple[str, str, list[Piece]] | None = None  # (party label, field label, pieces)

    def close() -> None:
        if current is None:
            return
        label, flabel, parts = current
        if not parts and not label:
            return
        text, starts = _join(parts)
        # A marker that only appears once wrapped fragments are joined ("<" + "ガバメントクラウドにおける措置>")
        # opens a block too: the text export would write it whole.
        cuts = [(label, marker_line if label else (parts[0].line if parts else marker_line), 0, 0)]
        for m in MARKER.finditer(text):
            cuts.append((m.group(1) or m.group(2), _line_at(starts, m.start()), m.start(), m.end()))
        for n, (party, line, _, begin) in enumerate(cuts):
            stop = cuts[n + 1][2] if n + 1 < len(cuts) else len(text)
            raw = text[begin:stop]
            body = raw.strip()
            if not party and not body:
                continue
            lead = begin + len(raw) - len(raw.lstrip())
            sub_starts = [(max(0, o - lead), ln) for o, ln in starts if o < stop]
            sub_starts = [(0, _line_at(starts, lead))] + [(o, ln) for o, ln in sub_starts if o > 0]
            end_line = _line_at(starts, max(lead, lead + len(body) - 1)) if body else line
            name, kind = commitments.normalise_party(party) if party else ("", "municipality")
            if party and not body:
                warnings.append(ParseWarning(line, f"「{party}」の本文がありません。"))
            blocks.append(
                ParsedMeasureBlock(
                    party_label=party,
                    party_name=name,
                    text=body,
                    span=Span(line, max(line, end_line)),
                    commitments=commitments.extract(body, sub_starts, default_kind=default_kind),
                    party_kind=kind,
                    field_label=flabel,
                )
            )

    marker_line = 0
    for i, p in enumerate(pieces):
        if i in used:
            continue
        m = MARKER.fullmatch(p.text)
        if m:
            close()
            marker_line = p.line
            current = ((m.group(1) or m.group(2)).strip(), field_label, [])
        elif p.kind == LABEL:
            if compact(p.text) == compact(item_title):
                continue
            nxt = next((q for q in pieces[i + 1 :] if q.kind != LABEL), None)
            if (
                current is not None
                and current[2]
                and not current[2][-1].text.endswith(_SENTENCE_END)
                and nxt is not None
                and not MARKER.fullmatch(nxt.text)
            ):
                # A label column wrapped into the middle of a sentence: not a new field.
                continue
            close()
            current = None
            field_label = p.text
        else:
            if current is None:
                marker_line = p.line
                current = ("", field_label, [])
            current[2].append(p)
    close()
    return blocks


def _line_at(starts: list[tuple[int, int]], offset: int) -> int:
    """The source line of character ``offset`` of a joined text (``starts``: offset and line of each fragment)."""
    line = starts[0][1] if starts else 0
    for start, ln in starts:
        if start > offset:
            break
        line = ln
    return line


def _join(parts: list[Piece]) -> tuple[str, list[tuple[int, int]]]:
    text = ""
    starts: list[tuple[int, int]] = []
    for p in parts:
        if text and p.spaced:
            joined = f"{text} {p.text.strip()}"
        else:
            joined = smart_join([text, p.text]) if text else p.text.strip()
        starts.append((len(joined) - len(p.text.strip()), p.line))
        text = joined
    return text, starts


_BRACKET_VALUE = re.compile(r"^\[?\s*(?P<value>[^\[\]。]{1,20}?)\s*\]?$")
_CHOICE_NUMBER = re.compile(r"\s*\b[1-9]\)\s*")


def _only_choices(text: str) -> bool:
    """Whether ``text`` is nothing but numbered 様式 choices ("1) 特に力を入れている3) 課題が残されている")."""
    if not _CHOICE_NUMBER.match(text):
        return False
    parts = [x for x in _CHOICE_NUMBER.split(text) if x.strip()]
    return bool(parts) and all(compact(x) in KNOWN_CHOICES for x in parts)


def _broken_ratings(
    pieces: list[Piece],
    used: set[int],
    main: _Rating | None,
    expected: list[str],
    path: str,
    warnings: list[ParseWarning],
) -> _Rating | None:
    """Rating values whose brackets or ``<選択肢>`` extraction broke ("[ 十分に行っている" with no "]", "[" /
    "十分である" / "]" with no choice list): never a commitment, nor are the choices listed after them. The first
    one of an item without a rating is its rating (the choices are the 様式's), with a warning; any other is left
    out, with a warning. Both name the line."""
    n = 0
    while n < len(pieces):
        p = pieces[n]
        if n in used or p.kind == LABEL or ("[" not in p.text and "]" not in p.text):
            n += 1
            continue
        # The value may be spread over up to three pieces ("[" / "十分である" / "]"): the shortest run that closes
        # the bracket, else the longest that reads as a 様式 value.
        best: tuple[int, re.Match[str]] | None = None
        text = ""
        for k in range(n, min(n + 3, len(pieces))):
            q = pieces[k]
            if k > n and (k in used or q.kind == LABEL or MARKER.fullmatch(q.text)):
                break
            text += q.text
            m = _BRACKET_VALUE.match(text)
            if m is None:
                if text.strip() == "[":
                    continue  # "[" on its own line, the value on the next
                break
            if "]" in text or compact(m.group("value")) in KNOWN_CHOICES:
                best = (k, m)
            if "]" in text:
                break
        if best is None:
            m = _BRACKET_VALUE.match(p.text)
            if m is None or "[" in p.text and "]" in p.text:
                n += 1
                continue
            best = (n, m)
        last, m = best
        if "[" in text and "]" in text and compact(m.group("value")) not in KNOWN_CHOICES:
            n += 1
            continue
        run, k = list(range(n, last + 1)), last + 1
        while k < len(pieces) and k not in used and _only_choices(pieces[k].text):
            run.append(k)
            k += 1
        used.update(run)
        value = m.group("value")
        if main is None and compact(value) in {compact(c) for c in expected}:
            selected = next(c for c in expected if compact(c) == compact(value))
            main = _Rating("", list(expected), selected, set(run), p.line)
            warnings.append(
                ParseWarning(
                    p.line, f"{path}: 評価「{value}」の括弧か選択肢が欠けています（様式の選択肢で補いました）。"
                )
            )
        else:
            warnings.append(ParseWarning(p.line, f"{path}: 括弧の壊れた評価「{value}」は読み飛ばしました。"))
        n = k
    return main


def _read_item(
    head: _Heading, pieces: list[Piece], style: str, warnings: list[ParseWarning]
) -> tuple[ParsedItem, list[ParsedItem]]:
    """The item whose heading is ``pieces[0]``, plus the sub-items of extra ratings (Ⅲ: ユーザ認証の管理…)."""
    body = pieces[1:]
    ratings = _find_ratings(body, warnings)
    main: _Rating | None = None
    if ratings:
        main = next((r for r in ratings if "十分か" in r.question), ratings[0])
    used: set[int] = set()
    for r in ratings:
        used |= r.used
    expected = IV_CHOICES if style == SECTION_IV else III_CHOICES
    if style == SECTION_TIERED:
        # 監査・教育 items use Ⅳ's choices (…行っている), the risks Ⅲ's (…である).
        ivish = main is not None and [compact(c) for c in main.choices] == [compact(c) for c in IV_CHOICES]
        ivish = ivish or bool(commitments.item_kind(head.title) or commitments.item_kind(head.group_title))
        expected = IV_CHOICES if ivish else III_CHOICES
    main = _broken_ratings(body, used, main, expected, head.path, warnings)
    if main is not None and main not in ratings:
        ratings.append(main)
    subs: list[ParsedItem] = []
    for r in ratings:
        if r is main:
            continue
        if style == SECTION_IV or not r.question:
            warnings.append(ParseWarning(r.line, f"{head.path}: 評価が2つ以上あります（最初のものを使います）。"))
            continue
        subs.append(
            ParsedItem(
                number_path=f"{head.path}-{r.question[:MAX_SUB_PATH]}",
                title=r.question,
                question=r.question,
                choices=r.choices,
                selected=r.selected,
                text=r.question,
                span=Span(r.line, r.line),
                group_title=head.title,
                parent_path=head.path,
            )
        )
    question, choices, selected = "", [], ""
    if main is not None:
        question = main.question or (head.title if style in (SECTION_IV, SECTION_TIERED) else "")
        choices, selected = main.choices, main.selected
        if selected and selected not in choices:
            warnings.append(ParseWarning(main.line, f"{head.path}: 選択された評価「{selected}」が選択肢にありません。"))
        if not selected:
            warnings.append(ParseWarning(main.line, f"{head.path}: 選択された評価が読み取れません。"))
        if choices and [compact(c) for c in choices] != [compact(c) for c in expected]:
            warnings.append(ParseWarning(main.line, f"{head.path}: 選択肢が様式と異なります。"))
    elif style == SECTION_IV and head.path != "Ⅳ-3":
        warnings.append(ParseWarning(pieces[0].line, f"{head.path}「{head.title}」の評価（選択肢）が見つかりません。"))
    default_kind = commitments.item_kind(head.title) or commitments.item_kind(head.group_title)
    item = ParsedItem(
        number_path=head.path,
        title=head.title,
        question=question,
        choices=choices,
        selected=selected,
        text=_lines_text(body),
        span=Span(pieces[0].line, pieces[-1].line),
        blocks=_blocks(body, used, head.title, default_kind, warnings),
        group_title=head.group_title,
    )
    return item, subs


def _items(pieces: list[Piece], style: str, warnings: list[ParseWarning], numeral: str = "") -> list[ParsedItem]:
    if style == SECTION_TIERED:
        heads = _tier_headings(pieces, numeral)
    else:
        heads = _iv_headings(pieces, warnings) if style == SECTION_IV else _iii_headings(pieces)
    items: list[ParsedItem] = []
    seen: set[str] = set()
    kept: list[_Heading] = []
    for h in heads:
        if not h.is_item:
            kept.append(h)
            continue
        if h.path in seen:
            # A repeated heading (duplicated lines): its content stays with the item before it.
            warnings.append(
                ParseWarning(
                    pieces[h.index].line, f"項目 {h.path} が重複しています（2つ目は前の項目の本文として扱います）。"
                )
            )
            continue
        seen.add(h.path)
        kept.append(h)
    for n, h in enumerate(kept):
        if not h.is_item:
            continue
        stop = kept[n + 1].index if n + 1 < len(kept) else len(pieces)
        item, subs = _read_item(h, pieces[h.index : stop], style, warnings)
        if h.path.count("-") == 1 and not (item.blocks or item.choices or item.selected) and n + 1 < len(kept):
            continue  # a group heading with nothing of its own ("1. 監査" before its sub-items)
        items.append(item)
        for s in subs:
            if s.number_path in seen:
                warnings.append(
                    ParseWarning(s.span.start_line, f"項目 {s.number_path} が重複しています（2つ目は無視します）。")
                )
                continue
            seen.add(s.number_path)
            items.append(s)
    return items


# --- report ------------------------------------------------------------------------------------------------------


def parse_report(text: str) -> ParsedReport:
    """Read an assessment report (markdown/HTML form or text extracted from a PDF); see the package docstring."""
    pieces = to_pieces(text)
    if not pieces:
        raise ReportParseError("評価書の本文がありません（空のテキストです）。")
    headings = _choose_headings(pieces)
    if not headings:
        raise ReportParseError(
            "特定個人情報保護評価書として読み取れませんでした。"
            "「Ⅳ その他のリスク対策」などの章の見出し（Ⅰ〜Ⅵ）が見つかりません。"
        )
    warnings: list[ParseWarning] = []
    sections: list[ParsedSection] = []
    fields: list[ParsedField] = []
    first = headings[0][0]
    if first > 0:
        cover = pieces[:first]
        sections.append(ParsedSection(COVER, COVER, _lines_text(cover), Span(cover[0].line, cover[-1].line)))
    for n, (index, number, title, style) in enumerate(headings):
        stop = headings[n + 1][0] if n + 1 < len(headings) else len(pieces)
        own = pieces[index:stop]
        section = ParsedSection(number, title, _lines_text(own[1:]), Span(own[0].line, own[-1].line))
        if style:
            section.items = _items(own, style, warnings, number)
            if style == SECTION_IV and not section.items:
                warnings.append(ParseWarning(own[0].line, "Ⅳ の項目（1.監査 など）が見つかりません。"))
        sections.append(section)
        if is_field_section(section):
            fields.extend(read_fields(section, own))
    report = ParsedReport(title="", sections=sections, warnings=warnings, fields=fields)
    source_lines = re.split(r"\r\n|\r|\n", text)
    for section in sections:
        if is_change_section(section):
            report.changes.extend(read_changes(source_lines, section))
    read_cover(report, pieces[:first], pieces)
    return report
