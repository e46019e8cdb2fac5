"""``python -m bench.load``: 50 所属長 answer and submit checklists while 5 admins open dashboards, on PostgreSQL
under gunicorn, driven by locust (headless, loopback, bounded in time); then every submitted answer is checked.

Steps: a database of its own (dropped and created: ``--database-url``), migrated, the demo data (``--people``),
the load users and a campaign (``bench.load.db prepare``); gunicorn with production settings (DEBUG off) on a
free loopback port, connected as an ordinary role (``<name>_app``: row-level security applies, as in production);
a baseline run (one 所属長 and one admin, so the same pages unloaded) and the load run; p50/p95 per page for both;
``bench.load.db verify``. Exit status 1 when any request failed or any answer was lost.

The prepared state (migrated, demo, units, load users, launched campaign; many minutes at city size) is built in a
database of its own, ``<name>_prepared``, which records what it was built with (table ``bench_load_prepared``: the
parameters, a fingerprint of the migrations, demo builders and ``bench/load/db.py``, the day, and the users' plan).
Each run copies it into ``<name>`` (``CREATE DATABASE … TEMPLATE``) and loads that copy, so every run starts from
the same untouched state and ``verify`` checks exactly what it checked before. A re-run with the same parameters
and fingerprint, prepared less than ``MAX_AGE_DAYS`` ago, reuses it; ``--fresh`` rebuilds it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHECKLIST_PAGES = ("自己点検票", "自己点検票 下書き保存", "自己点検票 提出")
TARGET_P95_MS = 300
CITY_PEOPLE = 10_000
CLIENT_NICE = 10
# Issue 17, at city size: dashboard p95 under load, and the home page for one client (the baseline run).
PAGE_TARGETS = {"ダッシュボード": ("p95", 150), "ホーム": ("single p50", 60)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PREPARED_SUFFIX = "_prepared"
MARKER_TABLE = "bench_load_prepared"
MAX_AGE_DAYS = 7  # the campaign's deadline is 10 開庁日 after the day it was prepared


def _recreate_database(url: str, *, template: str | None = None) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def prepared_url(url: str) -> str:
    """The database the prepared state is kept in, next to the run's."""
    parsed = urlparse(url)
    return parsed._replace(path=f"/{parsed.path.lstrip('/')}{PREPARED_SUFFIX}").geturl()


def fingerprint(root: Path = ROOT) -> str:
    """SHA-256 of every file that decides the prepared data: the migrations, the demo builders and
    ``bench/load/db.py`` (path and content). Another checkout with other such files does not reuse the database."""
    src = root / "src" / "piaops"
    files = {*src.glob("**/migrations/*.py"), *src.glob("**/demo.py"), *src.glob("**/commands/demo.py")}
    files.add(root / "bench" / "load" / "db.py")
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def preparation(args: argparse.Namespace) -> dict[str, Any]:
    """What the prepared database is built with: equal values, same database."""
    return {
        "people": args.people,
        "units": args.units,
        "years": args.years,
        "heads": args.heads + 1,  # one more 所属長 and admin than the load uses: the unloaded baseline run's
        "admins": args.admins + 1,
        "fingerprint": fingerprint(),
    }


def reusable(marker: dict[str, Any] | None, wanted: dict[str, Any], today: dt.date) -> str:
    """Why the prepared database cannot be reused ("" when it can)."""
    if marker is None:
        return "no prepared database"
    differ = sorted(k for k in wanted if marker.get("params", {}).get(k) != wanted[k])
    if differ:
        return f"prepared with other {', '.join(differ)}"
    age = (today - dt.date.fromisoformat(marker["day"])).days
    if not 0 <= age < MAX_AGE_DAYS:
        return f"prepared {age} days ago (reused for {MAX_AGE_DAYS} days)"
    return ""


def read_marker(url: str) -> dict[str, Any] | None:
    """The record of a finished preparation in ``url``'s database, or None (no database, or not finished)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(
                f"SELECT params, day, plan FROM {MARKER_TABLE} WHERE to_regclass(%s) IS NOT NULL", [MARKER_TABLE]
            ).fetchone()
    except psycopg.Error:  # no such database, or no marker table: never finished
        return None
    if row is None:
        return None
    params, day, plan = row
    return {"params": json.loads(params), "day": day.isoformat(), "plan": plan}


def write_marker(url: str, params: dict[str, Any], plan: str, day: dt.date) -> None:
    """Written last, once every step succeeded: a preparation cut short leaves no marker and is rebuilt."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {MARKER_TABLE} (params text NOT NULL, day date NOT NULL, plan text NOT NULL)")
        conn.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s)", [json.dumps(params, sort_keys=True), day, plan])


