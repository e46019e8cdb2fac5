"""When an import's write outdates a table's planner statistics (piaops.lib.dbstats)."""

from __future__ import annotations

import pytest

from piaops.lib.dbstats import needs_analyze

pytestmark = pytest.mark.engine_independent


def test_a_table_is_analysed_when_the_write_is_autovacuums_share_of_it_or_it_was_never_counted() -> None:
    assert needs_analyze(5, -1, 0.1)  # never analysed
    assert needs_analyze(5, 0, 0.1)
    assert needs_analyze(100_000, 200_000, 0.1)
    assert needs_analyze(20_000, 200_000, 0.1)
    assert not needs_analyze(19_999, 200_000, 0.1)
    assert not needs_analyze(5_000, 3_000_000, 0.1)
