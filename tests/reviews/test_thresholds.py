"""しきい値判断 table of 特定個人情報保護評価指針 第5の2 (規則: 基礎・重点・全項目評価の義務), vectors on both sides of
each band of 対象人数 (1,000 / 1万 / 10万 / 30万) and of 取扱者数 (500), with and without a 重大事故."""

from __future__ import annotations

import pytest

from piaops.assessments.vocab import Tier
from piaops.reviews.thresholds import Required, compare, required, subjects_band

pytestmark = pytest.mark.engine_independent

N, B, FO, FU = Required.NONE, Required.BASIC, Required.FOCUSED, Required.FULL

# (対象人数, 取扱者数, 重大事故, required)
VECTORS = [
    (0, 0, False, N),
    (999, 10_000, True, N),  # under 1,000: nothing is required, whatever else
    (1_000, 0, False, B),
    (9_999, 499, False, B),
    (9_999, 500, True, B),  # 1,000–<1万: 基礎 only, even with many handlers or an incident
    (10_000, 499, False, B),
    (10_000, 500, False, FO),
    (10_000, 499, True, FO),
    (99_999, 499, False, B),
    (99_999, 500, False, FO),
    (99_999, 0, True, FO),
    (100_000, 499, False, FO),
    (100_000, 500, False, FU),
    (100_000, 499, True, FU),
    (299_999, 499, False, FO),
    (299_999, 500, False, FU),
    (299_999, 10, True, FU),
    (300_000, 0, False, FU),
    (5_000_000, 0, False, FU),
]


@pytest.mark.parametrize(("subjects", "handlers", "incident", "expected"), VECTORS)
def test_the_ppc_table(subjects: int, handlers: int, incident: bool, expected: Required) -> None:
    assert required(subjects=subjects, handlers=handlers, serious_incident=incident) is expected


@pytest.mark.parametrize(
    ("subjects", "band"),
    [(0, 1), (999, 1), (1_000, 2), (9_999, 2), (10_000, 3), (99_999, 3), (100_000, 4), (299_999, 4), (300_000, 5)],
)
def test_bands_are_those_of_the_form(subjects: int, band: int) -> None:
    assert subjects_band(subjects) == band


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="対象人数"):
        required(subjects=-1, handlers=0, serious_incident=False)
    with pytest.raises(ValueError, match="取扱者数"):
        required(subjects=1, handlers=-1, serious_incident=False)


@pytest.mark.parametrize(
    ("level", "tier", "insufficient", "higher"),
    [
        (FU, Tier.FOCUSED, True, False),
        (FO, Tier.BASIC, True, False),
        (FO, Tier.FOCUSED, False, False),
        (FO, Tier.FULL, False, True),
        (B, Tier.BASIC, False, False),
        (N, Tier.BASIC, False, False),
        (FU, Tier.FULL, False, False),
    ],
)
def test_comparison_with_the_report_tier(level: Required, tier: Tier, insufficient: bool, higher: bool) -> None:
    c = compare(required_level=level, report_tier=tier)
    assert (c.insufficient, c.higher_than_required) == (insufficient, higher)
    assert level.label in c.message