def _prepare(args: argparse.Namespace, env: dict[str, str], plan: Path) -> None:
    """The run database as a fresh copy of the prepared one, built first unless a matching one exists."""
    source = prepared_url(args.database_url)
    wanted = preparation(args)
    today = dt.date.today()
    marker = None if args.fresh else read_marker(source)
    why = "--fresh" if args.fresh else reusable(marker, wanted, today)
    if why:
        started = time.monotonic()
        print(f"  preparing {urlparse(source).path.lstrip('/')} ({why})", flush=True)
        build_env = env | {"DATABASE_URL": source}
        piaops = [sys.executable, "-m", "piaops.cli"]
        _recreate_database(source)
        _run([*piaops, "migrate", "--no-input", "-v0"], build_env)
        years = ["--years", str(args.years)] if args.years else []
        _run([*piaops, "demo", "--people", str(args.people), *years], build_env)
        if args.units:
            _run([sys.executable, "-m", "bench.load.db", "grow", str(args.units)], build_env)
        _run(
            [sys.executable, "-m", "bench.load.db", "prepare", str(plan), str(wanted["heads"]), str(wanted["admins"])],
            build_env,
        )
        write_marker(source, wanted, plan.read_text(encoding="utf-8"), today)
        print(f"  prepared in {time.monotonic() - started:.0f} s", flush=True)
    else:
        assert marker is not None
        print(f"  reusing {urlparse(source).path.lstrip('/')}, prepared on {marker['day']} (--fresh rebuilds it)")
        plan.write_text(marker["plan"], encoding="utf-8")
    started = time.monotonic()
    _recreate_database(args.database_url, template=urlparse(source).path.lstrip("/"))
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {MARKER_TABLE}")  # the copy is loaded: it is no longer the prepared state
    print(f"  copied into {urlparse(args.database_url).path.lstrip('/')} in {time.monotonic() - started:.0f} s")


