"""Searchable pick lists of people and units (issue 19 §2).

``searchable(field)`` renders a choice field's ``<select>`` with a filter box above it: typing part of a name, a
kana or a code keeps only the matching options (``core/static/piaops/picklist.js``, served from the app). Without
JavaScript the filter box stays hidden and the plain ``<select>`` works as before (typing the first letters still
jumps to an option), so every page keeps working without script.
"""

from __future__ import annotations

from django import forms

TEMPLATE = "core/widgets/searchable_select.html"


def searchable(field: forms.Field) -> None:
    """Give ``field`` (a single or multiple choice field shown as a ``<select>``) the filter box."""
    widget = field.widget
    if not isinstance(widget, forms.Select) or isinstance(widget, forms.RadioSelect):
        raise TypeError(f"searchable() needs a <select>, not {type(widget).__name__}")
    widget.template_name = TEMPLATE
