"""The short-cell shortcut of the guard answers exactly as the guard does, on any text (any script)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piaops.lib.mynumber import cell_contains_my_number, contains_my_number

pytestmark = pytest.mark.engine_independent

VALID = "123456789018"  # published test vector (pia-domain.md §5.1)
# Digits in every disguise the guard reads (full-width, circled, kanji) and separators, around the 12-character edge.
disguised = st.text(alphabet="0123456789０１２３４５６７８９①⑫㊿一二三〇 -ー・", min_size=10, max_size=14)
samples = st.sampled_from(
    [VALID, "1234 5678 9018", "１２３４５６７８９０１８", "1234-5678-9018", "12345678901", "x" + VALID, "2026-01-07"]
)
cells = st.text(max_size=20) | disguised | samples


@settings(max_examples=500)
@given(cells)
def test_the_shortcut_agrees_with_the_guard(text: str) -> None:
    assert cell_contains_my_number(text) == contains_my_number(text)


def test_the_guard_still_refuses_the_test_vector_in_a_cell() -> None:
    assert cell_contains_my_number(VALID) and cell_contains_my_number("１２３４５６７８９０１８")
