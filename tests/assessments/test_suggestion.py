"""``Suggestion.changes_since``: what a recorded Section Ⅳ decision's numbers no longer match, as the page says it."""

from __future__ import annotations

from typing import Any

import pytest

from piaops.assessments.suggestion import Condition, Suggestion
from piaops.assessments.vocab import SectionIVRating

pytestmark = pytest.mark.engine_independent

CYCLE = Condition("現地監査の周期を守っている", True, "2 / 2 所属")
DONE = Condition("計画した監査がすべて完了", True, "3 / 3 件")


def _now(*conditions: Condition, audits: int = 3) -> Suggestion:
    return Suggestion.from_conditions(numbers={"audits": audits}, sufficient=list(conditions), special=[])


def _recorded(s: Suggestion) -> tuple[str, dict[str, Any]]:
    return str(s.rating), s.decision_numbers()


@pytest.mark.parametrize(
    ("then", "now", "expected"),
    [
        (_now(CYCLE, DONE), _now(CYCLE, DONE), []),
        (_now(CYCLE, DONE, audits=3), _now(CYCLE, DONE, audits=4), ["根拠の件数"]),
        (
            _now(CYCLE, DONE),
            _now(CYCLE, Condition(DONE.label, False, "2 / 3 件")),
            [
                "提案「特に力を入れて行っている」→「十分に行っていない」",
                "計画した監査がすべて完了：○ 3 / 3 件 → × 2 / 3 件",
            ],
        ),
        (_now(CYCLE), _now(CYCLE, DONE), ["計画した監査がすべて完了：（なし） → ○ 3 / 3 件"]),
        (_now(CYCLE, DONE), _now(CYCLE), ["計画した監査がすべて完了：○ 3 / 3 件 → （なし）"]),
    ],
    ids=["unchanged", "figures only", "condition and rating", "condition added", "condition gone"],
)
def test_changes_since_a_recorded_decision(then: Suggestion, now: Suggestion, expected: list[str]) -> None:
    suggested, numbers = _recorded(then)
    assert now.changes_since(suggested=suggested, numbers=numbers) == expected


def test_a_rating_is_named_by_its_label() -> None:
    assert _now(CYCLE).rating == SectionIVRating.SPECIAL_EFFORT
    changed = _now(Condition(CYCLE.label, False, "1 / 2 所属"))
    assert changed.changes_since(suggested=SectionIVRating.SPECIAL_EFFORT, numbers=_now(CYCLE).decision_numbers())[
        0
    ] == ("提案「特に力を入れて行っている」→「十分に行っていない」")
