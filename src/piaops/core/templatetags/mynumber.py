"""``{{ value|mask_my_number }}``: for the few places that must repeat what the user sent (a ``next`` URL)."""

from __future__ import annotations

from typing import Any

from django import template

from piaops.lib.mynumber import mask_my_numbers

register = template.Library()


@register.filter
def mask_my_number(value: Any) -> str:
    return mask_my_numbers(str(value)) if value is not None else ""
