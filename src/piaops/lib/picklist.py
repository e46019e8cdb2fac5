"""Searchable pick lists of people and units (issue 19 §2).

``searchable(field)`` renders a choice field's ``<select>`` with a filter box above it: typing part of a name, a
kana or a code keeps only the matching options (``core/static/piaops/picklist.js``, served from the app). A list of
checkboxes (``CheckboxSelectMultiple``, e.g. a work's 担当組織) gets the same box once it holds more than
``LONG_LIST`` boxes; a short one stays as it is. Without JavaScript the filter box stays hidden and the plain
``<select>`` or checkboxes work as before (typing the first letters still jumps to an option), so every page keeps
working without script.
"""

from __future__ import annotations

from django import forms

TEMPLATE = "core/widgets/searchable_select.html"
CHECKBOXES_TEMPLATE = "core/widgets/searchable_checkboxes.html"
LONG_LIST = 10  # written out in CHECKBOXES_TEMPLATE too (a template cannot read it)


def searchable(field: forms.Field) -> None:
    """Give ``field`` (a single or multiple choice field shown as a ``<select>`` or as checkboxes) the filter box."""
    widget = field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        widget.template_name = CHECKBOXES_TEMPLATE
        return
    if not isinstance(widget, forms.Select) or isinstance(widget, forms.RadioSelect):
        raise TypeError(f"searchable() needs a <select> or checkboxes, not {type(widget).__name__}")
    widget.template_name = TEMPLATE
