"""Two people revising the same improvement plan from one version: the second is told and nothing is overwritten.

(The same race between two real database connections is in tests/trust/test_races.py.)
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from piaops.findings import services
from piaops.findings.models import Finding, FollowUp, Source
from piaops.lib.versioning import ConflictError
from tests import factories as f
from tests.conftest import World, login

DUE = dt.date(2027, 1, 29)  # a Friday


def _finding(world: World) -> Finding:
    return services.finding_create(unit=world.tax_a, fiscal_year=2026, title="持出簿の記録漏れ", source=Source.AUDIT)


def _plan_form(client: Client, finding: Finding) -> dict[str, str]:
    body = client.get(f"/findings/{finding.pk}/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', body)
    assert version is not None
    return {"version": version.group(1), "due_date": DUE.isoformat()}


def test_the_second_of_two_plan_revisions_is_refused_with_both_shown(world: World, as_head: Client) -> None:
    finding = _finding(world)
    services.followup_plan(finding=finding, plan="毎日確認する", due_date=DUE)
    staff = login(f.user(world.a, "deputy_a", f.Role.UNIT_HEAD, unit=world.tax_a))
    head_form, staff_form = _plan_form(as_head, finding), _plan_form(staff, finding)
    assert head_form["version"] == "1"

    first = as_head.post(f"/findings/{finding.pk}/plan/", head_form | {"plan": "課長が毎週確認する"})
    assert first.status_code == 302
    second = staff.post(f"/findings/{finding.pk}/plan/", staff_form | {"plan": "係長が毎日確認する"})

    assert second.status_code == 409
    body = second.content.decode()
    assert "他の利用者が先に保存しました" in body and "第1版" in body and "第2版" in body
    assert "課長が毎週確認する" in body and "係長が毎日確認する" in body and "head_a" in body
    followup = FollowUp.objects.get(finding=finding)
    assert (followup.plan, followup.version) == ("課長が毎週確認する", 2)


def test_two_first_proposals_the_second_is_refused(world: World, as_head: Client) -> None:
    finding = _finding(world)
    staff = login(f.user(world.a, "deputy_a", f.Role.UNIT_HEAD, unit=world.tax_a))
    head_form, staff_form = _plan_form(as_head, finding), _plan_form(staff, finding)
    assert head_form["version"] == "0"  # no plan yet
    assert as_head.post(f"/findings/{finding.pk}/plan/", head_form | {"plan": "A案"}).status_code == 302
    assert staff.post(f"/findings/{finding.pk}/plan/", staff_form | {"plan": "B案"}).status_code == 409
    assert FollowUp.objects.get(finding=finding).plan == "A案"


def test_the_service_refuses_a_stale_version_and_completion_moves_the_version(world: World) -> None:
    finding = _finding(world)
    followup = services.followup_plan(finding=finding, plan="x", due_date=DUE)
    services.followup_plan(finding=finding, plan="y", due_date=DUE, expected_version=1)
    with pytest.raises(ConflictError):
        services.followup_plan(finding=finding, plan="z", due_date=DUE, expected_version=1)
    assert FollowUp.objects.get(pk=followup.pk).plan == "y"
    followup.refresh_from_db()
    services.followup_complete(followup=followup, completed_on=DUE, note="done")
    assert FollowUp.objects.get(pk=followup.pk).version == 3


def test_the_versioned_post_keeps_the_outsider_out_and_the_read_only_roles_refused(
    world: World, as_head: Client, as_outsider: Client, as_viewer: Client
) -> None:
    finding = _finding(world)
    data = _plan_form(as_head, finding) | {"plan": "x"}
    assert as_outsider.post(f"/findings/{finding.pk}/plan/", data).status_code == 404
    assert as_viewer.post(f"/findings/{finding.pk}/plan/", data).status_code == 403
    assert not FollowUp.objects.filter(finding=finding).exists()
