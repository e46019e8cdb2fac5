"""The load test's database side, run in a subprocess with the server's settings: ``python -m bench.load.db CMD``.

``prepare OUT.json``: on a migrated database with the demo data, add ``HEADS`` units under one 負荷試験部, a 所属長
log-in for each (no second factor: it is not required of unit roles), ``ADMINS`` 番号制度総括管理者 log-ins with a
confirmed TOTP device (enrolled five minutes ago, so the next log-in's code is fresh), and a launched campaign with
the demo's checklist templates targeting the new units (one checklist each). Writes what the simulated users need.

``verify PLAN.json EXPECTED.jsonl``: every checklist a simulated 所属長 submitted (one JSON line each, written by the
locustfile after the server confirmed it) is 提出済 and holds exactly the answers sent (value, comment, plan, date).
Prints the counts; exits 1 when any answer is missing or differs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

PASSWORD = "load-Test-passw0rd-2026"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "piaops.settings")
    import django

    django.setup()


def prepare(out: Path, *, heads: int, admins: int) -> None:
    _django()
    import pyotp
    from django.db import transaction
    from django.utils import timezone

    from piaops.accounts import services as accounts
    from piaops.core.demo import DEMO_CODE
    from piaops.lib.fiscal import add_office_days, fiscal_year
    from piaops.selfcheck import services as selfcheck
    from piaops.selfcheck.models import ChecklistTemplate
    from piaops.tenancy import services as tenancy
    from piaops.tenancy.models import Municipality, OrgUnit, Role

    municipality = Municipality.objects.get(code=DEMO_CODE)
    today = timezone.localdate()
    with transaction.atomic():
        parent = tenancy.unit_create(
            municipality=municipality, name="負荷試験部", code="980000", kind=OrgUnit.Kind.DEPARTMENT
        )
        units, head_names = [], []
        for n in range(1, heads + 1):
            unit = tenancy.unit_create(
                municipality=municipality, name=f"負荷試験{n:02d}課", code=f"98{n:04d}", parent=parent
            )
            user = tenancy.user_create(
                municipality=municipality,
                username=f"load-head-{n:02d}",
                password=PASSWORD,
                display_name=f"負荷試験{n:02d}課長",
            )
            tenancy.role_grant(user=user, role=Role.UNIT_HEAD, unit=unit)
            units.append(unit)
            head_names.append(user.username)
        secrets: dict[str, str] = {}
        enrolled = timezone.now() - dt.timedelta(minutes=5)
        for n in range(1, admins + 1):
            user = tenancy.user_create(
                municipality=municipality,
                username=f"load-admin-{n}",
                password=PASSWORD,
                display_name=f"負荷試験 管理者{n}",
            )
            tenancy.role_grant(user=user, role=Role.ADMIN)
            device = accounts.otp_device_start(user=user)
            code = pyotp.TOTP(device.secret).at(enrolled)
            assert accounts.otp_device_confirm(user=user, code=code, now=enrolled) is not None
            secrets[user.username] = device.secret
        # The newest version of each of the demo's templates: the report's commitments and the general safeguards.
        templates = [
            ChecklistTemplate.objects.filter(municipality=municipality, code=code).order_by("-version").first()
            for code in ChecklistTemplate.objects.filter(municipality=municipality)
            .order_by()  # without the model's ordering (code, -version), DISTINCT would keep one row per version
            .values_list("code", flat=True)
            .distinct()
        ]
        campaign = selfcheck.campaign_create(
            municipality=municipality,
            fiscal_year=fiscal_year(today),
            title="負荷試験 自己点検",
            templates=sorted((t for t in templates if t is not None), key=lambda t: (t.report_id is None, t.code)),
            deadline=add_office_days(today, 10),
            units=units,
        )
        selfcheck.campaign_launch(campaign=campaign)
    plan = {"campaign": campaign.pk, "password": PASSWORD, "heads": head_names, "admins": secrets}
    out.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"準備: 所属長 {len(head_names)} 人（自己点検票 {campaign.checklists.count()} 件）、管理者 {len(secrets)} 人")


def grow(units: int) -> None:
    """Bring the demo municipality to ``units`` units (a Sapporo-size organisation): new 課 under one more 局, and a
    third of the people's current assignments moved to them (so every unit has staff)."""
    _django()
    from django.db import connection, transaction

    from piaops.core.demo import DEMO_CODE
    from piaops.tenancy import services as tenancy
    from piaops.tenancy.models import Municipality, OrgUnit

    municipality = Municipality.objects.get(code=DEMO_CODE)
    have = OrgUnit.objects.filter(municipality=municipality).count()
    if have >= units:
        return
    with transaction.atomic():
        parent = tenancy.unit_create(municipality=municipality, name="拡張局", code="970000", kind=OrgUnit.Kind.BUREAU)
        new = [
            tenancy.unit_create(municipality=municipality, name=f"拡張{n:03d}課", code=f"97{n:04d}", parent=parent).pk
            for n in range(1, units - have)
        ]
        with connection.cursor() as cursor:  # a bench fixture: moved in one statement, not through the service
            cursor.execute(
                "UPDATE tenancy_assignment SET unit_id = (%s::bigint[])[1 + id %% %s] "
                "WHERE municipality_id = %s AND end_date IS NULL AND id %% 3 = 0",
                [new, len(new), municipality.pk],
            )
            moved = cursor.rowcount
    print(f"組織: {OrgUnit.objects.filter(municipality=municipality).count()} 所属（配属 {moved} 件を新設の所属へ）")


def verify(plan_path: Path, expected_path: Path) -> int:
    """Compare what the simulated users submitted with the database; return the process exit status."""
    _django()
    from piaops.selfcheck.models import Answer, Checklist, ChecklistStatus

    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    sent: list[dict[str, Any]] = (
        [json.loads(line) for line in expected_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if expected_path.exists()
        else []
    )
    problems: list[str] = []
    answers_checked = 0
    for submission in sent:
        checklist = Checklist.objects.get(pk=submission["checklist"], campaign_id=plan["campaign"])
        if checklist.status != ChecklistStatus.SUBMITTED:
            problems.append(f"自己点検票 {checklist.pk}: 状態 {checklist.status}（提出済のはず）")
        stored = {
            a.item_id: a
            for a in Answer.objects.filter(checklist=checklist).only(
                "item_id", "value", "comment", "improvement_plan", "target_date"
            )
        }
        for item_id, want in submission["answers"].items():
            a = stored.get(int(item_id))
            got = (
                None
                if a is None
                else [a.value, a.comment, a.improvement_plan, a.target_date.isoformat() if a.target_date else ""]
            )
            if got != want:
                problems.append(f"自己点検票 {checklist.pk} 項目 {item_id}: 送信 {want} / 保存 {got}")
            answers_checked += 1
    submitted_in_db = Checklist.objects.filter(campaign_id=plan["campaign"], status=ChecklistStatus.SUBMITTED).count()
    print(
        f"検証: 提出 {len(sent)} 件（データベースの提出済 {submitted_in_db} 件）、回答 {answers_checked} 件を照合、"
        f"不一致・欠落 {len(problems)} 件"
    )
    if submitted_in_db != len(sent):
        problems.append(f"提出済の件数が一致しません（送信 {len(sent)} / 保存 {submitted_in_db}）")
    for p in problems[:20]:
        print("  " + p)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        prepare(Path(argv[1]), heads=int(argv[2]), admins=int(argv[3]))
        return 0
    if argv[:1] == ["grow"]:
        grow(int(argv[1]))
        return 0
    if argv[:1] == ["verify"]:
        return verify(Path(argv[1]), Path(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
