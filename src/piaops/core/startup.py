"""Start-up guard: the server refuses to run against a database with unapplied migrations."""

from __future__ import annotations

import sys


class UnappliedMigrations(RuntimeError):
    pass


def unapplied_migrations() -> list[str]:
    """``app.migration`` names not yet applied to the default database, in the order ``migrate`` would apply them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def message(pending: list[str]) -> str:
    shown = "、".join(pending[:3]) + (" ほか" if len(pending) > 3 else "")
    return (
        f"データベースに未適用のマイグレーションが {len(pending)} 件あります（{shown}）。"
        "サーバーを起動する前に `piaops migrate` を実行してください。"
    )


def ensure_migrated() -> None:
    """Raise ``UnappliedMigrations`` (after printing its Japanese message to stderr) when a migration is pending."""
    pending = unapplied_migrations()
    if pending:
        text = message(pending)
        print(f"piaops: {text}", file=sys.stderr, flush=True)
        raise UnappliedMigrations(text)
