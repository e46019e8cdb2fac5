"""``piaops remind --dry-run`` lists every pending reminder with whom it would go to.

A unit's reminder (自己点検, 改善計画) goes to the unit's 所属長・所属担当者; a unit with nobody piaops can mail is
chased by the 番号制度総括管理者, who get it instead. An address is the user's own, else their person's (the
directory import fills the person's). Only when there is nobody at all does the line say so.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from piaops.findings import services as findings
from piaops.findings.models import Source
from piaops.tenancy.models import Party
from tests import factories as f
from tests.assurance.helpers import obligation
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign

ADMIN = "bangou@city.example.jp"
HEAD = "tax-head@city.example.jp"


def _dry_run(day: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("remind", "--dry-run", "--date", day, stdout=out)
    rows = [line.split("\t") for line in out.getvalue().splitlines()]
    assert all(len(row) == 3 for row in rows), rows
    return {key: to for key, to, _subject in rows}


def test_every_line_names_its_recipients_and_a_unit_without_anyone_goes_to_the_admins(world: World) -> None:
    world.admin_a.person = f.person(world.a, name="番号 太郎", email=ADMIN)  # the address only on the person
    world.admin_a.save()
    world.head_a.email = HEAD
    world.head_a.save()
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])  # deadline 2026-12-11
    finding = findings.finding_create(
        unit=world.other_a, fiscal_year=2026, title="持出簿の記載漏れ", source=Source.AUDIT
    )
    findings.followup_plan(finding=finding, plan="様式を改める。", due_date=dt.date(2026, 12, 4))
    jlis = f.party(world.a, "保守事業者", Party.Kind.CONTRACTOR)
    duty = obligation(world.a, jlis, due=dt.date(2026, 12, 1), title="年次報告")
    b_campaign = make_campaign(world.b, [world.root_b])  # municipality B has nobody with an address

    lines = _dry_run("2026-12-07")

    tax, other = (campaign.checklists.get(unit=u).pk for u in (world.tax_a, world.other_a))
    assert lines[f"selfcheck:checklist:{tax}:before-5"] == HEAD
    assert lines[f"selfcheck:checklist:{other}:before-5"] == ADMIN  # 保険年金課 has no 所属長 in piaops
    assert lines[f"findings:followup:{finding.followup.pk}:2026-12-04:overdue"] == ADMIN
    assert lines[f"assurance:obligation:{duty.pk}:overdue:2026-12-01"] == ADMIN
    [b_checklist] = b_campaign.checklists.all()
    assert lines[f"selfcheck:checklist:{b_checklist.pk}:before-5"] == "（宛先なし：ホーム画面にのみ表示）"
    a_lines = {k: v for k, v in lines.items() if k != f"selfcheck:checklist:{b_checklist.pk}:before-5"}
    assert a_lines and all(to in (HEAD, ADMIN) for to in a_lines.values()), a_lines
