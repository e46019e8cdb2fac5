"""``python -m bench.load --municipalities N``: USERS 番号制度総括管理者 spread over N municipalities read their
checklist, dashboard and home page, against one node and then two nodes behind nginx, on one PostgreSQL.

Steps: a database of its own (dropped and created), migrated, N municipalities built by the demo steps
(``--people`` each) and the log-ins (``bench.load.tenants_db``); then for one node (gunicorn ``--workers``) and for
two nodes (two such gunicorns behind Debian's nginx, ``deploy/nginx-upstream.conf``): locust with USERS users for
``--seconds``; p50/p95 per page side by side. Exit status 1 when any request failed.

On one machine the two nodes share its cores: the comparison shows what the proxy and the shared database cost,
not the capacity a second server adds (README "複数ノード" says what is measured and what is extrapolated).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.load.__main__ import ROOT, _env, _free_port, _ms, _recreate_database, _run
from bench.load.nginx import start as nginx_start

HERE = Path(__file__).resolve().parent
PAGES = ("自己点検票", "ダッシュボード", "ホーム")


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer:\n{log.read_text(errors='replace')[-3000:]}")


def _gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "piaops.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60"],
        env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _locust(url: str, env: dict[str, str], out: Path, users: int, seconds: int) -> dict[str, dict[str, float]]:
    args = [
        sys.executable, "-m", "locust", "-f", str(HERE / "locust_tenants.py"), "--headless", "--host", url,
        "-u", str(users), "-r", str(users), "-t", f"{seconds + 300}s", "--stop-timeout", "10",
        "--csv", str(out), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    done = subprocess.run(args, env=env | {"PIAOPS_LOAD_SECONDS": str(seconds)}, cwd=ROOT, capture_output=True)
    stats_file = Path(f"{out}_stats.csv")
    if not stats_file.exists():
        raise SystemExit(f"locust failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    with stats_file.open(encoding="utf-8") as fh:
        return {
            row["Name"]: {
                "count": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "p50": _ms(row["50%"]),
                "p95": _ms(row["95%"]),
            }
            for row in csv.DictReader(fh)
        }


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        p.terminate()
    for p in processes:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def run(*, municipalities: int, people: int, users: int, workers: int, seconds: int, database_url: str) -> int:
    work = Path(tempfile.mkdtemp(prefix="piaops-tenants-"))
    (work / "var").mkdir()
    env = _env(database_url, work / "var") | {
        "PIAOPS_FILE_STORAGE": "database",
        "PIAOPS_LOAD_PLAN": str(work / "plan.json"),
    }
    print(
        f"== load over tenants: {users} 管理者 in {municipalities} 団体 × {people} 人, {seconds} s, "
        f"gunicorn {workers} workers per node",
        flush=True,
    )
    _recreate_database(database_url)
    _run([sys.executable, "-m", "piaops.cli", "migrate", "--no-input", "-v0"], env)
    _run(
        [sys.executable, "-m", "bench.load.tenants_db", "prepare", str(work / "plan.json"),
         str(municipalities), str(people), str(users)],
        env,
    )  # fmt: skip
    log = work / "nodes.log"
    results: dict[str, dict[str, dict[str, float]]] = {}
    port = _free_port()
    node = _gunicorn(env, port, workers, log)
    try:
        _wait(f"http://127.0.0.1:{port}", node, log)
        results["1 node"] = _locust(f"http://127.0.0.1:{port}", env, work / "one", users, seconds)
        ports = [port, _free_port()]
        second = _gunicorn(env, ports[1], workers, log)
        proxy_port = _free_port()
        proxy = nginx_start(work, port=proxy_port, node_ports=ports)
        try:
            _wait(f"http://127.0.0.1:{ports[1]}", second, log)
            _wait(f"http://127.0.0.1:{proxy_port}", proxy, work / "nginx-start.log")
            results["2 nodes"] = _locust(f"http://127.0.0.1:{proxy_port}", env, work / "two", users, seconds)
        finally:
            _stop([proxy, second])
    finally:
        _stop([node])

    print(f"  {'page':<14} {'1 node p50/p95 ms':>20} {'2 nodes p50/p95 ms':>20} {'requests':>9} {'errors':>6}")
    for name in (*PAGES, "ログイン"):
        cells = []
        for setup in ("1 node", "2 nodes"):
            s = results[setup].get(name, {})
            cells.append(f"{s.get('p50', 0):.0f}/{s.get('p95', 0):.0f}")
        count = sum(int(results[s].get(name, {}).get("count", 0)) for s in results)
        failed = sum(int(results[s].get(name, {}).get("failures", 0)) for s in results)
        print(f"  {name:<14} {cells[0]:>20} {cells[1]:>20} {count:>9} {failed:>6}")
    errors = sum(int(r.get("Aggregated", {}).get("failures", 0)) for r in results.values())
    load_avg = os.getloadavg()[0]
    print(f"  load average after the run: {load_avg:.1f} (2 cores); result: {'OK' if errors == 0 else 'FAILED'}")
    if errors == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"  files kept in {work}")
    return 0 if errors == 0 else 1
