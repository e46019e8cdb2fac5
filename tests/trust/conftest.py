"""One demo database for the trust tests, built once per run; each test takes a fresh copy of its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from tests.live import DATABASE_FILE, copy_migrated, copy_migrated_postgres
from tests.trust.scratch import _server, env_for, on_postgres, run, scratch_postgres

TODAY = "2026-10-15"
PEOPLE = 10


@dataclass
class Databases:
    """Fresh copies of one demo database: ``fresh(tag)`` returns the environment of a new copy."""

    fresh: Callable[[str], dict[str, str]]
    template: dict[str, str]


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    base = tmp_path_factory.mktemp("trust")
    url = scratch_postgres("trust_crash_template") if on_postgres() else None
    template = env_for(base / "template", url)
    (base / "template").mkdir()
    # A copy of the one migrated database of this test process: the migrate below has nothing left to do.
    if url is None:
        copy_migrated(base / "template" / DATABASE_FILE)
    else:
        copy_migrated_postgres(url, url.rsplit("/", 1)[1])
    for args in (("migrate", "--no-input", "-v0"), ("demo", "--people", str(PEOPLE), "--today", TODAY)):
        done = run(template, *args)
        assert done.returncode == 0, done.stderr

    def fresh(tag: str) -> dict[str, str]:
        var_dir = base / tag
        if url is None:
            shutil.copytree(base / "template", var_dir)
            return env_for(var_dir)
        var_dir.mkdir()
        server = _server()
        name = f"{server['dbname']}_trust_crash_{tag}"
        with psycopg.connect(
            host=server["host"], port=server["port"], user=server["user"], password=server["password"],
            dbname="postgres", autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(url.rsplit("/", 1)[1])
                )
            )
        return env_for(var_dir, url.rsplit("/", 1)[0] + "/" + name)

    yield Databases(fresh=fresh, template=template)
