"""The one way to record the admin's rating of a Section Ⅳ item (Ⅳ-1① 自己点検, Ⅳ-1② 監査).

Each app computes its suggestion (``suggest_rating``) and names what was rated (a campaign, a 年度); recording the
choice — checked against the suggestion, kept with the numbers it rested on, written with its audit entry in one
transaction — is the same for every item and lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.db import transaction
from django.utils import timezone

from piaops.assessments.models import SectionIVDecision
from piaops.assessments.suggestion import Suggestion, checked_choice
from piaops.audittrail.services import record_create
from piaops.lib.fiscal import wareki

if TYPE_CHECKING:
    from piaops.tenancy.models import User

D = TypeVar("D", bound=SectionIVDecision)


def section4_decide(
    decision: D, *, chosen: str, reason: str, suggest: Callable[[], Suggestion], by: User | None, summary: str
) -> D:
    """Record ``by``'s choice ``chosen`` on ``decision`` — a new, unsaved row that names its municipality and what
    was rated (a campaign, a 年度) — with the suggestion ``suggest`` makes and its numbers, and save it with the
    audit entry ``summary``. Raises ``ValidationError`` (on ``chosen`` or ``reason``) as :func:`checked_choice`
    does: the rating must be one of Section Ⅳ's, and one other than the suggestion needs a reason."""
    suggestion = checked_choice(chosen=chosen, reason=reason, suggest=suggest)
    decision.suggested = suggestion.rating
    decision.chosen = chosen
    decision.reason = reason
    decision.numbers = suggestion.decision_numbers()
    decision.decided_at = timezone.now()
    decision.decided_by = by if by is not None and by.pk else None
    with transaction.atomic():
        decision.save(force_insert=True)
        record_create(decision, municipality_id=decision.municipality_id, summary=summary)
    return decision


def drift_note(decision: SectionIVDecision | None, suggestion: Suggestion, *, whose: str = "") -> str:
    """The sentence a page shows beside ``decision`` (the one in force) when today's ``suggestion`` for the same
    item no longer matches the suggestion and numbers it was recorded against
    (:meth:`Suggestion.changes_since`); "" when it still does, or when nothing was decided. ``whose`` names the
    decision (「この評価書の」)."""
    if decision is None:
        return ""
    changes = suggestion.changes_since(suggested=decision.suggested, numbers=decision.numbers)
    if not changes:
        return ""
    return (
        f"{whose}決定（{wareki(timezone.localtime(decision.decided_at).date())}）の後に根拠が変わりました："
        f"{'、'.join(changes)}。今の数値で改めて決定してください。"
    )
