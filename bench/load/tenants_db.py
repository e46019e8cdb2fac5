"""The database side of ``python -m bench.load --municipalities N``: ``python -m bench.load.tenants_db prepare OUT
N PEOPLE USERS`` (run with the server's settings, after ``migrate``).

Builds N municipalities with every demo step (``core.demo.DEMO_STEPS``, PEOPLE people each and one 年度 of history:
units, people through the people importer, the assessment report, a launched self-inspection campaign, audits,
training, ...), then USERS 番号制度総括管理者 log-ins with a confirmed TOTP device, spread evenly over the
municipalities (user k in municipality k·N/USERS), and writes what the simulated users need: user name, TOTP secret,
and a checklist of their municipality.

Why it is fast enough for 50 × 2000 (issue 20; it took 42 minutes for 50 × 100 before): a profile of one
municipality showed most of the wall time waiting on commits — the demo steps run in autocommit, so each of the
~1,500 writes (and each audit-trail append with its chain-head lock) was its own transaction flushing the WAL. Now
each municipality is built in one transaction, the session runs with ``synchronous_commit = off`` (a benchmark
database, dropped after the run: losing the last commits in a crash only means running it again), and the
municipalities are built by ``--jobs`` processes side by side (``build START STOP PEOPLE``), each its own slice;
audit chains are per municipality, so the processes do not wait on each other's chain heads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "load-Test-passw0rd-2026"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "piaops.settings")
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")  # see the module docstring


def _code(n: int) -> str:
    from piaops.lib.checkdigits import local_government_code_check_digit

    base = f"{90000 + n:05d}"
    return base + str(local_government_code_check_digit(base))


def build(*, start: int, stop: int, people: int) -> None:
    """Municipalities ``start`` … ``stop - 1``, each with every demo step in one transaction."""
    _setup()
    from django.db import transaction
    from django.utils import timezone

    from piaops.audittrail.context import Actor, acting_as
    from piaops.core.demo import demo_steps, run_step
    from piaops.tenancy.models import Municipality, User

    today = timezone.localdate()
    started = time.perf_counter()
    with acting_as(Actor(user=None, name="bench.load tenants")):
        for n in range(start, stop):
            with transaction.atomic():
                m = Municipality.objects.create(name=f"負荷{n:02d}市", code=_code(n))
                for step in demo_steps():
                    run_step(step, municipality=m, people=people, today=today, years=1)
                # The demo's log-ins have fixed names (user names are unique across tenants): keep them apart.
                for user in User.objects.filter(municipality=m):
                    user.username = f"t{n:02d}-{user.username}"[:150]
                    user.save(update_fields=["username"])
            print(f"  団体 {n + 1}（{time.perf_counter() - started:.0f} 秒）", flush=True)


def _build_in_processes(*, municipalities: int, people: int, jobs: int) -> None:
    """``build`` in ``jobs`` child processes, each a contiguous slice; fails when any child fails."""
    jobs = max(1, min(jobs, municipalities))
    bounds = [municipalities * j // jobs for j in range(jobs + 1)]
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.load.tenants_db", "build", str(bounds[j]), str(bounds[j + 1]), str(people)]
        )
        for j in range(jobs)
        if bounds[j] < bounds[j + 1]
    ]
    failed = [c.args for c in children if c.wait() != 0]
    if failed:
        raise SystemExit(f"building the municipalities failed: {failed}")


def prepare(out: Path, *, municipalities: int, people: int, users: int, jobs: int) -> None:
    started = time.perf_counter()
    _build_in_processes(municipalities=municipalities, people=people, jobs=jobs)
    _setup()
    import pyotp
    from django.db import connection
    from django.utils import timezone

    from piaops.accounts import services as accounts
    from piaops.audittrail.context import Actor, acting_as
    from piaops.selfcheck.models import Checklist
    from piaops.tenancy import services as tenancy
    from piaops.tenancy.models import Municipality, Role

    created = {m.code: m for m in Municipality.objects.filter(code__in=[_code(n) for n in range(municipalities)])}
    with acting_as(Actor(user=None, name="bench.load tenants")):
        plan = []
        enrolled = timezone.now() - dt.timedelta(minutes=5)
        for k in range(users):
            m = created[_code(k * municipalities // users)]
            user = tenancy.user_create(
                municipality=m, username=f"tenant-admin-{k:02d}", password=PASSWORD, display_name=f"負荷 管理者{k}"
            )
            tenancy.role_grant(user=user, role=Role.ADMIN)
            device = accounts.otp_device_start(user=user)
            assert accounts.otp_device_confirm(user=user, code=pyotp.TOTP(device.secret).at(enrolled), now=enrolled)
            checklist = Checklist.objects.filter(municipality=m).order_by("pk").values_list("pk", flat=True).first()
            assert checklist is not None, f"{m}: the demo made no checklist"
            plan.append({"username": user.username, "secret": device.secret, "checklist": checklist})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as `piaops demo` leaves them
    out.write_text(json.dumps({"password": PASSWORD, "users": plan}, ensure_ascii=False), encoding="utf-8")
    print(f"準備: {municipalities} 団体 × {people} 人、管理者 {users} 人（{time.perf_counter() - started:.0f} 秒）")


if __name__ == "__main__":
    command, args = sys.argv[1:2], sys.argv[2:]
    if command == ["prepare"] and len(args) in (4, 5):
        prepare(
            Path(args[0]),
            municipalities=int(args[1]),
            people=int(args[2]),
            users=int(args[3]),
            jobs=int(args[4]) if len(args) == 5 else (os.cpu_count() or 1),
        )
    elif command == ["build"] and len(args) == 3:
        build(start=int(args[0]), stop=int(args[1]), people=int(args[2]))
    else:
        print(__doc__)
        sys.exit(2)
