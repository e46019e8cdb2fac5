"""``{% if request.user|sees_all_training_records %}``: the training menu shows a link only to who may open it."""

from __future__ import annotations

from django import template

from piaops.tenancy.models import User
from piaops.training.models import sees_whole_municipality

register = template.Library()


@register.filter
def sees_all_training_records(user: User) -> bool:
    """The rule of the 受講記録 and Ⅳ-2 評価 pages themselves (municipality-wide readers; a unit role gets 403)."""
    return sees_whole_municipality(user)
