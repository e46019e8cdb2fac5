from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from piaops.findings import services
from piaops.findings.models import Finding, FindingEvent, FindingStatus, Source
from tests.conftest import World


def _finding(world: World, source: str = Source.SELF_INSPECTION) -> Finding:
    return services.finding_create(
        unit=world.tax_a, fiscal_year=2026, title="持出簿が記録されていない", source=source, description="10月分なし"
    )


def test_a_finding_goes_through_plan_completion_and_verification_with_history(world: World) -> None:
    finding = _finding(world)
    followup = services.followup_plan(finding=finding, plan="持出簿を毎日確認する", due_date=dt.date(2027, 1, 29))
    services.followup_progress(followup=followup, note="様式を改訂", on=dt.date(2026, 12, 1))
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="運用開始")
    services.followup_verify(followup=followup, accept=False, note="記録の確認方法が未定")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.PLANNED
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 25), note="課長が週次確認")
    services.followup_verify(followup=followup, accept=True)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED
    history = list(FindingEvent.objects.filter(finding=finding).values_list("to_status", flat=True))
    assert history == ["open", "planned", "completed", "planned", "completed", "verified"]


def test_a_due_date_must_be_an_office_day(world: World) -> None:
    finding = _finding(world)
    with pytest.raises(ValidationError) as exc:
        services.followup_plan(finding=finding, plan="x", due_date=dt.date(2027, 1, 2))
    assert "開庁日" in str(exc.value)


def test_reopening_needs_a_reason(world: World) -> None:
    finding = _finding(world)
    followup = services.followup_plan(finding=finding, plan="x", due_date=dt.date(2027, 1, 29))
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="done")
    with pytest.raises(ValidationError):
        services.followup_verify(followup=followup, accept=False)


def test_a_finding_is_created_once_per_source_row(world: World) -> None:
    a = services.finding_create(
        unit=world.tax_a, fiscal_year=2026, title="x", source=Source.AUDIT, source_type="audits.item", source_id=7
    )
    b = services.finding_create(
        unit=world.tax_a, fiscal_year=2026, title="x", source=Source.AUDIT, source_type="audits.item", source_id=7
    )
    assert a.pk == b.pk


def test_the_unit_head_plans_and_the_admin_verifies_on_the_web(
    world: World, as_head: Client, as_admin: Client, as_viewer: Client, as_outsider: Client
) -> None:
    finding = _finding(world)
    url = f"/findings/{finding.pk}/"
    assert as_outsider.get(url).status_code == 404
    assert as_viewer.get(url).status_code == 200
    assert as_viewer.post(url + "plan/", {"plan": "x", "due_date": "2027-01-29"}).status_code == 403
    as_head.post(url + "plan/", {"plan": "持出簿を毎日確認", "due_date": "R9.1.29"})  # the one date reader
    as_head.post(url + "complete/", {"completed_on": "2027-01-20", "note": "完了"})
    assert as_head.post(url + "accept/").status_code == 403  # a unit does not verify itself
    as_admin.post(url + "accept/", {"confirm": "1"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED
    assert "持出簿を毎日確認" in as_head.get(f"/findings/{finding.pk}/").content.decode()


def test_audit_findings_are_verified_by_auditors(world: World, as_admin: Client, as_auditor: Client) -> None:
    finding = _finding(world, source=Source.AUDIT)
    followup = services.followup_plan(finding=finding, plan="x", due_date=dt.date(2027, 1, 29))
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="done")
    url = f"/findings/{finding.pk}/accept/"
    assert as_admin.post(url).status_code == 403
    as_auditor.post(url, {"confirm": "1"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED


def test_the_list_shows_a_unit_only_its_own_findings(world: World, as_head: Client, as_auditor: Client) -> None:
    _finding(world)
    services.finding_create(unit=world.other_a, fiscal_year=2026, title="保険年金課の指摘", source=Source.AUDIT)
    head_page = as_head.get("/findings/").content.decode()
    assert "持出簿が記録されていない" in head_page and "保険年金課の指摘" not in head_page
    assert "保険年金課の指摘" in as_auditor.get("/findings/").content.decode()


def test_an_auditor_may_verify_a_self_inspection_follow_up_the_unit_may_not(
    world: World, as_auditor: Client, as_head: Client, as_viewer: Client
) -> None:
    finding = _finding(world)
    followup = services.followup_plan(finding=finding, plan="x", due_date=dt.date(2027, 1, 29))
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="done")
    url = f"/findings/{finding.pk}/accept/"
    assert as_head.post(url).status_code == 403
    assert as_viewer.post(url).status_code == 403
    assert as_auditor.post(url).status_code == 302  # not confirmed: refused with a message
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.COMPLETED
    as_auditor.post(url, {"confirm": "1"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED


def test_a_completion_is_sent_back_with_a_reason_on_its_own_page(world: World, as_auditor: Client) -> None:
    finding = _finding(world)
    followup = services.followup_plan(finding=finding, plan="x", due_date=dt.date(2027, 1, 29))
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="done")
    url = f"/findings/{finding.pk}/reopen/"
    assert as_auditor.get(url).status_code == 405  # a POST action
    page = as_auditor.post(url, {"note": " "}, follow=True).content.decode()
    assert "差し戻す理由を入力してください" in page
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.COMPLETED
    as_auditor.post(url, {"note": "記録の確認方法が未定"})
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.PLANNED
    event = FindingEvent.objects.filter(finding=finding).latest("at", "pk")
    assert (event.by, event.note) == (world.auditor_a, "記録の確認方法が未定")
