"""The database side of ``python -m bench.load --municipalities N``: ``python -m bench.load.tenants_db prepare OUT
N PEOPLE USERS`` (run with the server's settings, after ``migrate``).

Builds N municipalities with every demo step (``core.demo.DEMO_STEPS``, PEOPLE people each and one 年度 of history:
units, people, the assessment report, a launched self-inspection campaign, audits, training, ...), then USERS
番号制度総括管理者 log-ins with a confirmed TOTP device, spread evenly over the municipalities (user k in municipality
k·N/USERS), and writes what the simulated users need: user name, TOTP secret, and a checklist of their municipality.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import os
import sys
import time
from pathlib import Path

PASSWORD = "load-Test-passw0rd-2026"


def prepare(out: Path, *, municipalities: int, people: int, users: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "piaops.settings")
    import django

    django.setup()
    import pyotp
    from django.db import connection
    from django.utils import timezone

    from piaops.accounts import services as accounts
    from piaops.audittrail.context import Actor, acting_as
    from piaops.core.demo import DEMO_STEPS
    from piaops.lib.checkdigits import local_government_code_check_digit
    from piaops.selfcheck.models import Checklist
    from piaops.tenancy import services as tenancy
    from piaops.tenancy.models import Municipality, Role, User

    today = timezone.localdate()
    steps = [importlib.import_module(step) for step in DEMO_STEPS]
    created: list[Municipality] = []
    started = time.perf_counter()
    with acting_as(Actor(user=None, name="bench.load tenants")):
        for n in range(municipalities):
            base = f"{90000 + n:05d}"
            code = base + str(local_government_code_check_digit(base))
            m = Municipality.objects.create(name=f"負荷{n:02d}市", code=code)
            for step in steps:
                extra = {"years": 1} if "years" in inspect.signature(step.build).parameters else {}
                step.build(municipality=m, people=people, today=today, **extra)
            # The demo's log-ins have fixed names (user names are unique across tenants): keep them apart.
            for user in User.objects.filter(municipality=m):
                user.username = f"t{n:02d}-{user.username}"[:150]
                user.save(update_fields=["username"])
            created.append(m)
            print(f"  団体 {n + 1}/{municipalities}（{time.perf_counter() - started:.0f} 秒）", flush=True)
        plan = []
        enrolled = timezone.now() - dt.timedelta(minutes=5)
        for k in range(users):
            m = created[k * municipalities // users]
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
    if sys.argv[1:2] != ["prepare"]:
        print(__doc__)
        sys.exit(2)
    prepare(Path(sys.argv[2]), municipalities=int(sys.argv[3]), people=int(sys.argv[4]), users=int(sys.argv[5]))
