"""The reminder ledger moved from findings to core in Django's state only: the table and its rows are untouched.

The migrations themselves (fresh, on a database of the previous version with rows, and backwards) were run on
SQLite and PostgreSQL when the move was made; this test keeps the two states describing the same table.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState

BEFORE = ("findings", "0002_followup_version")
AFTER = [("core", "0001_initial"), ("findings", "0003_move_sentreminder_to_core")]


def _table(state: ModelState) -> dict[str, Any]:
    return {
        "columns": {name: field.deconstruct()[1:] for name, field in state.fields.items()},
        "constraints": [c.deconstruct() for c in state.options["constraints"]],
    }


def test_the_ledger_is_core_s_model_on_the_same_table() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    before = loader.project_state(BEFORE).models
    after = loader.project_state(AFTER).models
    assert ("findings", "sentreminder") in before and ("core", "sentreminder") not in before
    assert ("findings", "sentreminder") not in after
    assert after["core", "sentreminder"].options["db_table"] == "findings_sentreminder"
    assert _table(after["core", "sentreminder"]) == _table(before["findings", "sentreminder"])
    assert apps.get_model("core", "SentReminder")._meta.db_table == "findings_sentreminder"
