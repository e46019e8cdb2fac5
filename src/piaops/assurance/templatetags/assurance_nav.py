"""``{% if request.user|sees_every_party %}``: the assurance menu shows a link only to who may open it."""

from __future__ import annotations

from django import template

from piaops.assurance import models
from piaops.tenancy.models import User

register = template.Library()


@register.filter
def sees_every_party(user: User) -> bool:
    """The rule of the ISMAP台帳 and 責任分界表 pages themselves (a 事業者担当 sees only their own party: 403)."""
    return models.sees_every_party(user)
