"""Simulated users of ``python -m bench.load --municipalities N`` (locust, headless): 番号制度総括管理者 of different
municipalities, each opening their municipality's checklist, dashboard and home page in turn, 1–3 s apart.

Read from the environment: ``PIAOPS_LOAD_PLAN`` (the JSON of ``bench.load.tenants_db prepare``) and
``PIAOPS_LOAD_SECONDS``. Everyone logs in first (password, then the TOTP code: Argon2 is slow on purpose), then all
read pages together for ``PIAOPS_LOAD_SECONDS``; the last to finish stops the run.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pyotp
from gevent.event import Event
from locust import HttpUser, between, task
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["PIAOPS_LOAD_PLAN"]).read_text(encoding="utf-8"))
SECONDS = float(os.environ.get("PIAOPS_LOAD_SECONDS", "60"))
USERS = len(PLAN["users"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_next = itertools.count()


class _Phase:
    logged_in = 0
    finished = 0
    started = 0.0
    ready = Event()


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise ValueError("CSRF token not found")
    return found.group(1)


class TenantAdmin(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        me = PLAN["users"][next(_next) % USERS]
        self.checklist = me["checklist"]
        page = self.client.get("/login/", name="ログイン画面")
        done = self.client.post(
            "/login/",
            data={"username": me["username"], "password": PLAN["password"], "csrfmiddlewaretoken": _csrf(page.text)},
            name="ログイン",
        )
        if "/accounts/otp/" in done.url:
            code = pyotp.TOTP(me["secret"]).now()
            done = self.client.post(
                done.url, data={"code": code, "csrfmiddlewaretoken": _csrf(done.text)}, name="ログイン（確認コード）"
            )
        _Phase.logged_in += 1
        if _Phase.logged_in == USERS:
            _Phase.started = time.monotonic()
            _Phase.ready.set()
        _Phase.ready.wait()
        if "/login/" in done.url or "/accounts/otp/" in done.url:
            raise StopUser()

    def on_stop(self) -> None:
        _Phase.finished += 1
        if _Phase.finished == USERS and self.environment.runner is not None:
            self.environment.runner.quit()

    def _time_is_up(self) -> None:
        if time.monotonic() - _Phase.started > SECONDS:
            raise StopUser()

    @task
    def checklist(self) -> None:
        self._time_is_up()
        self.client.get(f"/selfcheck/checklists/{self.checklist}/", name="自己点検票")

    @task
    def dashboard(self) -> None:
        self._time_is_up()
        self.client.get("/reports/", name="ダッシュボード")

    @task
    def home(self) -> None:
        self._time_is_up()
        self.client.get("/", name="ホーム")
