from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from piaops.audits import reports as rep
from piaops.audits import services
from piaops.audits.models import AuditItem, AuditProgramme, AuditStatus, ItemResult, ProgrammeStatus
from piaops.findings import services as findings
from piaops.findings.models import Finding, Source
from tests.audits.helpers import FY, approved_audit, audit, programme, works
from tests.conftest import World


def test_every_page_is_404_for_an_outsider_and_writes_are_403_for_the_viewer(
    world: World, as_outsider: Client, as_viewer: Client
) -> None:
    a = approved_audit(world, auditors=[world.auditor_a])
    p = a.programme
    report = rep.report_submit(municipality=world.a, fiscal_year=FY, kind="results")
    pages = [f"/audits/programmes/{p.pk}/", f"/audits/{a.pk}/", f"/audits/reports/file/{report.pk}/pdf/"]
    for url in pages:
        assert as_viewer.get(url).status_code == 200, url
        assert as_outsider.get(url).status_code == 404, url
    # Pages by 年度 show the caller's own municipality: the outsider sees none of A's rows.
    for url in ["/audits/", f"/audits/reports/{FY}/", f"/audits/rating/{FY}/"]:
        assert as_viewer.get(url).status_code == 200, url
        outsider_page = as_outsider.get(url).content.decode()
        assert "税政課" not in outsider_page and "国民年金事務" not in outsider_page
    assert "提出された報告書はありません" in as_outsider.get(f"/audits/reports/{FY}/").content.decode()
    assert "提出された報告書はありません" not in as_viewer.get(f"/audits/reports/{FY}/").content.decode()
    posts = [
        ("/audits/programmes/new/", {"fiscal_year": FY + 1}),
        (f"/audits/programmes/{p.pk}/approve/", {}),
        (f"/audits/{a.pk}/start/", {}),
        (f"/audits/reports/receive/{report.pk}/", {}),
        (f"/audits/reports/{FY}/submit/", {"kind": "results"}),
        (f"/audits/rating/{FY}/", {"chosen": "sufficient", "reason": "x"}),
    ]
    for url, data in posts:
        assert as_viewer.post(url, data).status_code == 403, url
    for url, data in posts[1:4]:
        assert as_outsider.post(url, data).status_code == 404, url
    report.refresh_from_db()
    assert report.status == "submitted"


def test_a_unit_head_does_not_see_the_audit_pages(world: World, as_head: Client) -> None:
    assert as_head.get("/audits/").status_code == 403


def test_the_programme_page_names_the_missing_works_and_approval_refuses(world: World, as_admin: Client) -> None:
    tax, _ = works(world)
    p = programme(world)
    audit(p, world.tax_a, [tax])
    page = as_admin.get(f"/audits/programmes/{p.pk}/").content.decode()
    assert "未対象: 国民年金事務" in page and "保険年金課" in page  # rotation warning names the due unit
    response = as_admin.post(f"/audits/programmes/{p.pk}/approve/", follow=True)
    assert "監査の対象になっていない個人番号利用事務があります: 国民年金事務" in response.content.decode()
    p.refresh_from_db()
    assert p.status == ProgrammeStatus.DRAFT


def test_the_admin_plans_and_approves_and_the_auditor_works_on_the_web(
    world: World, as_admin: Client, as_auditor: Client
) -> None:
    tax, pension = works(world)
    as_admin.post("/audits/programmes/new/", {"fiscal_year": FY})
    p = AuditProgramme.objects.get(fiscal_year=FY)
    as_admin.post(
        f"/audits/programmes/{p.pk}/audits/new/",
        {
            "unit": world.tax_a.pk,
            "works": [tax.pk, pension.pk],
            "audit_type": "onsite",
            "planned_start": "2026-10-01",
            "auditors": [world.auditor_a.pk],
        },
    )
    as_admin.post(f"/audits/programmes/{p.pk}/approve/")
    p.refresh_from_db()
    assert p.status == ProgrammeStatus.APPROVED
    a = p.audits.get()
    assert as_admin.post(f"/audits/{a.pk}/start/").status_code == 403  # not an auditor
    as_auditor.post(f"/audits/{a.pk}/start/")
    for item in AuditItem.objects.filter(audit=a):
        as_auditor.post(
            f"/audits/{a.pk}/items/{item.pk}/record/", {"result": ItemResult.MINOR, "notes": "記録が一部不足"}
        )
    as_auditor.post(f"/audits/{a.pk}/complete/", {"summary": "概ね適正", "confirm": "1"})
    a.refresh_from_db()
    assert a.status == AuditStatus.COMPLETED
    assert Finding.objects.filter(source_type="audits.item").count() == len(services.GENERAL_ITEMS)
    page = as_auditor.get(f"/audits/{a.pk}/").content.decode()
    assert "軽微な不適合" in page and "再監査を計画" in page


def test_an_auditor_not_assigned_to_the_audit_may_not_work_on_it(world: World, as_auditor: Client) -> None:
    a = approved_audit(world)
    assert as_auditor.post(f"/audits/{a.pk}/start/").status_code == 403


def test_the_auditor_schedules_a_re_audit_of_a_finding_and_is_its_auditor(world: World, as_auditor: Client) -> None:
    a = approved_audit(world, auditors=[world.auditor_a])
    services.audit_start(audit=a)
    for item in a.items.all():
        services.item_record(item=item, result=ItemResult.MAJOR, notes="記録なし")
    finding = services.audit_complete(audit=a)[0]
    response = as_auditor.post(f"/audits/{a.pk}/findings/{finding.pk}/reaudit/", {"planned_start": "2027-02-15"})
    new = a.programme.audits.get(reaudit_of=finding)
    assert response["Location"] == f"/audits/{new.pk}/"
    assert [x.user for x in new.auditors.all()] == [world.auditor_a] and new.unit == world.tax_a
    # The finding is looked up among this audit's: another finding of the municipality is not found here.
    other = findings.finding_create(
        unit=world.tax_a, fiscal_year=FY, title="自己点検の指摘", source=Source.SELF_INSPECTION
    )
    url = f"/audits/{a.pk}/findings/{other.pk}/reaudit/"
    assert as_auditor.post(url, {"planned_start": "2027-02-15"}).status_code == 404
    assert not other.reaudits.exists()


