"""``python -m bench.load`` reuses its prepared database only when it was built with the same parameters and the same
migrations and demo builders, and not too long ago (the ~20 min preparation of a 15,000-staff tenant)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bench.load import __main__ as load

TODAY = dt.date(2026, 12, 7)


def _args(**kw: int) -> argparse.Namespace:
    return argparse.Namespace(**({"people": 15000, "units": 400, "years": 5, "heads": 0, "admins": 20} | kw))


@pytest.mark.engine_independent
def test_the_same_parameters_reuse_and_any_other_rebuilds() -> None:
    wanted = load.preparation(_args())
    assert wanted["heads"] == 1 and wanted["admins"] == 21  # the baseline run's users included
    marker = {"params": dict(wanted), "day": TODAY.isoformat(), "plan": "{}"}
    assert load.reusable(marker, wanted, TODAY) == ""
    assert load.reusable(None, wanted, TODAY) == "no prepared database"
    assert "people" in load.reusable(marker, load.preparation(_args(people=2000)), TODAY)
    assert "admins" in load.reusable(marker, load.preparation(_args(admins=5)), TODAY)
    assert "years" in load.reusable(marker, load.preparation(_args(years=2)), TODAY)
    assert "fingerprint" in load.reusable(marker, wanted | {"fingerprint": "0" * 64}, TODAY)
    assert load.reusable(marker, wanted, TODAY + dt.timedelta(days=load.MAX_AGE_DAYS - 1)) == ""
    assert "days ago" in load.reusable(marker, wanted, TODAY + dt.timedelta(days=load.MAX_AGE_DAYS))


@pytest.mark.engine_independent
def test_the_fingerprint_follows_the_migrations_and_the_demo(tmp_path: Path) -> None:
    root = Path(load.ROOT)
    copy = tmp_path / "checkout"
    for part in ("src/piaops", "bench/load"):
        shutil.copytree(root / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    assert load.fingerprint(copy) == load.fingerprint(root)
    demo = copy / "src/piaops/training/demo.py"
    demo.write_text(demo.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = load.fingerprint(copy)
    assert changed != load.fingerprint(root)
    (copy / "src/piaops/core/views.py").write_text("# not a builder of the data\n", encoding="utf-8")
    assert load.fingerprint(copy) == changed
    migration = next((copy / "src/piaops/tenancy/migrations").glob("0001_*.py"))
    migration.write_text(migration.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load.fingerprint(copy) != changed


@pytest.mark.engine_independent
def test_the_prepared_database_is_named_after_the_run_database() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/piaops_load"
    assert load.prepared_url(url) == "postgresql://postgres@127.0.0.1:5432/piaops_load_prepared"


@pytest.mark.skipif(os.environ.get("PIAOPS_TEST_DB") != "postgres", reason="a PostgreSQL role: the PostgreSQL pass")
def test_the_server_under_load_connects_as_a_role_that_row_level_security_applies_to() -> None:
    import psycopg

    server = os.environ["PIAOPS_TEST_DATABASE_URL"].rsplit("/", 1)[0]
    name = f"piaops_rlsrole_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{server}/{name}", autocommit=True) as owner:
            owner.execute("CREATE TABLE t (municipality_id int)")
            owner.execute("INSERT INTO t VALUES (1), (2), (2)")
            owner.execute("ALTER TABLE t ENABLE ROW LEVEL SECURITY")
            owner.execute("CREATE POLICY p ON t USING (municipality_id = current_setting('x.m')::int)")
        url = load._app_role(f"{server}/{name}")
        assert urlparse(url).username == f"{name}_app" and urlparse(url).path == f"/{name}"
        with psycopg.connect(url) as app:
            row = app.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()
            assert row == (False, False)
            app.execute("SELECT set_config('x.m', '2', false)")
            assert app.execute("SELECT count(*) FROM t").fetchone() == (2,)  # the policy applies: not 3
        assert load._app_role(f"{server}/{name}") == url  # a second run reuses the role
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{name}_app"')
