from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from piaops.audits import services
from piaops.audits.models import AuditEvent, AuditItem, AuditStatus, ItemResult
from piaops.findings import services as findings
from piaops.findings.models import Finding, FindingStatus, Severity, Source
from tests.audits.helpers import approved_audit, audit, programme, works
from tests.conftest import World


def _record_all(items: list[AuditItem], result: str = ItemResult.CONFORMING) -> None:
    for i in items:
        services.item_record(item=i, result=result, notes="確認した" if result != ItemResult.CONFORMING else "")


def test_an_audit_cannot_start_before_the_programme_is_approved(world: World) -> None:
    tax, _ = works(world)
    a = audit(programme(world), world.tax_a, [tax])
    with pytest.raises(ValidationError):
        services.audit_start(audit=a)


def test_an_audit_goes_from_planned_to_completed_and_its_nonconformities_become_findings(world: World) -> None:
    a = approved_audit(world, auditors=[world.auditor_a])
    services.audit_start(audit=a, by=world.auditor_a)
    items = list(a.items.order_by("order"))
    assert len(items) == len(services.GENERAL_ITEMS)  # no assessment report: the general items
    with pytest.raises(ValidationError):
        services.audit_complete(audit=a)  # items without a result
    with pytest.raises(ValidationError):
        services.item_record(item=items[0], result=ItemResult.MAJOR)  # a non-conformity needs notes
    services.item_record(item=items[0], result=ItemResult.MAJOR, notes="持出簿がない", working_paper="10月分を確認")
    services.item_record(item=items[1], result=ItemResult.MINOR, notes="権限の見直しが年1回")
    services.item_record(item=items[2], result=ItemResult.OBSERVATION, notes="様式が古い")
    services.item_record(item=items[3], result=ItemResult.CONFORMING)
    found = services.audit_complete(audit=a, by=world.auditor_a)
    assert sorted(f.severity for f in found) == sorted([Severity.HIGH, Severity.LOW])
    assert all(f.source == Source.AUDIT and f.unit == world.tax_a for f in found)
    a.refresh_from_db()
    assert a.status == AuditStatus.COMPLETED
    assert list(AuditEvent.objects.filter(audit=a).values_list("to_status", flat=True)) == ["in_progress", "completed"]


def test_a_completed_audit_is_locked_and_a_correction_is_a_new_linked_item(world: World) -> None:
    a = approved_audit(world, auditors=[world.auditor_a])
    services.audit_start(audit=a)
    items = list(a.items.order_by("order"))
    _record_all(items)
    services.audit_complete(audit=a)
    with pytest.raises(ValidationError):
        services.item_record(item=items[0], result=ItemResult.MAJOR, notes="x")
    with pytest.raises(ValidationError):
        services.item_correct(item=items[0], result=ItemResult.MINOR, notes="記録漏れ", reason="")
    new = services.item_correct(item=items[0], result=ItemResult.MINOR, notes="記録漏れ", reason="調書の再確認")
    items[0].refresh_from_db()
    assert items[0].result == ItemResult.CONFORMING and new.corrects == items[0]
    assert a.items.current().count() == len(items)
    assert Finding.objects.filter(source_type="audits.item", source_id=new.pk).exists()
    with pytest.raises(ValidationError):
        services.item_correct(item=items[0], result=ItemResult.MAJOR, notes="x", reason="y")  # only the latest


def test_evidence_keeps_its_digest_and_a_file_with_a_my_number_is_refused(world: World) -> None:
    a = approved_audit(world)
    services.audit_start(audit=a)
    item = a.items.first()
    assert item is not None
    ev = services.evidence_add(item=item, upload=SimpleUploadedFile("調書.txt", "持出簿 10月分".encode()))
    assert len(ev.sha256) == 64 and ev.size > 0
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(item=item, upload=SimpleUploadedFile("名簿.csv", b"name,no\nA,123456789018\n"))
    assert "名簿.csv" in str(exc.value) and "123456789018" not in str(exc.value)
    assert item.evidence.count() == 1


def test_the_follow_up_of_an_audit_finding_runs_to_verification_and_can_be_reopened(world: World) -> None:
    a = approved_audit(world)
    services.audit_start(audit=a)
    items = list(a.items.order_by("order"))
    _record_all(items[1:])
    services.item_record(item=items[0], result=ItemResult.MAJOR, notes="持出簿がない")
    (finding,) = services.audit_complete(audit=a)
    fu = findings.followup_plan(finding=finding, plan="持出簿を整備", due_date=dt.date(2027, 1, 29), responsible="係長")
    findings.followup_complete(followup=fu, completed_on=dt.date(2027, 1, 20), note="整備した")
    findings.followup_verify(followup=fu, accept=False, note="運用が確認できない")
    reaudit = services.reaudit_schedule(finding=finding, planned_start=dt.date(2027, 2, 15))
    assert reaudit.reaudit_of == finding and reaudit.programme == a.programme and list(reaudit.works.all())
    findings.followup_complete(followup=fu, completed_on=dt.date(2027, 2, 1), note="運用開始")
    findings.followup_verify(followup=fu, accept=True)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED
