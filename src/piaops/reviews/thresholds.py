"""しきい値判断: which assessment the PPC's table requires for a 特定個人情報ファイル (pure; no database).

Source: 特定個人情報保護評価指針 (平成26年特定個人情報保護委員会告示第4号) 第5の2「しきい値判断」, applying
特定個人情報保護評価に関する規則 (平成26年特定個人情報保護委員会規則第1号; the duty of 基礎項目評価, 重点項目評価
and 全項目評価 by 対象人数, 取扱者数 and 重大事故). The three inputs are those of 基礎項目評価書 Ⅱ
(しきい値判断項目: 1 対象人数, 2 取扱者数, 3 過去1年以内の重大事故). The table::

    対象人数              取扱者数 500人以上 又は 重大事故   required
    1,000人未満           –                                 義務付けられない (任意実施)
    1,000以上 1万未満      –                                 基礎項目評価
    1万以上 10万未満       no                                基礎項目評価
    1万以上 10万未満       yes                               基礎項目評価 + 重点項目評価
    10万以上 30万未満      no                                基礎項目評価 + 重点項目評価
    10万以上 30万未満      yes                               基礎項目評価 + 全項目評価
    30万人以上             –                                 基礎項目評価 + 全項目評価

The 30万 band is part of the 指針's table (and of 様式4 Ⅰ-1③'s choices) although the bands people quote most are
1,000 / 1万 / 10万. Any body may voluntarily do a higher tier than required.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from piaops.assessments.vocab import Tier

SUBJECTS_BASIC = 1_000
SUBJECTS_MIDDLE = 10_000
SUBJECTS_LARGE = 100_000
SUBJECTS_FULL = 300_000
HANDLERS_THRESHOLD = 500


class Required(IntEnum):
    """The result of the しきい値判断, ordered by how much it demands."""

    NONE = 0
    BASIC = 1
    FOCUSED = 2
    FULL = 3

    @property
    def label(self) -> str:
        return REQUIRED_LABELS[self]


REQUIRED_LABELS = {
    Required.NONE: "義務付けられない（任意実施）",
    Required.BASIC: "基礎項目評価",
    Required.FOCUSED: "基礎項目評価及び重点項目評価",
    Required.FULL: "基礎項目評価及び全項目評価",
}

# The level each tier of a report reaches (a 全項目評価書 satisfies every requirement).
TIER_LEVEL = {Tier.BASIC: Required.BASIC, Tier.FOCUSED: Required.FOCUSED, Tier.FULL: Required.FULL}


def subjects_band(subjects: int) -> int:
    """The band of 対象人数 as 様式4 Ⅰ-1③'s choice number: 1) 1,000人未満 … 5) 30万人以上."""
    if subjects < 0:
        raise ValueError("対象人数は0以上の数です。")
    bounds = (SUBJECTS_BASIC, SUBJECTS_MIDDLE, SUBJECTS_LARGE, SUBJECTS_FULL)
    return 1 + sum(subjects >= b for b in bounds)


BAND_LABELS = {
    1: "1,000人未満",
    2: "1,000人以上1万人未満",
    3: "1万人以上10万人未満",
    4: "10万人以上30万人未満",
    5: "30万人以上",
}


def required(*, subjects: int, handlers: int, serious_incident: bool) -> Required:
    """The しきい値判断 of 指針第5の2 for one file: ``subjects`` (対象人数), ``handlers`` (取扱者数, the
    municipality's and its contractors' staff who handle the file) and ``serious_incident`` (a 重大事故 in the last
    year). Negative figures raise ``ValueError``."""
    if handlers < 0:
        raise ValueError("取扱者数は0以上の数です。")
    band = subjects_band(subjects)
    heavy = handlers >= HANDLERS_THRESHOLD or serious_incident
    if band == 1:
        return Required.NONE
    if band == 2:
        return Required.BASIC
    if band == 3:
        return Required.FOCUSED if heavy else Required.BASIC
    if band == 4:
        return Required.FULL if heavy else Required.FOCUSED
    return Required.FULL


@dataclass(frozen=True)
class Comparison:
    required: Required
    report_tier: str

    @property
    def report_level(self) -> Required:
        return TIER_LEVEL[Tier(self.report_tier)]

    @property
    def insufficient(self) -> bool:
        """The report's tier is below what the table now requires: a new assessment is due."""
        return self.report_level < self.required

    @property
    def higher_than_required(self) -> bool:
        return self.report_level > max(self.required, Required.BASIC)

    @property
    def message(self) -> str:
        tier_label = Tier(self.report_tier).label
        if self.insufficient:
            return f"評価書は{tier_label}ですが、しきい値判断では{self.required.label}が必要です。"
        if self.higher_than_required:
            return f"しきい値判断では{self.required.label}です。評価書は{tier_label}（任意に上位の評価を実施）です。"
        return f"しきい値判断の結果（{self.required.label}）は評価書の種類（{tier_label}）と一致しています。"


def compare(*, required_level: Required, report_tier: str) -> Comparison:
    return Comparison(required=required_level, report_tier=report_tier)