def test_the_auditor_adds_evidence_and_corrects_a_completed_item_on_the_web(world: World, as_auditor: Client) -> None:
    a = approved_audit(world, auditors=[world.auditor_a])
    services.audit_start(audit=a)
    item = a.items.order_by("order").first()
    assert item is not None
    page = as_auditor.post(f"/audits/{a.pk}/items/{item.pk}/evidence/", follow=True).content.decode()
    assert "ファイルを選んでください。" in page
    upload = SimpleUploadedFile("memo.txt", "持出簿の写し".encode(), content_type="text/plain")
    as_auditor.post(f"/audits/{a.pk}/items/{item.pk}/evidence/", {"file": upload})
    assert item.evidence.get().name == "memo.txt"
    for i in a.items.all():
        services.item_record(item=i, result=ItemResult.CONFORMING)
    services.audit_complete(audit=a)
    as_auditor.post(
        f"/audits/{a.pk}/items/{item.pk}/correct/",
        {"result": ItemResult.MINOR, "notes": "記録漏れ", "reason": "再確認"},
    )
    correction = item.corrections.get()
    assert correction.result == ItemResult.MINOR and correction.correction_reason == "再確認"
    # The item is looked up among this audit's items: another audit's item is not found here.
    other = approved_audit_item(world)
    assert as_auditor.post(f"/audits/{a.pk}/items/{other.pk}/correct/", {"result": "minor"}).status_code == 404


def test_the_programme_lists_the_years_findings_with_their_follow_up(
    world: World, as_auditor: Client, as_outsider: Client
) -> None:
    p = programme(world)
    own = findings.finding_create(
        unit=world.tax_a, fiscal_year=FY, title="持出簿の記録漏れ", source=Source.SELF_INSPECTION
    )
    findings.followup_plan(finding=own, plan="毎日確認する", due_date=dt.date(2027, 1, 29))
    findings.finding_create(unit=world.tax_a, fiscal_year=FY - 1, title="前年度の指摘", source=Source.AUDIT)
    page = as_auditor.get(f"/audits/programmes/{p.pk}/").content.decode()
    assert f'href="/findings/{own.pk}/"' in page and "持出簿の記録漏れ" in page and "自己点検" in page
    assert "改善中" in page and "前年度の指摘" not in page
    assert as_outsider.get(f"/audits/programmes/{p.pk}/").status_code == 404


def test_each_self_inspection_of_the_year_shows_its_answer_under_its_name(world: World, as_auditor: Client) -> None:
    """Two campaigns of the 年度 for the audited unit: the audit page shows each campaign's answer apart, named,
    not run together (「はい未回答」)."""
    from piaops.assessments.models import ReportWork
    from piaops.selfcheck import services as selfcheck
    from piaops.selfcheck.models import AnswerValue
    from tests.selfcheck.helpers import make_campaign

    first = make_campaign(world.a, [world.tax_a])
    second = make_campaign(world.a, [world.tax_a])
    second.title = "追加の自己点検（情報漏えい事案を受けて）"
    second.save(update_fields=["title"])
    checklist = first.checklists.get(unit=world.tax_a)
    selfcheck.checklist_save_answers(
        checklist=checklist,
        answers={a.item_id: selfcheck.AnswerInput(AnswerValue.YES, "点検済み") for a in checklist.answers.all()},
        by=world.head_a,
    )
    report = first.template.report
    assert report is not None
    tax, pension = works(world)
    ReportWork.objects.create(municipality=world.a, report=report, work=tax)
    p = programme(world)
    a = audit(p, world.tax_a, [tax], auditors=[world.auditor_a])
    audit(p, world.other_a, [pension])
    services.programme_approve(programme=p, today=dt.date(2026, 9, 1))
    services.audit_start(audit=a, by=world.auditor_a)

    page = as_auditor.get(f"/audits/{a.pk}/").content.decode()
    assert "はい未回答" not in page and "未回答はい" not in page
    checked = [i for i in a.items.all() if i.commitment_id]
    assert checked
    for cell in page.split("<tr")[1:]:
        if "点検済み" in cell:
            assert '<span class="badge">令和8年度 自己点検</span> はい: 点検済み' in cell
            assert '<br><span class="badge">追加の自己点検（情報漏えい事案を受けて）</span> 未回答' in cell
            break
    else:
        raise AssertionError("no audit item shows the self-inspection answers")


def approved_audit_item(world: World) -> AuditItem:
    """An item of another audit of the same municipality (of the other unit, started)."""
    other = AuditProgramme.objects.get(fiscal_year=FY).audits.exclude(unit=world.tax_a).get()
    services.audit_start(audit=other)
    item = other.items.first()
    assert item is not None
    return item


def test_the_new_programme_form_offers_this_fiscal_year_and_copying_and_is_shown_only_to_managers(
    as_admin: Client, as_auditor: Client
) -> None:
    from django.utils import timezone

    from piaops.lib.fiscal import fiscal_year

    page = as_admin.get("/audits/").content.decode()
    assert f'name="fiscal_year" value="{fiscal_year(timezone.localdate())}"' in page
    assert 'name="copy"' in page and "checked" in page.split('name="copy"', 1)[1].split(">", 1)[0]
    assert "監査計画を作成" not in as_auditor.get("/audits/").content.decode()
