"""Model labels as the audit trail stores them, across moves of a model from one app to another.

An entry's ``object_type`` is the model's label (``app.Model``) at the time it was written, and it is part of the
entry's hash: it is never rewritten. When a model moves to another app its old label goes into ``MOVED``, so that
old entries still show the model's Japanese name and field names, and are found together with the new ones.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

# Old label → the model's current label (always the current one, also after a second move).
MOVED: dict[str, str] = {
    "findings.SentReminder": "core.SentReminder",  # core.0001_initial / findings.0003
}


def current_label(label: str) -> str:
    """The label the model has today (``label`` itself unless the model has moved)."""
    return MOVED.get(label, label)


def labels_of(label: str) -> list[str]:
    """Every label under which entries of ``label``'s model are stored: the current one first, then the old ones."""
    current = current_label(label)
    return [current, *(old for old, new in MOVED.items() if new == current)]


def model_of(label: str) -> type[models.Model] | None:
    """The model an entry's ``object_type`` names, following moves; None for ``export`` or a removed model."""
    try:
        return apps.get_model(current_label(label))
    except (LookupError, ValueError):
        return None
