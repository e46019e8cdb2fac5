"""The cadence grammar (``piaops.lib.cadence``), vector by vector.

Phrasings are those of published 特定個人情報保護評価書 (札幌市 地方税 Section Ⅳ, in
/work/shared/reference/sapporo-local-tax-pia-section-iv.md, and the 評価書 of other bodies) and of training and
contract texts; each row is (text, machine values in order of appearance).
"""

from __future__ import annotations

import pytest

from piaops.lib import cadence
from piaops.lib.cadence import parse, parse_values

pytestmark = pytest.mark.engine_independent

VECTORS: list[tuple[str, list[str]]] = [
    # yearly
    ("札幌市で毎年実施している個人番号利用事務監査で、本評価書の記載内容を確認する。", ["annual"]),
    ("毎年度、自己点検を実施する。", ["annual"]),
    ("各年度に1回以上監査を行う。", ["annual"]),
    ("年度ごとに研修計画を定める。", ["annual"]),
    ("年次で教育を行う。", ["annual"]),
    ("年1回以上、委託先に報告を求める。", ["annual"]),
    ("年１回、点検結果を報告する。", ["annual"]),
    ("年一回の研修を実施する。", ["annual"]),
    ("年に1回、外部監査を受ける。", ["annual"]),
    ("1年ごとに見直す。", ["annual"]),
    ("一年に一回、契約内容を確認する。", ["annual"]),
    ("12か月ごとにパスワードを変更する。", ["annual"]),
    # twice a year — and the 年次(年2回) trap
    (
        "運用規則や情報セキュリティに関する教育を年次(年2回)及び随時(新規要員着任時)実施している。",
        ["semiannual", "on_assignment"],
    ),
    ("年次（年２回）の研修を行う。", ["semiannual"]),
    ("年2回実施する。", ["semiannual"]),
    ("年二回、訓練を行う。", ["semiannual"]),
    ("半年ごとにアクセス権限を棚卸しする。", ["semiannual"]),
    ("半期ごとに実施状況を報告させる。", ["semiannual"]),
    ("半期に1回、点検を行う。", ["semiannual"]),
    ("6ヶ月ごとに確認する。", ["semiannual"]),
    # quarterly — 四半期 contains 半期
    ("四半期ごとに入退室記録を確認する。", ["quarterly"]),
    ("四半期ごと及び随時(新規要員着任時)実施する。", ["quarterly", "on_assignment"]),
    ("四半期に1回、報告を受ける。", ["quarterly"]),
    ("年4回、ログを点検する。", ["quarterly"]),
    ("３か月ごとに棚卸しする。", ["quarterly"]),
    # other times a year
    ("年3回の研修を実施する。", ["per_year_3"]),
    ("年三回、啓発を行う。", ["per_year_3"]),
    ("年6回、委員会を開催する。", ["per_year_6"]),
    ("年12回報告する。", ["monthly"]),
    # monthly, weekly
    ("毎月、アクセスログを確認する。", ["monthly"]),
    ("月次で報告を受ける。", ["monthly"]),
    ("月1回、点検を行う。", ["monthly"]),
    ("月２回、巡回する。", ["per_month_2"]),
    ("毎月2回確認する。", ["per_month_2"]),
    ("隔月で会議を開く。", ["per_year_6"]),  # every other month is six times a 年度
    ("5か月ごとに点検する。", ["every_5_months"]),
    ("毎週、バックアップを確認する。", ["weekly"]),
    ("週1回、ログを確認する。", ["weekly"]),
    ("週2回、巡回する。", ["per_week_2"]),
    # every N years / 年度
    ("隔年で外部監査を受ける。", ["biennial"]),
    ("2年に1回、監査を受ける。", ["biennial"]),
    ("２年ごとに更新する。", ["biennial"]),
    ("3年ごとに外部監査を受ける。", ["every_3_years"]),
    ("5年に1回、評価を見直す。", ["every_5_years"]),
    ("少なくとも3年度に1回以上、監査を実施する。", ["every_3_fiscal_years"]),
    ("三年度に一回以上、外部監査を受ける。", ["every_3_fiscal_years"]),
    ("2年度に1回、研修を受講させる。", ["every_2_fiscal_years"]),
    # occasions
    ("初任時及び一定期間ごとに、必要な知識の習得に資するための研修を実施する。", ["initial", "periodic"]),
    ("採用時に研修を行う。", ["initial"]),
    ("新規採用時に誓約書を提出させる。", ["initial"]),
    ("着任時に教育を行う。", ["on_assignment"]),
    ("新規要員着任時に研修を行う。", ["on_assignment"]),
    ("人事異動の都度、アクセス権限を見直す。", ["on_assignment"]),
    ("異動時に権限を削除する。", ["on_assignment"]),
    ("配属時に説明する。", ["on_assignment"]),
    ("随時点検する。", ["as_needed"]),
    ("必要に応じて見直しを行う。", ["as_needed"]),
    ("中間サーバー・プラットフォームについて、定期的に監査を行うこととしている。", ["periodic"]),
    ("定期的に（年1回）点検する。", ["annual"]),  # 定期的 adds nothing to a stated period
    ("初任時及び毎年、研修を行う。", ["initial", "annual"]),
    ("毎年及び随時実施する。", ["annual", "as_needed"]),
    # no cadence: dates, numbers and words that look like one
    ("地方税賦課徴収事務にかかわる職員(会計年度任用職員等を含む。)に対して研修を行う。", []),
    ("令和5年度に1回目の監査を行った。", []),
    ("毎年4月に1回、研修を行う。", ["annual"]),  # 「4月に1回」 is a date, not monthly
    ("2026年2回目の訓練を行った。", []),
    ("研修を行う。", []),
    ("監査はすべての個人番号利用事務について実施する。", []),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_each_phrasing_is_read_as_published(text: str, expected: list[str]) -> None:
    assert parse_values(text) == expected


def test_there_are_at_least_forty_vectors() -> None:
    assert len(VECTORS) >= 40


@pytest.mark.parametrize(
    ("value", "label", "every_months", "per_year"),
    [
        ("annual", "毎年（年度ごと）", 12, 1),
        ("semiannual", "年2回", 6, 2),
        ("quarterly", "四半期ごと", 3, 4),
        ("monthly", "毎月", 1, 12),
        ("per_year_3", "年3回", 4, 3),
        ("per_month_2", "月2回", 1, 24),
        ("weekly", "毎週", 1, 52),
        ("biennial", "2年ごと", 24, None),
        ("every_3_years", "3年ごと", 36, None),
        ("every_3_fiscal_years", "3年度に1回以上", 36, None),
        ("every_5_months", "5か月ごと", 5, None),
        ("initial", "初任時", None, None),
        ("on_assignment", "新規着任時", None, None),
        ("as_needed", "随時", None, None),
        ("periodic", "定期的に", None, None),
    ],
)
def test_every_value_round_trips_with_its_label(
    value: str, label: str, every_months: int | None, per_year: int | None
) -> None:
    c = cadence.from_value(value)
    assert (c.value, c.label) == (value, label)
    assert (c.every_months, c.per_year) == (every_months, per_year)
    assert cadence.label(value) == label


@pytest.mark.parametrize(
    "value", ["", "yearly", "per_year_0", "every_1_years", "per_year_2", "every_12_months", "every_2_months"]
)
def test_a_value_the_grammar_does_not_produce_is_refused(value: str) -> None:
    # per_year_2 is spelled semiannual, every_12_months annual, every_2_months per_year_6: one value per cadence.
    assert not cadence.is_value(value)


def test_every_parsed_cadence_has_a_value_that_reads_back() -> None:
    for text, _ in VECTORS:
        for c in parse(text):
            assert cadence.from_value(c.value) == c