def _app_role(database_url: str) -> str:
    """``database_url`` as the server connects in production: an ordinary login role (no superuser, no BYPASSRLS)
    allowed to read and write every table, so the row-level security policies are evaluated on every statement of
    the measured pages (a superuser passes them by). Returns the URL with that role; preparing and checking the data
    stay with the URL's own user."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(database_url)
    role = f"{parsed.path.lstrip('/')}_app"
    with psycopg.connect(database_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS").format(sql.Identifier(role)))
        for grant in (
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}",
        ):
            conn.execute(sql.SQL(grant).format(sql.Identifier(role)))
    netloc = f"{role}@{parsed.hostname}" + (f":{parsed.port}" if parsed.port else "")
    return parsed._replace(netloc=netloc).geturl()


def _env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_")) and k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
        "DATABASE_URL": database_url,
        "PIAOPS_VAR_DIR": str(var_dir),
        "PIAOPS_DEBUG": "0",
        "PIAOPS_SECRET_KEY": secrets.token_urlsafe(40),
        # Plain HTTP on loopback: no TLS redirect, no Secure-only cookies, no HSTS.
        "PIAOPS_SSL_REDIRECT": "0",
        "PIAOPS_SECURE_COOKIES": "0",
        "PIAOPS_HSTS_SECONDS": "0",
        "PIAOPS_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if done.stdout.strip():
        print("  " + done.stdout.strip().splitlines()[-1], flush=True)


def _ms(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A" when a name has no request
        return 0.0


def _locust(
    *,
    url: str,
    env: dict[str, str],
    out: Path,
    heads: int,
    admins: int,
    first_head: int,
    first_admin: int,
    seconds: int,
) -> dict[str, dict[str, float]]:
    """Run locust headless; returns per request name: count, failures, p50 and p95 (ms)."""
    env = env | {
        "PIAOPS_LOAD_HEADS": str(heads),
        "PIAOPS_LOAD_ADMINS": str(admins),
        "PIAOPS_LOAD_FIRST_HEAD": str(first_head),
        "PIAOPS_LOAD_FIRST_ADMIN": str(first_admin),
        "PIAOPS_LOAD_SECONDS": str(seconds),
    }
    users = heads + admins  # all spawned at once; they log in, then work together for ``seconds``
    # The load client runs at a lower OS priority than the server (nice 10): on 2 cores the two compete, and the
    # figures are the server's.
    args = [
        "nice", "-n", str(CLIENT_NICE),
        sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", url,
        "-u", str(users), "-r", str(users), "-t", f"{seconds + 300}s", "--stop-timeout", "10",
        "--csv", str(out), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    stats_file = Path(f"{out}_stats.csv")
    if not stats_file.exists():
        raise SystemExit(f"locust failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    stats: dict[str, dict[str, float]] = {}
    with stats_file.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            stats[row["Name"]] = {
                "count": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "p50": _ms(row["50%"]),
                "p95": _ms(row["95%"]),
            }
    exceptions_file = Path(f"{out}_exceptions.csv")
    raised = list(csv.DictReader(exceptions_file.open(encoding="utf-8"))) if exceptions_file.exists() else []
    if raised:  # locust writes the file (a header only) even when nothing was raised
        for row in raised[:5]:
            print(f"  例外: {row.get('Message')} ×{row.get('Count')}")
        stats["(例外)"] = {
            "count": 0.0,
            "failures": float(sum(int(r.get("Count") or 1) for r in raised)),
            "p50": 0.0,
            "p95": 0.0,
        }
    failures_file = Path(f"{out}_failures.csv")
    if failures_file.exists():
        for row in list(csv.DictReader(failures_file.open(encoding="utf-8")))[:10]:
            print(f"  失敗: {row.get('Name')} {row.get('Error')} ×{row.get('Occurrences')}")
    return stats


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("PIAOPS_LOAD_SECONDS", "60")))
    parser.add_argument("--heads", type=int, help="所属長 answering checklists (default 50; 0 at city size)")
    parser.add_argument("--admins", type=int, help="admins on the dashboard and home (default 5; 20 at city size)")
    parser.add_argument("--people", type=int, default=2000, help="demo size (people; ≥ 10,000 is city size)")
    parser.add_argument("--units", type=int, help="units of the organisation (default: the demo's; 400 at city size)")
    parser.add_argument(
        "--years", type=int, help="年度 of history of every record (demo --years; default: the demo's; 5 at city size)"
    )
    parser.add_argument(
        "--baseline-seconds",
        type=int,
        default=60,
        help="the unloaded run (one 所属長, one admin): long enough that each worker serves each page warm, not only "
        "its first (template and URL loading) request",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PIAOPS_LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/piaops_load"),
        help="PostgreSQL database of the load test (dropped and created as a copy of <name>_prepared)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="rebuild <name>_prepared even if it was prepared with the same parameters"
    )
    parser.add_argument("--home", action="store_true", help="admins also open the home page")
    parser.add_argument(
        "--burst", action="store_true", help="save each form the instant it arrives (worst case, not the target's)"
    )
    _tenant_options(parser)
    args = parser.parse_args(argv)
    city = args.people >= CITY_PEOPLE  # issue 17: 20 users on the dashboard and home of a Sapporo-size tenant
    args.heads = args.heads if args.heads is not None else (0 if city else 50)
    args.admins = args.admins if args.admins is not None else (20 if city else 5)
    args.units = args.units if args.units is not None else (400 if city else 0)
    args.years = args.years if args.years is not None else (5 if city else None)  # issue 17: five 年度 kept
    args.home = args.home or city
    if args.municipalities:
        return _tenants(args)

    work = Path(tempfile.mkdtemp(prefix="piaops-load-"))
    env = _env(args.database_url, work / "var")
    if args.home:
        env["PIAOPS_LOAD_HOME"] = "1"
    if args.burst:
        env["PIAOPS_LOAD_BURST"] = "1"
    (work / "var").mkdir()
    plan, expected = work / "plan.json", work / "submitted.jsonl"
    env |= {"PIAOPS_LOAD_PLAN": str(plan), "PIAOPS_LOAD_EXPECTED": str(expected)}
    pacing = "burst: forms saved the instant they arrive" if args.burst else "1–3 s between actions"
    print(
        f"== load: {args.heads} 所属長 + {args.admins} 管理者, {args.seconds} s, demo {args.people} 人"
        f"{f', {args.units} 所属' if args.units else ''}{f', {args.years} 年度' if args.years else ''}, {pacing}; "
        f"load client at nice {CLIENT_NICE}, server at nice 0; load average {os.getloadavg()[0]:.2f} at the start",
        flush=True,
    )
    _prepare(args, env, plan)
    app_url = _app_role(args.database_url)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (work / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "piaops.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--timeout", "60"],
        env=env | {"DATABASE_URL": app_url}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/login/", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer:\n{(work / 'gunicorn.log').read_text()[-3000:]}")
            time.sleep(0.3)
        print(f"  gunicorn: {args.workers} workers on {url}", flush=True)
        # One client's figures: it thinks 0.2–0.6 s, so the run holds enough requests of each page (the home page is
        # one admin action in six) for a median, all from one client at a time.
        base = _locust(
            url=url, env=env | {"PIAOPS_LOAD_THINK": "0.2,0.6"}, out=work / "baseline", heads=1, admins=1,
            first_head=args.heads, first_admin=args.admins, seconds=args.baseline_seconds,
        )  # fmt: skip
        load = _locust(
            url=url, env=env, out=work / "load", heads=args.heads, admins=args.admins,
            first_head=0, first_admin=0, seconds=args.seconds,
        )  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    print(f"  {'page':<22} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}   baseline p50/p95 ms (1+1 users)")
    errors = 0
    slow = []
    for name, s in sorted(load.items()):
        if name == "Aggregated":
            continue
        b = base.get(name, {})
        errors += int(s["failures"])
        mark = ""
        if name in CHECKLIST_PAGES and s["p95"] >= TARGET_P95_MS:
            slow.append(name)
            mark = f"  (target p95 < {TARGET_P95_MS} ms)"
        if city and name in PAGE_TARGETS:
            kind, limit = PAGE_TARGETS[name]
            value = s["p95"] if kind == "p95" else b.get("p50", 0)
            if kind != "p95" and not b.get("count"):
                mark = f"  (goal {kind} < {limit} ms: not measured, no request in the 1+1 run)"
            else:
                met = value < limit
                mark = f"  (goal {kind} < {limit} ms: {'met' if met else 'MISSED'})"
                if not met:
                    slow.append(name)
        print(
            f"  {name:<22} {int(s['count']):>8} {int(s['failures']):>6} {s['p50']:>7.0f} {s['p95']:>7.0f}"
            f"   {b.get('p50', 0):.0f}/{b.get('p95', 0):.0f}{mark}"
        )
    errors += sum(int(s["failures"]) for n, s in base.items() if n != "Aggregated")
    load_avg = os.getloadavg()
    print(f"  load average after the run: {load_avg[0]:.1f} (2 cores); gunicorn errors in log: ", end="")
    server_errors = sum(1 for line in (work / "gunicorn.log").read_text().splitlines() if "Traceback" in line)
    print(server_errors)
    submitted = len(expected.read_text().splitlines()) if expected.exists() else 0
    print(f"  submitted: {submitted} of {args.heads + 1} checklists (load + baseline)")
    verified = subprocess.run(
        [sys.executable, "-m", "bench.load.db", "verify", str(plan), str(expected)], env=env, cwd=ROOT, check=False
    )
    ok = errors == 0 and server_errors == 0 and verified.returncode == 0 and submitted == args.heads + 1
    target = "targets (checklist pages p95 < 300 ms; city size: dashboard p95 < 150 ms, home < 60 ms): " + (
        f"missed by {', '.join(slow)}" if slow else "met"
    )
    print(f"  result: {'OK' if ok else 'FAILED'} (no error, no lost answer); {target}")
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"  files kept in {work}")
    return 0 if ok else 1


def _tenant_options(parser: argparse.ArgumentParser) -> None:
    """``--municipalities N``: the multi-tenant run of ``bench.load.tenants`` instead (one node, then two)."""
    parser.add_argument("--municipalities", type=int, default=0, help="tenants: run bench/load/tenants.py instead")
    parser.add_argument("--users", type=int, default=20, help="with --municipalities: simulated admins, one per tenant")


def _tenants(args: argparse.Namespace) -> int:
    from bench.load import tenants

    return tenants.run(
        municipalities=args.municipalities,
        people=args.people,
        users=args.users,
        workers=args.workers,
        seconds=args.seconds,
        database_url=args.database_url,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
