"""The labelled fields of the sections without rated items — Ⅰ 基本情報 (関連情報), Ⅱ 特定個人情報ファイルの概要
(しきい値判断項目), しきい値判断結果, 開示請求・問合せ, 評価実施手続 — as ``ParsedField`` rows.

A field is a label (the table's first cell, its circled number dropped) and the text after it up to the next
label. A numbered label with nothing after it is a heading ("1. 特定個人情報ファイルを取り扱う事務", the group of
the fields under it, written with its number); an entry label
("システム1", "委託事項2", "提供先1") opens a group of its own and may carry a value (the entrusted matter, the
recipient). A rated field ("[30万人以上] <選択肢> 1) …") keeps the selected choice as its value and the 様式's
choices. ``key`` names the fields piaops reads (``FIELD_KEYS``); every other field is kept with ``key`` "".
Section numbers differ by tier (開示請求 is Ⅴ of the 全項目評価書 but Ⅳ of the 重点項目評価書), so fields are
recognised by section title and label, never by number.
"""

from __future__ import annotations

import re

from piaops.assessments.parsed import ParsedField, ParsedSection
from piaops.assessments.parser.normalize import CHOICES_MARK, LABEL, Piece, compact

# Sections read (titles compared without spaces, as prefixes).
FIELD_SECTIONS = (
    "基本情報",
    "関連情報",
    "特定個人情報ファイルの概要",
    "しきい値判断項目",
    "しきい値判断結果",
    "開示請求、問合せ",
    "開示請求,問合せ",
    "評価実施手続",
)

# key → (labels as the 様式 writes them, compared without spaces and circled numbers; the heading they stand
# under must contain one of ``under`` when given: "①実施日" is the 基礎項目評価's or the 第三者点検's).
FIELD_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "business_name": (("事務の名称",), ()),
    "business_content": (("事務の内容", "事務の概要"), ()),
    "system_name": (("システムの名称",), ()),
    "file_name": (("特定個人情報ファイル名",), ()),
    "subjects": (("対象人数", "評価対象の事務の対象人数は何人か"), ()),
    "persons": (("対象となる本人の数",), ()),
    "handlers": (("取扱者数", "特定個人情報ファイル取扱者数は500人以上か"), ()),
    "users": (("使用者数",), ()),
    "serious_accident": (
        ("重大事故", "過去1年以内に、評価実施機関において特定個人情報に関する重大事故が発生したか"),
        (),
    ),
    "entrustment": (("委託の有無",), ()),
    "entrusted_matter": (("委託事項",), ()),
    "contractor": (("委託先名",), ()),
    "provision": (("提供・移転の有無",), ()),
    "recipient": (("提供先", "移転先"), ()),
    "disclosure_office": (("請求先",), ()),
    "disclosure_method": (("請求方法",), ()),
    "inquiry_contact": (("連絡先",), ()),
    "inquiry_handling": (("対応方法",), ()),
    "threshold_on": (("実施日",), ("基礎項目評価",)),
    "threshold_result": (("しきい値判断結果",), ()),
    "hearing_method": (("方法",), ("意見の聴取",)),
    "hearing_period": (("実施日・期間",), ("意見の聴取",)),
    "hearing_opinions": (("主な意見の内容",), ("意見の聴取",)),
    "review_on": (("実施日",), ("第三者点検",)),
    "review_method": (("方法",), ("第三者点検",)),
    "review_result": (("結果",), ("第三者点検",)),
}

_CIRCLED = re.compile(r"^[①-⑳]\s*")
_NUMBERED = re.compile(r"^(?P<n>[1-9][0-9]?)\s*[.、]\s*(?P<title>.+)$")
_ENTRY = re.compile(r"^(?P<kind>システム|委託事項|再委託事項|提供先|移転先)\s*(?P<n>[0-9]{1,2})$")
_SELECTED = re.compile(r"\[\s*(?P<value>[^\[\]]*?)\s*\]\s*<\s*選択肢\s*>")
_CHOICE = re.compile(r"(?:^|\s)[1-9][0-9]?\)\s*")
# What the 様式 writes after the choices of 委託の有無 / 再委託の有無: the count, "(2) 件".
_COUNT = re.compile(r"\s*\(\s*[0-9]*\s*\)\s*件.*$")
MAX_LABEL = 200
MAX_VALUE_CHOICE = 100


def is_field_section(section: ParsedSection) -> bool:
    key = compact(section.title)
    return not section.items and any(key.startswith(compact(t)) for t in FIELD_SECTIONS)


def _key(label: str, heading: str) -> str:
    compacted = compact(label)
    for key, (labels, under) in FIELD_KEYS.items():
        if any(compacted == compact(x) for x in labels) and (not under or any(u in heading for u in under)):
            return key
    # An entry label names its kind: "委託事項1" is an entrusted matter, "提供先1" a recipient.
    m = _ENTRY.match(compacted)
    if m and m.group("kind") in ("委託事項", "提供先", "移転先"):
        return "entrusted_matter" if m.group("kind") == "委託事項" else "recipient"
    return ""


def _value(pieces: list[Piece]) -> tuple[str, list[str]]:
    """The field's value and, for a rated field, the 様式's choices (the value is then the selected one)."""
    text = " ".join(p.text.strip() for p in pieces).strip()
    mark = CHOICES_MARK.search(text)
    if not mark:
        return text, []
    choices = [c.strip() for c in _CHOICE.split(_COUNT.sub("", text[mark.end() :])) if c.strip()]
    selected = _SELECTED.search(text)
    value = selected.group("value") if selected else ""
    return value[:MAX_VALUE_CHOICE], choices


def read_fields(section: ParsedSection, pieces: list[Piece]) -> list[ParsedField]:
    """The fields of ``section`` (``pieces``: its own, heading first)."""
    out: list[ParsedField] = []
    heading = group = ""  # the numbered heading's title (what ``under`` looks at) and the group as written
    labels = [n for n, p in enumerate(pieces) if p.kind == LABEL and n > 0]
    for k, n in enumerate(labels):
        stop = labels[k + 1] if k + 1 < len(labels) else len(pieces)
        raw = pieces[n].text.strip()
        label = _CIRCLED.sub("", raw)[:MAX_LABEL]
        value, choices = _value(pieces[n + 1 : stop])
        numbered = _NUMBERED.match(label)
        if numbered:
            heading = numbered.group("title").strip()
            group, label = label, heading
            if not value:
                continue
        elif _ENTRY.match(compact(label)):
            group = label
            if not value:
                continue
        out.append(
            ParsedField(
                section=section.number,
                group=group,
                label=label,
                value=value,
                line=pieces[n].line,
                key=_key(label, heading),
                choices=choices,
            )
        )
    return out
