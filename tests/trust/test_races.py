"""Two people saving the same checklist, follow-up or incident at the same moment: exactly one save wins, the other
gets the conflict, and nothing is silently overwritten.

Two real processes, each with its own PostgreSQL connection, load the same record at the same version, wait at a
barrier (each says "ready" and waits for "go" on its stdin) and then call the service at once with that version.
The database is a copy of the demo database (``tests/trust/conftest.py``), committed data that both connections see.

Also: failed log-ins from one address, counted by several processes at once, all count (the per-IP throttle).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.trust.conftest import Databases
from tests.trust.scratch import on_postgres, python, run


@pytest.fixture(autouse=True)
def _postgres_only() -> Iterator[None]:
    if not on_postgres():
        pytest.skip(
            "two concurrent connections need PostgreSQL: SQLite serialises every writer on one database lock, so "
            "there is no race to test (run with PIAOPS_TEST_DB=postgres)"
        )
    yield


# Each worker: load the record, say "ready", wait for "go", save with the version the parent read, say how it went.
WORKER = """
import django; django.setup()
import datetime as dt, sys
from piaops.audittrail.context import Actor, acting_as
from piaops.lib.versioning import ConflictError
kind, pk, expected, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if kind == "checklist":
    from piaops.selfcheck import services
    from piaops.selfcheck.models import Checklist
    checklist = Checklist.objects.select_related("campaign").get(pk=pk)
    item = int(sys.argv[5])
    def save():
        services.checklist_save_answers(
            checklist=checklist, answers={item: services.AnswerInput("na", tag)}, expected_version=expected
        )
elif kind == "followup":
    from piaops.findings import services
    from piaops.findings.models import FollowUp
    followup = FollowUp.objects.select_related("finding").get(pk=pk)
    def save():
        services.followup_plan(
            finding=followup.finding, plan=tag, due_date=followup.due_date, expected_version=expected
        )
else:
    from piaops.incidents import services
    from piaops.incidents.models import Incident
    incident = Incident.objects.get(pk=pk)
    def save():
        services.incident_update(incident=incident, user=None, expected_version=expected, title=tag)
print("ready", flush=True)
sys.stdin.readline()
try:
    with acting_as(Actor(user=None, name=tag)):
        save()
except ConflictError:
    print("conflict", flush=True)
else:
    print("won", flush=True)
"""

# The records to race for, and their versions: an open checklist (and one of its items), the improvement plan of a
# finding not yet verified, and an incident.
PICK = """
import json
from piaops.findings.models import FollowUp
from piaops.incidents.models import Incident
from piaops.selfcheck.models import EDITABLE, Checklist
c = Checklist.objects.filter(status__in=EDITABLE, campaign__status="launched").order_by("pk").first()
f = FollowUp.objects.exclude(finding__status="verified").order_by("pk").first()
i = Incident.objects.order_by("pk").first()
print(json.dumps({
    "checklist": [c.pk, c.version, c.answers.order_by("pk").first().item_id],
    "followup": [f.pk, f.version],
    "incident": [i.pk, i.version],
}))
"""

STORED = {
    "checklist": "from piaops.selfcheck.models import Answer, Checklist\n"
    "c = Checklist.objects.get(pk={pk}); print(json.dumps([c.answers.get(item_id={extra}).comment, c.version]))",
    "followup": "from piaops.findings.models import FollowUp\n"
    "f = FollowUp.objects.get(pk={pk}); print(json.dumps([f.plan, f.version]))",
    "incident": "from piaops.incidents.models import Incident\n"
    "i = Incident.objects.get(pk={pk}); print(json.dumps([i.title, i.version]))",
}


def together(env: dict[str, str], code: str, argvs: list[list[str]]) -> list[str]:
    """Start one worker running ``code`` per argument list, release them together once every one has said "ready",
    and return what each printed after that."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, *argv],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    for argv, worker in zip(argvs, workers, strict=True):
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready", argv
    for worker in workers:  # the barrier: every worker is ready; now all go
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        outputs.append(out.strip())
    return outputs


def race(env: dict[str, str], kind: str, pk: int, version: int, extra: list[str]) -> dict[str, str]:
    """Start both workers (each has loaded the record when ready), release them together, and return each tag's
    outcome ("won" or "conflict")."""
    tags = [f"{kind}: 利用者Aの保存", f"{kind}: 利用者Bの保存"]
    outcomes = together(env, WORKER, [[kind, str(pk), str(version), tag, *extra] for tag in tags])
    return dict(zip(tags, outcomes, strict=True))


@pytest.mark.parametrize("kind", ["checklist", "followup", "incident"])
def test_two_saves_from_one_version_at_once_one_wins_and_the_other_gets_the_conflict(
    databases: Databases, kind: str
) -> None:
    env = databases.fresh(f"race_{kind}")
    picked = json.loads(python(env, PICK))[kind]
    pk, version, extra = picked[0], picked[1], [str(x) for x in picked[2:]]

    outcomes = race(env, kind, pk, version, extra)

    assert sorted(outcomes.values()) == ["conflict", "won"], outcomes
    winner = next(tag for tag, outcome in outcomes.items() if outcome == "won")
    stored, stored_version = json.loads(
        python(env, "import json\n" + STORED[kind].format(pk=pk, extra=extra[0] if extra else ""))
    )
    assert stored == winner  # the winner's save, whole
    assert stored_version == version + 1  # one save happened, not two
    loser = next(tag for tag in outcomes if tag != winner)
    entries = "from piaops.audittrail.models import AuditEntry as E; print(E.objects.filter(actor_name={!r}).count())"
    assert python(env, entries.format(winner)) != "0"
    assert python(env, entries.format(loser)) == "0"  # the loser's save left no trace, not even in the trail
    verified = run(env, "audit-log", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


# Each worker: say "ready", wait for "go", then count failures of one address in one window as fast as it can.
FAILING = """
import django; django.setup()
import sys
from piaops.accounts import throttle
times, now = int(sys.argv[1]), float(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
for _ in range(times):
    throttle.failure("login", "203.0.113.7", now=now)
print("done", flush=True)
"""


def test_failed_log_ins_from_one_address_at_the_same_moment_all_count(databases: Databases) -> None:
    """The per-IP throttle counts every failure even when they arrive together (the first ones racing to create the
    window's row, the rest to add to it): an attacker firing guesses in parallel gets no more tries."""
    env = databases.fresh("race_throttle")
    workers, times, now = 6, 10, "1800000010"  # one fixed window, whatever the clock says meanwhile

    assert together(env, FAILING, [[str(times), now]] * workers) == ["done"] * workers

    counted = python(
        env, f"from piaops.accounts import throttle; print(throttle.failures('login', '203.0.113.7', now={now}))"
    )
    assert int(counted) == workers * times
