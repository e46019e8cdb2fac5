"""Dashboard charts never clip their labels (issue 19 §2); the colours are tested in test_dashboard.py."""

from __future__ import annotations

import re

from piaops.reports.charts import Bar, fit, rate_bars, text_width


def test_a_long_unit_label_is_cut_to_fit_its_room_and_kept_whole_in_its_title() -> None:
    label = "北部市税事務所 市民税課 個人住民税係（320111）"
    svg = str(rate_bars("受講率", [Bar(label, 0.5)], label_width=200))
    shown = re.search(r'text-anchor="end">([^<]*)<title>([^<]*)</title>', svg)
    assert shown is not None
    assert shown.group(1).endswith("…") and text_width(shown.group(1), 12) <= 200 - 8
    assert shown.group(2) == label


def test_a_short_label_is_left_whole() -> None:
    assert fit("税政課（310100）", 12, 192) == "税政課（310100）"


def test_the_old_cut_at_18_characters_would_have_overflowed() -> None:
    # 18 full-width characters at 12px are 216px, wider than the 194px left of the bars: the reason for fit().
    assert text_width("あ" * 18, 12) > 200 - 6
