"""Two stateless app nodes behind nginx on one PostgreSQL, proven on this machine (README "複数ノード").

Each node is a gunicorn (2 processes) and a ``piaops worker`` with a data directory of its own (nothing shared on
disk): files go to the database storage (``PIAOPS_FILE_STORAGE=database``), sessions and locks are in the database.
Debian's nginx balances the two round-robin and retries an idempotent request on the other node when one fails.
The steps run in order on one cluster (the last one kills node A):

1. evidence uploaded through node A downloads byte for byte through node B (the 所属長 logged in through A);
2. 200 jobs (20 people imports, 180 campaign ZIPs) enqueued through nginx each run exactly once, taken by both
   workers, their progress page the same on either node;
3. ``piaops remind`` started on both nodes at the same instant mails each reminder once (a real SMTP server);
4. a people import whose worker is killed (SIGKILL) half-way leaves no row, and node B's worker runs it again, once;
5. 20 users reading pages while node A is killed (SIGKILL): every request is answered, none with an error.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
import requests
from aiosmtpd.controller import Controller
from bench.load.nginx import NGINX
from bench.load.nginx import start as nginx_start

from tests.live import free_port
from tests.selfcheck.test_reminders import Inbox

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
HEADER = "職員番号,氏名,雇用形態,所属組織コード,職名,配属開始日,特定個人情報取扱"
IMPORTS, ZIPS = 20, 180
# Big enough that the import is still in its transaction when the worker is killed, even on an idle machine.
KILLED_ROWS = 30_000


def _skip_reason() -> str | None:
    if os.environ.get("PIAOPS_TEST_DB") != "postgres":
        return (
            "multi-node runs on PostgreSQL only (SQLite is one node's file); make test runs it in the PostgreSQL pass"
        )
    if not Path(NGINX).exists():
        return "Debian's nginx is not installed (.ci/run installs it)"
    return None


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class Node:
    name: str
    url: str
    env: dict[str, str]
    server: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]


@dataclass
class Cluster:
    url: str  # nginx
    nodes: dict[str, Node]
    database_url: str
    plan: dict[str, object]
    inbox: Inbox
    work: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def piaops(self, node: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "piaops.cli", *args],
            env=self.nodes[node].env,
            cwd=self.work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def sql(self, query: str) -> list[tuple[object, ...]]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return list(conn.execute(query).fetchall())


def _database(base: str) -> str:
    parsed = urlparse(base)
    name = f"{parsed.path.lstrip('/')}_nodes"
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


def _node_env(work: Path, name: str, database_url: str, secret: str, smtp_port: int) -> dict[str, str]:
    home = work / f"node-{name}"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_")) and k != "DATABASE_URL"}
    return env | {
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
        "DATABASE_URL": database_url,
        "PIAOPS_FILE_STORAGE": "database",
        "PIAOPS_HOME": str(home),
        "PIAOPS_VAR_DIR": str(home / "var"),
        "PIAOPS_DEBUG": "0",
        "PIAOPS_SECRET_KEY": secret,
        "PIAOPS_SSL_REDIRECT": "0",  # plain HTTP on loopback
        "PIAOPS_SECURE_COOKIES": "0",
        "PIAOPS_HSTS_SECONDS": "0",
        "PIAOPS_LOG_LEVEL": "WARNING",
        "PIAOPS_SMTP_HOST": "127.0.0.1",
        "PIAOPS_SMTP_PORT": str(smtp_port),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"{url} did not become ready:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    reason = _skip_reason()
    if reason:
        if os.environ.get("PIAOPS_TEST_DB") == "postgres" and os.environ.get("PIAOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("multinode")
    database_url = _database(os.environ["PIAOPS_TEST_DATABASE_URL"])
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    secret = secrets.token_urlsafe(40)
    envs = {n: _node_env(work, n, database_url, secret, smtp.port) for n in ("a", "b")}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        done = subprocess.run(
            [sys.executable, "-m", "piaops.cli", "migrate", "--no-input", "-v", "0"],
            env=envs["a"], cwd=work, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        done = subprocess.run(
            [sys.executable, "-m", "tests.multinode.seed", str(work / "plan.json")],
            env=envs["a"], cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        plan = json.loads((work / "plan.json").read_text(encoding="utf-8"))
        nodes: dict[str, Node] = {}
        for name, env in envs.items():
            port = free_port()
            log = (work / f"node-{name}.log").open("wb")
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "piaops.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--timeout", "60"],
                env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            worker = subprocess.Popen(
                [sys.executable, "-m", "piaops.cli", "worker", "--interval", "0.2", "--worker-id", f"worker-{name}"],
                env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            processes += [server, worker]
            nodes[name] = Node(name, f"http://127.0.0.1:{port}", env, server, worker)
        for name, node in nodes.items():
            _wait_ready(node.url, node.server, work / f"node-{name}.log")
        port = free_port()
        nginx = nginx_start(work, port=port, node_ports=[int(urlparse(n.url).port or 0) for n in nodes.values()])
        processes.append(nginx)
        _wait_ready(f"http://127.0.0.1:{port}", nginx, work / "nginx-start.log")
        yield Cluster(f"http://127.0.0.1:{port}", nodes, database_url, plan, inbox, work, processes)
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                try:
                    if process.args[0] == NGINX:  # type: ignore[index]
                        process.terminate()
                    else:
                        os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        parsed = urlparse(database_url)
        with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def _head(cluster: Cluster, via: str) -> requests.Session:
    """The 所属長, logged in through the real log-in form of ``via``."""
    session = requests.Session()
    page = session.get(f"{via}/login/", timeout=10)
    head = cluster.plan["head"]
    assert isinstance(head, dict)
    done = session.post(
        f"{via}/login/",
        data={"username": head["username"], "password": head["password"], "csrfmiddlewaretoken": _csrf(page.text)},
        timeout=10,
    )
    assert done.status_code == 200 and "ログアウト" in done.text
    return session


def _admin(cluster: Cluster) -> requests.Session:
    session = requests.Session()
    session.cookies.set("sessionid", str(cluster.plan["admin_session"]))
    return session


def test_evidence_uploaded_through_node_a_downloads_identical_through_node_b(cluster: Cluster) -> None:
    a, b = cluster.nodes["a"].url, cluster.nodes["b"].url
    head = _head(cluster, a)
    checklist = cluster.plan["checklist"]
    page = head.get(f"{a}/selfcheck/checklists/{checklist}/", timeout=10)
    content = "".join(f"持出簿 2026年10月 {i:06d} 件目 USBメモリ 返却済\n" for i in range(30_000)).encode()

    uploaded = head.post(
        f"{a}/selfcheck/checklists/{checklist}/evidence/",
        data={"answer": cluster.plan["answer"], "csrfmiddlewaretoken": _csrf(page.text)},
        files={"file": ("持出簿.txt", content, "text/plain")},
        timeout=30,
    )
    assert uploaded.status_code == 200, uploaded.text[-2000:]
    [(evidence_id,)] = cluster.sql("SELECT id FROM selfcheck_evidence")

    downloaded = head.get(f"{b}/selfcheck/evidence/{evidence_id}/", timeout=30)

    assert downloaded.status_code == 200 and downloaded.content == content  # more than 2 chunks of 512 KiB
    assert not any((cluster.work / f"node-{n}" / "var" / "media").exists() for n in ("a", "b"))  # nothing on disk


def _enqueue(cluster: Cluster) -> list[str]:
    """20 people imports (preview, then confirm) and 180 campaign ZIPs, through nginx; the job pages' URLs."""
    admin = _admin(cluster)
    token = _csrf(admin.get(f"{cluster.url}/selfcheck/campaigns/{cluster.plan['campaign']}/", timeout=10).text)
    jobs = []
    for i in range(IMPORTS):
        rows = (
            f"{HEADER}\n9{i:03d}1,岩見沢 {i}一,正規職員,A210,主事,2026/4/1,有\n"
            f"9{i:03d}2,岩見沢 {i}二,会計年度任用職員,A300,,R8.4.1,無\n"
        )
        preview = admin.post(
            f"{cluster.url}/tenancy/import/",
            data={"csrfmiddlewaretoken": token},
            files={"people_file": (f"people{i}.csv", rows.encode(), "text/csv")},
            timeout=30,
        )
        found = TOKEN.search(preview.text)
        assert found, preview.text[-2000:]
        confirm = admin.post(
            f"{cluster.url}/tenancy/import/confirm/",
            data={"token": found.group(1), "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        )
        jobs.append(confirm.headers["Location"])
    for _ in range(ZIPS):
        started = admin.post(
            f"{cluster.url}/selfcheck/campaigns/{cluster.plan['campaign']}/jobs/zip/",
            data={"csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        )
        jobs.append(started.headers["Location"])
    assert all(re.fullmatch(r"/jobs/\d+/", j) for j in jobs) and len(set(jobs)) == IMPORTS + ZIPS
    return jobs


def _status(session: requests.Session, url: str) -> str:
    page = session.get(url, headers={"HX-Request": "true"}, timeout=10)
    assert page.status_code == 200
    found = re.search(r'class="job-(\w+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_two_hundred_jobs_each_run_exactly_once_with_progress_on_either_node(cluster: Cluster) -> None:
    admin = _admin(cluster)
    jobs = _enqueue(cluster)
    watched = jobs[-1]  # the last in the queue: seen waiting, then done, from both nodes
    seen: dict[str, set[str]] = {"a": set(), "b": set()}
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        for name, node in cluster.nodes.items():
            seen[name].add(_status(admin, f"{node.url}{watched}"))
        [(finished,)] = cluster.sql("SELECT count(*) FROM jobs_job WHERE status IN ('succeeded', 'failed')")
        if finished == IMPORTS + ZIPS:
            break
        time.sleep(0.5)
    for name, node in cluster.nodes.items():
        seen[name].add(_status(admin, f"{node.url}{watched}"))

    rows = cluster.sql(
        "SELECT j.kind, j.status, j.attempts, r.status, r.worker_ids FROM jobs_job j "
        "JOIN django_tasks_database_dbtaskresult r ON r.id::text = j.task_id"
    )
    assert len(rows) == IMPORTS + ZIPS
    assert Counter((kind, status, attempts) for kind, status, attempts, _, _ in rows) == {
        ("people_import", "succeeded", 1): IMPORTS,
        ("selfcheck_zip", "succeeded", 1): ZIPS,
    }
    assert {task_status for _, _, _, task_status, _ in rows} == {"SUCCESSFUL"}
    assert all(len(workers) == 1 for *_, workers in rows)  # each task claimed once
    by_worker = Counter(workers[0] for *_, workers in rows)
    assert set(by_worker) == {"worker-a", "worker-b"}, by_worker  # both nodes' workers took tasks
    [(exports,)] = cluster.sql("SELECT count(*) FROM audittrail_auditentry WHERE action = 'export'")
    [(imports,)] = cluster.sql("SELECT count(*) FROM audittrail_auditentry WHERE action = 'import'")
    [(people,)] = cluster.sql("SELECT count(*) FROM tenancy_person")
    assert (exports, imports, people) == (ZIPS, IMPORTS, 2 * IMPORTS)  # each ran once: no double, no missing
    assert seen["a"] >= {"queued", "succeeded"} and seen["b"] >= {"queued", "succeeded"}, seen


def test_remind_on_both_nodes_at_the_same_instant_mails_each_reminder_once(cluster: Cluster) -> None:
    dry = cluster.piaops("a", "remind", "--dry-run", "--date", "2026-12-04").communicate(timeout=60)[0]
    due = [line for line in dry.splitlines() if line.count("\t") == 2]  # key, recipients, subject
    # A line with nobody to mail (「宛先なし」) only shows on the home page.
    mailed = [line for line in due if line.split("\t")[1] and "宛先なし" not in line.split("\t")[1]]
    assert mailed, dry

    runs = [cluster.piaops(node, "remind", "--date", "2026-12-04") for node in ("a", "b")]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert len(cluster.inbox.messages) == len(mailed)
    assert sorted(str(m["To"]) for m in cluster.inbox.messages) == sorted(line.split("\t")[1] for line in mailed)
    sent = [int(m.group(1)) for out, _ in outputs if (m := re.search(r"送信 (\d+) 件", out))]
    assert sum(sent) == len(due), outputs  # one node sent them; the other found the lock held or nothing left


def test_a_job_whose_worker_is_killed_mid_way_leaves_nothing_and_runs_again_elsewhere(cluster: Cluster) -> None:
    admin = _admin(cluster)
    token = _csrf(admin.get(f"{cluster.url}/tenancy/import/", timeout=10).text)
    rows = "".join(f"8{i:05d},札幌 {i},正規職員,A210,主事,2026/4/1,無\n" for i in range(KILLED_ROWS))
    preview = admin.post(
        f"{cluster.url}/tenancy/import/",
        data={"csrfmiddlewaretoken": token},
        files={"people_file": ("big.csv", f"{HEADER}\n{rows}".encode(), "text/csv")},
        timeout=60,
    )
    found = TOKEN.search(preview.text)
    assert found, preview.text[-2000:]
    [(people_before,)] = cluster.sql("SELECT count(*) FROM tenancy_person")
    a, b = cluster.nodes["a"], cluster.nodes["b"]
    os.killpg(b.worker.pid, signal.SIGSTOP)  # only node A's worker can take the job
    try:
        job_url = admin.post(
            f"{cluster.url}/tenancy/import/confirm/",
            data={"token": found.group(1), "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        ).headers["Location"]
        job_id = int(job_url.strip("/").rsplit("/", 1)[1])
        deadline = time.monotonic() + 60
        while cluster.sql(f"SELECT status FROM jobs_job WHERE id = {job_id}") != [("running",)]:
            assert time.monotonic() < deadline, "node A's worker never took the job"
            time.sleep(0.05)
        time.sleep(0.1)  # inside the import's transaction (30,000 rows take seconds)
        os.killpg(a.worker.pid, signal.SIGKILL)
        assert cluster.sql(f"SELECT status FROM jobs_job WHERE id = {job_id}") == [("running",)]
    finally:
        os.killpg(b.worker.pid, signal.SIGCONT)
    deadline = time.monotonic() + 90
    while cluster.sql(f"SELECT status FROM jobs_job WHERE id = {job_id}") != [("succeeded",)]:
        assert time.monotonic() < deadline, cluster.sql(f"SELECT status, message FROM jobs_job WHERE id = {job_id}")
        time.sleep(0.5)

    [(attempts, workers)] = cluster.sql(
        "SELECT j.attempts, r.worker_ids FROM jobs_job j JOIN django_tasks_database_dbtaskresult r "
        f"ON r.id::text = j.task_id WHERE j.id = {job_id}"
    )
    assert attempts == 2 and workers == ["worker-a", "worker-b"]  # killed on A, run again on B
    [(people_after,)] = cluster.sql("SELECT count(*) FROM tenancy_person")
    assert people_after - people_before == KILLED_ROWS  # the killed attempt left no row, the second made each once
    assert "完了" in admin.get(f"{b.url}{job_url}", timeout=10).text


def test_killing_node_a_under_load_loses_no_answer(cluster: Cluster) -> None:
    admin, checklist = _admin(cluster), cluster.plan["checklist"]
    head_cookies = _head(cluster, cluster.url).cookies
    pages = [("/", "ホーム"), ("/reports/", "ダッシュボード"), (f"/selfcheck/checklists/{checklist}/", "自己点検票")]
    answers: list[tuple[float, str, int, bool]] = []
    failures: list[tuple[float, str]] = []  # (when the request was sent, what broke)
    stop = threading.Event()
    killed_at: list[float] = []

    def user(n: int) -> None:
        session = requests.Session()
        session.cookies.update(admin.cookies if n % 2 else head_cookies)
        i = n
        while not stop.is_set():
            path, _ = pages[i % len(pages)]
            i += 1
            sent = time.monotonic()
            try:
                r = session.get(f"{cluster.url}{path}", timeout=30, allow_redirects=False)
                answers.append((time.monotonic(), path, r.status_code, "ログアウト" in r.text and "</html>" in r.text))
            except requests.RequestException as exc:
                failures.append((sent, f"{path}: {exc!r}"))
            time.sleep(0.05)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    time.sleep(3)
    node = cluster.nodes["a"]
    for process in (node.server, node.worker):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    killed_at.append(time.monotonic())
    time.sleep(5)
    stop.set()
    for t in threads:
        t.join(timeout=60)

    assert node.server.wait(timeout=10) == -signal.SIGKILL
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{node.url}/healthz", timeout=2)
    after = [a for a in answers if a[0] > killed_at[0]]
    assert len(after) > 20
    # nginx retries on node B every request node A had not begun to answer. One whose headers node A had already
    # written when it was killed cannot be retried by any balancer (the client holds half an answer): only such a
    # request, in flight at the kill, may break, and only mid-body; everything sent after the kill is answered.
    cut = [sent < killed_at[0] and "IncompleteRead" in f for sent, f in failures]
    # Node A's two sync workers answer one request each: at most two were being written.
    assert all(cut) and len(cut) <= 2, failures
    bad = [(path, status) for _, path, status, whole in answers if status != 200 or not whole]
    assert bad == [], bad[:10]  # every request answered in full, none with an error
    assert requests.get(f"{cluster.nodes['b'].url}/readyz", timeout=5).status_code == 200
