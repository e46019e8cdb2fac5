"""A migration step of raw SQL per database vendor (triggers, generated columns): what Django's schema editor
cannot say portably. Each vendor's statements run in order; a vendor not named runs nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import migrations


def _run(statements_by_vendor: Mapping[str, Sequence[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def vendor_sql(forward: Mapping[str, Sequence[str]], reverse: Mapping[str, Sequence[str]]) -> migrations.RunPython:
    """``RunPython`` running ``forward[vendor]`` when migrating and ``reverse[vendor]`` when unapplying."""
    return migrations.RunPython(_run(forward), _run(reverse))
