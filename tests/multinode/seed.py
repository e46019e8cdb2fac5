"""The multi-node test's data, run once with the nodes' settings: ``python -m tests.multinode.seed OUT.json``.

One municipality with two units and a launched self-inspection campaign (deadline 2026-12-11, so that
``remind --date 2026-12-04`` mails the unit head), a 所属長 with a password (logs in through the real form), and a
番号制度総括管理者 whose session is written here with the second factor passed (``tests/conftest.py`` does the same
for ``force_login``: the log-in form itself is tested elsewhere).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import django


def main(out: Path) -> None:
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from piaops.accounts.session import OTP_VERIFIED
    from piaops.selfcheck.models import Checklist
    from tests import factories as f
    from tests.selfcheck.helpers import make_campaign

    m = f.municipality(name="札幌市", code="011002")
    tax = f.unit(m, "税政課", code="A210")
    other = f.unit(m, "保険年金課", code="A300")
    head = f.user(m, "head_a", f.Role.UNIT_HEAD, unit=tax, password="multinode-Head-2026")
    head.email = "tax-head@city.example.jp"
    head.save()
    admin = f.user(m, "admin_a", f.Role.ADMIN)
    campaign = make_campaign(m, [tax, other])
    checklist = Checklist.objects.get(campaign=campaign, unit=tax)
    answer = checklist.answers.order_by("item__order").first()
    assert answer is not None
    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session[OTP_VERIFIED] = admin.pk
    session.create()
    plan = {
        "admin_session": session.session_key,
        "head": {"username": "head_a", "password": "multinode-Head-2026"},
        "campaign": campaign.pk,
        "checklist": checklist.pk,
        "answer": answer.pk,
    }
    out.write_text(json.dumps(plan), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
