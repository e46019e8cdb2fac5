"""Simulated users for ``python -m bench.load`` (locust, headless): 所属長 answering and submitting their unit's
checklist while 番号制度総括管理者 open the dashboard and the campaign's progress.

Read from the environment (set by ``bench.load``): ``PIAOPS_LOAD_PLAN`` (the JSON written by ``bench.load.db
prepare``), ``PIAOPS_LOAD_EXPECTED`` (a JSON-lines file this appends one line to per confirmed submission),
``PIAOPS_LOAD_HEADS`` / ``PIAOPS_LOAD_ADMINS`` (how many of each, the first ``PIAOPS_LOAD_FIRST_HEAD`` heads
skipped; likewise ``PIAOPS_LOAD_FIRST_ADMIN``), ``PIAOPS_LOAD_HOME`` (1: admins also open the home page) and
``PIAOPS_LOAD_BURST`` (1: no time between opening the checklist and saving it, see below) and ``PIAOPS_LOAD_THINK``
(``low,high`` seconds between actions; default ``1,3``: the single-client run thinks less, to gather more samples of
each page from one client).

Each 所属長 logs in, opens the self-inspection list and the checklist, saves a draft with half the answers, then
answers every item (one いいえ with a comment, a plan and a date; the rest はい with a comment) and submits; after
that they keep reading their checklist. Between actions a person thinks for 1–3 seconds, and filling in the form
between opening it and saving it is an action too (a real 所属長 takes minutes over twenty items: 1–3 seconds is far
harsher than real use). With ``PIAOPS_LOAD_BURST=1`` the form is saved the instant it arrives, so that all 50 saves
land in the same second after the common start: the worst case, reported for comparison, not the target's scenario.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import gevent
import pyotp
from gevent.event import Event
from locust import HttpUser, between, task
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["PIAOPS_LOAD_PLAN"]).read_text(encoding="utf-8"))
EXPECTED = Path(os.environ["PIAOPS_LOAD_EXPECTED"])
FIRST_HEAD = int(os.environ.get("PIAOPS_LOAD_FIRST_HEAD", "0"))
WITH_HOME = os.environ.get("PIAOPS_LOAD_HOME") == "1"
BURST = os.environ.get("PIAOPS_LOAD_BURST") == "1"
THINK = tuple(float(x) for x in os.environ.get("PIAOPS_LOAD_THINK", "1,3").split(","))
HEADS = int(os.environ.get("PIAOPS_LOAD_HEADS", "50"))
ADMINS = int(os.environ.get("PIAOPS_LOAD_ADMINS", "5"))
SECONDS = float(os.environ.get("PIAOPS_LOAD_SECONDS", "60"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ITEMS = re.compile(r'name="v(\d+)"')
_heads = itertools.count(FIRST_HEAD)
_admins = itertools.count(int(os.environ.get("PIAOPS_LOAD_FIRST_ADMIN", "0")))
_write = threading.Lock()


class _Phase:
    """Everyone logs in first (a password hash is deliberately slow: Argon2), then all work for ``SECONDS``
    together; the last one to finish stops the run."""

    logged_in = 0
    finished = 0
    started = 0.0
    ready = Event()


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise ValueError("CSRF token not found")
    return found.group(1)


class _Person(HttpUser):
    abstract = True
    wait_time = between(THINK[0], THINK[1])

    def on_start(self) -> None:
        self.done = False
        failed = False
        try:
            self.begin()
        except StopUser:
            failed = True
        finally:
            _Phase.logged_in += 1
            if _Phase.logged_in == HEADS + ADMINS:
                _Phase.started = time.monotonic()
                _Phase.ready.set()
        _Phase.ready.wait()
        if failed:
            self.on_stop()
            raise StopUser()

    def begin(self) -> None:
        raise NotImplementedError

    def on_stop(self) -> None:
        if self.done:
            return
        self.done = True
        _Phase.finished += 1
        if _Phase.finished == HEADS + ADMINS and self.environment.runner is not None:
            self.environment.runner.quit()

    def time_is_up(self) -> None:
        if time.monotonic() - _Phase.started > SECONDS:
            raise StopUser()

    def _log_in(self, username: str, *, next_path: str) -> str:
        """Log in through the real pages; returns the HTML of the page landed on."""
        page = self.client.get("/login/", name="ログイン画面")
        done = self.client.post(
            f"/login/?next={next_path}",
            data={
                "username": username,
                "password": PLAN["password"],
                "csrfmiddlewaretoken": _csrf(page.text),
                "next": next_path,
            },
            name="ログイン",
        )
        if "/accounts/otp/" in done.url:
            code = pyotp.TOTP(PLAN["admins"][username]).now()
            done = self.client.post(
                done.url, data={"code": code, "csrfmiddlewaretoken": _csrf(done.text)}, name="ログイン（確認コード）"
            )
        if "/login/" in done.url or "/accounts/otp/" in done.url:
            self.environment.events.request.fire(
                request_type="POST", name="ログイン", response_time=0, response_length=0,
                exception=RuntimeError(f"{username}: ログインできません（{done.url}）"), context={}, response=None,
            )  # fmt: skip
            raise StopUser()
        return done.text


class UnitHead(_Person):
    fixed_count = HEADS

    def begin(self) -> None:
        self.username = PLAN["heads"][next(_heads)]
        index = self._log_in(self.username, next_path="/selfcheck/")
        found = re.search(r'href="/selfcheck/checklists/(\d+)/"', index)
        if found is None:
            self.environment.events.request.fire(
                request_type="GET", name="自己点検一覧", response_time=0, response_length=0,
                exception=RuntimeError(f"{self.username}: 自己点検票が一覧にありません"), context={}, response=None,
            )  # fmt: skip
            raise StopUser()
        self.url = f"/selfcheck/checklists/{found.group(1)}/"
        self.checklist = int(found.group(1))
        self.step = 0

    def _answers(self, items: list[str], *, upto: int) -> dict[str, list[str]]:
        """What this person answers: the first item いいえ with a plan, the others はい with a comment."""
        answers = {}
        for n, item in enumerate(items[:upto]):
            if n == 0:
                answers[item] = [
                    "no",
                    f"{self.username} 項目{n + 1}: 未実施",
                    f"{self.username}: 手順を定める",
                    "2027-03-01",
                ]
            else:
                answers[item] = ["yes", f"{self.username} 項目{n + 1}: 実施済", "", ""]
        return answers

    def _post(self, html: str, answers: dict[str, list[str]], action: str, name: str) -> bool:
        # "submit" is its own view (save and submit, with the confirmation the page asks for); "save" posts to the page.
        data = {"csrfmiddlewaretoken": _csrf(html)} | ({"confirm": "1"} if action == "submit" else {})
        for item, (value, comment, plan, date) in answers.items():
            data |= {f"v{item}": value, f"c{item}": comment, f"p{item}": plan, f"d{item}": date}
        url = self.url + ("submit/" if action == "submit" else "")
        with self.client.post(url, data=data, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"{name}: {r.status_code}")
                return False
        return True

    @task
    def work(self) -> None:
        self.time_is_up()
        page = self.client.get(self.url, name="自己点検票")
        items = ITEMS.findall(page.text)
        if self.step < 2 and not BURST:  # the person fills in the form before saving it
            gevent.sleep(self.wait_time())
        if self.step == 0:  # a draft with half the answers
            if self._post(page.text, self._answers(items, upto=len(items) // 2), "save", "自己点検票 下書き保存"):
                self.step = 1
        elif self.step == 1:  # every answer, submitted by the 所属長
            answers = self._answers(items, upto=len(items))
            if self._post(page.text, answers, "submit", "自己点検票 提出"):
                with self.client.get(self.url, name="自己点検票", catch_response=True) as shown:
                    if "提出しました" not in shown.text or "提出済" not in shown.text:
                        shown.failure("提出の確認が表示されません")
                        return
                with _write, EXPECTED.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"checklist": self.checklist, "answers": answers}, ensure_ascii=False) + "\n")
                self.step = 2
        else:  # submitted: the person looks at the list and the checklist now and then
            self.client.get("/selfcheck/", name="自己点検一覧")


class Admin(_Person):
    fixed_count = ADMINS

    def begin(self) -> None:
        self._log_in(sorted(PLAN["admins"])[next(_admins)], next_path="/reports/")

    @task(3)
    def dashboard(self) -> None:
        self.time_is_up()
        self.client.get("/reports/", name="ダッシュボード")

    @task(2)
    def progress(self) -> None:
        self.time_is_up()
        self.client.get(f"/selfcheck/campaigns/{PLAN['campaign']}/", name="自己点検 進捗")

    @task(1)
    def home(self) -> None:
        self.time_is_up()
        if WITH_HOME:
            self.client.get("/", name="ホーム")
        else:
            self.client.get("/selfcheck/", name="自己点検一覧")
