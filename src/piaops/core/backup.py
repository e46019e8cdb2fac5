"""Backup and restore of the whole database (``piaops backup FILE``, ``piaops restore FILE``).

SQLite: the online backup API (a consistent copy while the server runs); restore copies the file back page by page
into the live database through the same API, so the WAL and the open connections stay consistent.
PostgreSQL: ``pg_dump -Fc`` and ``pg_restore --clean --if-exists`` in one transaction. The audit trail's triggers
refuse UPDATE, DELETE and TRUNCATE, none of which a restore uses: ``--clean`` DROPs the tables (triggers included),
the data is loaded with COPY, and the triggers are created again from the dump after the data.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.db import connection, connections


class BackupError(Exception):
    """A backup or restore that could not be done; the message is Japanese and meant for the operator."""


def vendor() -> str:
    return connection.vendor


def table_counts() -> dict[str, int]:
    """Row count of every table of the database (for the summary after a restore and for tests)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = int(cursor.fetchone()[0])
    return counts


def backup(target: Path) -> None:
    """Write a backup of the configured database to ``target`` (written beside it first, then renamed)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".piaops-backup-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if vendor() == "sqlite":
            _sqlite_backup(tmp)
        elif vendor() == "postgresql":
            _run(
                # --enable-row-security: a role that row-level security applies to may dump (all rows: no tenant set).
                ["pg_dump", "--format=custom", "--no-owner", "--enable-row-security", "--file", str(tmp)],
                "バックアップ（pg_dump）",
            )
        else:
            raise BackupError(f"このデータベース（{vendor()}）のバックアップには対応していません。")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def restore(source: Path) -> None:
    """Replace the configured database's contents with the backup ``source``. Stop the server first."""
    if not source.is_file():
        raise BackupError(f"バックアップファイルがありません: {source}")
    if vendor() == "sqlite":
        _sqlite_restore(source)
    elif vendor() == "postgresql":
        _run(["pg_restore", "--list", str(source)], "バックアップファイルの確認（pg_restore --list）")
        connections.close_all()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                _pg_settings()["NAME"],
                str(source),
            ],
            "リストア（pg_restore）",
        )
    else:
        raise BackupError(f"このデータベース（{vendor()}）のリストアには対応していません。")
    connections.close_all()


def _sqlite_backup(tmp: Path) -> None:
    connection.ensure_connection()
    live: Any = connection.connection
    with sqlite3.connect(tmp) as copy:
        live.backup(copy)
    copy.close()


def _sqlite_restore(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_db:
            ok = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
            has_migrations = backup_db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
            ).fetchone()
            if ok != "ok" or not has_migrations:
                raise BackupError(f"piaops の SQLite バックアップではないか、壊れています: {source}")
            connection.ensure_connection()
            backup_db.backup(connection.connection)
        backup_db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"piaops の SQLite バックアップではないか、壊れています: {source}（{exc}）") from exc


def _pg_settings() -> dict[str, Any]:
    return dict(connection.settings_dict)


def _pg_env() -> dict[str, str]:
    db = _pg_settings()
    env = dict(os.environ)
    for key, name in [("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")]:
        if db.get(key):
            env[name] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _run(cmd: list[str], what: str) -> None:
    try:
        result = subprocess.run(cmd, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{what}: {cmd[0]} が見つかりません。PostgreSQL のクライアントを導入してください。") from exc
    if result.returncode != 0:
        raise BackupError(f"{what}に失敗しました: {result.stderr.strip()[:2000]}")
