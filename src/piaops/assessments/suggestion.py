"""The suggested rating of a Section Ⅳ item (Ⅳ-1① 自己点検, Ⅳ-1② 監査) and the check of the admin's choice.

Each app states its own conditions with their numbers; the rule that turns them into a rating, and what a
decision must carry, is the same for every item (pure; importable anywhere).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from piaops.assessments.vocab import SectionIVRating


@dataclass(frozen=True)
class Condition:
    label: str
    ok: bool
    detail: str


@dataclass
class Suggestion:
    rating: SectionIVRating
    numbers: dict[str, Any]
    sufficient: list[Condition] = field(default_factory=list)
    special: list[Condition] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.rating.label)

    @classmethod
    def from_conditions(
        cls, *, numbers: dict[str, Any], sufficient: list[Condition], special: list[Condition]
    ) -> Suggestion:
        """十分に行っている when every ``sufficient`` condition holds, 特に力を入れて行っている when every
        ``special`` one holds as well; otherwise 十分に行っていない."""
        if all(c.ok for c in sufficient):
            rating = SectionIVRating.SPECIAL_EFFORT if all(c.ok for c in special) else SectionIVRating.SUFFICIENT
        else:
            rating = SectionIVRating.INSUFFICIENT
        return cls(rating=rating, numbers=numbers, sufficient=sufficient, special=special)

    def decision_numbers(self) -> dict[str, Any]:
        """What a recorded decision keeps: the numbers and every condition (sufficient first), as JSON values."""
        return {**self.numbers, "conditions": [asdict(c) for c in self.sufficient + self.special]}

    def changes_since(self, *, suggested: str, numbers: dict[str, Any]) -> list[str]:
        """What differs from a decision recorded against the suggestion ``suggested`` with ``numbers`` (its
        :meth:`decision_numbers`), in Japanese: the suggested rating, then each condition that appeared, went or
        changed (○/× and its figures); when only figures no condition shows differ, one line says so. Empty when
        the decision still rests on today's numbers."""
        changes = []
        if suggested != self.rating:
            before = SectionIVRating(suggested).label if suggested in SectionIVRating.values else suggested
            changes.append(f"提案「{before}」→「{self.label}」")
        now = self.decision_numbers()
        then_conditions = {c["label"]: c for c in numbers.get("conditions", []) if isinstance(c, dict)}
        now_conditions = {c["label"]: c for c in now["conditions"]}
        for label in [*then_conditions, *(k for k in now_conditions if k not in then_conditions)]:
            then, current = then_conditions.get(label), now_conditions.get(label)
            if then != current:
                changes.append(f"{label}：{_condition_text(then)} → {_condition_text(current)}")
        if not changes and numbers != now:
            changes.append("根拠の件数")
        return changes


def _condition_text(condition: dict[str, Any] | None) -> str:
    if condition is None:
        return "（なし）"
    return f"{'○' if condition.get('ok') else '×'} {condition.get('detail', '')}".strip()


def checked_choice(*, chosen: str, reason: str, suggest: Callable[[], Suggestion]) -> Suggestion:
    """The suggestion the admin's ``chosen`` rating is recorded against. ``chosen`` must be a Section Ⅳ rating
    (checked before ``suggest`` runs); choosing other than the suggestion needs a ``reason``. Else a
    ``ValidationError`` on the field concerned."""
    if chosen not in SectionIVRating.values:
        raise ValidationError({"chosen": "評価を選んでください。"})
    suggestion = suggest()
    if chosen != suggestion.rating and not reason.strip():
        raise ValidationError({"reason": "提案と異なる評価を選ぶ場合は、その理由を入力してください。"})
    return suggestion
