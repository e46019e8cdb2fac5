"""The typed reading of a report's labelled fields (Ⅰ 基本情報, Ⅱ ファイルの概要 / しきい値判断項目, 開示請求・問合せ,
評価実施手続): ``profile_of(fields) -> ReportProfile``.

It works on the parser's ``ParsedField`` rows (the import preview) and on the stored ``ReportField`` rows
(``AssessmentReport.profile()``) alike. The しきい値 figures are ``Band``s with numeric bounds, so that a review can
tell whether a recorded count has left the band the report states (``Band.contains``).

Which field answers what, where the 様式 differ (特定個人情報保護評価指針 第6 1 and the 様式 2–4):
- 対象人数: the しきい値判断項目 of the 基礎項目評価書 (Ⅱ 1) or Ⅰ ③ of the 重点/全項目評価書; without either, Ⅱ
  「対象となる本人の数」 of the file (``persons``, kept apart: its bands differ).
- 取扱者数: the しきい値判断項目 (Ⅱ 2, 「500人以上か」) or the field so labelled; without it, Ⅱ 「使用者数」 of the
  file (``users``), the nearest figure the 全項目評価書 states.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from piaops.lib.dates import DateReadError, read_date


class FieldLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def group(self) -> str: ...


_AMOUNT = re.compile(r"(?P<n>[0-9][0-9,]*)\s*(?P<man>万)?\s*人\s*(?P<op>以上|未満)")


@dataclass(frozen=True)
class Band:
    """A しきい値 band as a report states it: ``low`` ≤ n < ``high`` (``None``: unbounded on that side)."""

    label: str
    low: int | None
    high: int | None

    def contains(self, count: int) -> bool:
        return (self.low is None or count >= self.low) and (self.high is None or count < self.high)


def band(label: str) -> Band | None:
    """「1万人以上10万人未満」→ Band(10_000, 100_000); 「500人以上」→ (500, None); 「1,000人未満(任意実施)」→
    (None, 1_000). None when the text states no bound."""
    low = high = None
    for m in _AMOUNT.finditer(label):
        n = int(m.group("n").replace(",", "")) * (10_000 if m.group("man") else 1)
        if m.group("op") == "以上":
            low = n
        else:
            high = n
    if low is None and high is None:
        return None
    return Band(label, low, high)


@dataclass(frozen=True)
class Entrustment:
    matter: str  # 委託事項
    contractor: str  # 委託先名 ("" when not stated)


@dataclass(frozen=True)
class ReportProfile:
    business_name: str = ""  # 事務の名称
    business_content: str = ""  # 事務の内容 (事務の概要)
    systems: tuple[str, ...] = ()  # システムの名称, in order
    file_name: str = ""  # 特定個人情報ファイル名
    subjects: Band | None = None  # 対象人数 (しきい値)
    persons: Band | None = None  # 対象となる本人の数 (Ⅱ, of the file)
    handlers: Band | None = None  # 取扱者数 (しきい値), else 使用者数
    serious_accident: bool | None = None  # 重大事故 発生あり / 発生なし
    entrusted: bool | None = None  # 委託の有無
    entrustments: tuple[Entrustment, ...] = ()
    provision: str = ""  # 提供・移転の有無, as written
    recipients: tuple[str, ...] = ()  # 提供先・移転先
    disclosure_office: str = ""  # 開示請求の請求先
    disclosure_method: str = ""
    inquiry_contact: str = ""  # 問合せの連絡先
    inquiry_handling: str = ""
    threshold_on: dt.date | None = None  # 基礎項目評価の実施日
    threshold_result: str = ""  # しきい値判断結果
    hearing_method: str = ""  # 国民・住民等からの意見の聴取
    hearing_period: str = ""
    hearing_opinions: str = ""
    review_on: dt.date | None = None  # 第三者点検の実施日
    review_method: str = ""
    review_result: str = ""

    @property
    def is_empty(self) -> bool:
        return self == ReportProfile()


def _date(value: str) -> dt.date | None:
    try:
        return read_date(value.strip())
    except DateReadError:
        return None


def _yes_no(value: str, yes: str, no: str) -> bool | None:
    if value.startswith(yes):
        return True
    if value.startswith(no):
        return False
    return None


def profile_of(fields: Iterable[FieldLike]) -> ReportProfile:
    """The typed profile of a report's fields (first stated value of each key wins; lists keep every one)."""
    first: dict[str, str] = {}
    systems: list[str] = []
    recipients: list[str] = []
    matters: dict[str, str] = {}
    contractors: dict[str, str] = {}
    for f in fields:
        if not f.key or not f.value:
            continue
        first.setdefault(f.key, f.value)
        if f.key == "system_name":
            systems.append(f.value)
        elif f.key == "recipient":
            recipients.append(f.value)
        elif f.key == "entrusted_matter":
            matters[f.group] = f.value
        elif f.key == "contractor":
            contractors.setdefault(f.group, f.value)
    get = first.get
    subjects = band(get("subjects", ""))
    handlers = band(get("handlers", "")) or band(get("users", ""))
    return ReportProfile(
        business_name=get("business_name", ""),
        business_content=get("business_content", ""),
        systems=tuple(systems),
        file_name=get("file_name", ""),
        subjects=subjects,
        persons=band(get("persons", "")),
        handlers=handlers,
        serious_accident=_yes_no(get("serious_accident", ""), "発生あり", "発生なし"),
        entrusted=_yes_no(get("entrustment", ""), "委託する", "委託しない"),
        entrustments=tuple(Entrustment(m, contractors.get(g, "")) for g, m in matters.items()),
        provision=get("provision", ""),
        recipients=tuple(recipients),
        disclosure_office=get("disclosure_office", ""),
        disclosure_method=get("disclosure_method", ""),
        inquiry_contact=get("inquiry_contact", ""),
        inquiry_handling=get("inquiry_handling", ""),
        threshold_on=_date(get("threshold_on", "")),
        threshold_result=get("threshold_result", ""),
        hearing_method=get("hearing_method", ""),
        hearing_period=get("hearing_period", ""),
        hearing_opinions=get("hearing_opinions", ""),
        review_on=_date(get("review_on", "")),
        review_method=get("review_method", ""),
        review_result=get("review_result", ""),
    )
