"""``{% if request.user|sees_all_training_records %}``: the training menu shows a link only to who may open it."""

from __future__ import annotations

from typing import Any

from django import template

from piaops.training.views import _municipality_wide

register = template.Library()


@register.filter
def sees_all_training_records(user: Any) -> bool:
    """The rule of the 受講記録 and Ⅳ-2 評価 pages themselves (municipality-wide readers; a unit role gets 403)."""
    return _municipality_wide(user)
