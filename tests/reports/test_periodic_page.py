"""定期的な報告 on the web: per report and 年度, the measures in the report's order with status, evidence (audit
results among them) and the gaps listed; XLSX (in the request) and PDF (a background job, issue 20) one row per
commitment, recorded; municipality-wide readers only (a unit head 403, another municipality's report 404)."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from piaops.assessments.models import AssessmentReport, ReportWork
from piaops.audits import services as audits
from piaops.audits.models import ItemResult
from piaops.audittrail.models import Action, AuditEntry
from tests.audits.helpers import FY, TODAY, audit, programme, works
from tests.conftest import World, login
from tests.jobs.runner import run_jobs
from tests.selfcheck.helpers import make_report


def _audited_report(world: World) -> AssessmentReport:
    """A report on the tax work whose 年度 audit found its first audited measure nonconforming, the rest conforming."""
    report = make_report(world.a)
    tax, pension = works(world)
    ReportWork.objects.create(municipality=world.a, report=report, work=tax)
    p = programme(world)
    a = audit(p, world.tax_a, [tax], auditors=[world.auditor_a])
    audit(p, world.other_a, [pension])  # every work is covered, as the approval requires
    audits.programme_approve(programme=p, today=TODAY)
    audits.audit_start(audit=a)
    items = list(a.items.order_by("order"))
    assert items, "the audit draws its items from the report's commitments"
    audits.item_record(item=items[0], result=ItemResult.MAJOR, notes="持出簿がない")
    for i in items[1:]:
        audits.item_record(item=i, result=ItemResult.CONFORMING)
    return report


def test_the_page_lists_the_measures_in_order_with_audit_results_and_the_gaps(world: World, as_admin: Client) -> None:
    report = _audited_report(world)
    page = as_admin.get(reverse("reports:periodic", args=[report.pk]) + f"?fy={FY}").content.decode()
    texts = list(report.commitments.order_by("order").values_list("text", flat=True))
    positions = [page.index(t) for t in texts]
    assert positions == sorted(positions)  # the report's order
    assert "監査：" in page and "監査で不適合が1件" in page
    gaps = page[page.index("課題の一覧") :]
    assert "監査で不適合が1件" in gaps and "この年度の記録がありません" in gaps  # gaps listed, not hidden
    # Another 年度: no audit, every measure a gap.
    other = as_admin.get(reverse("reports:periodic", args=[report.pk]) + f"?fy={FY - 1}").content.decode()
    assert "監査：" not in other and f"課題の一覧（{len(texts)}件）" in other


def test_the_workbook_has_one_row_per_commitment_and_the_downloads_are_recorded(world: World, as_admin: Client) -> None:
    report = _audited_report(world)
    url = reverse("reports:periodic", args=[report.pk])
    response = as_admin.get(f"{url}?fy={FY}&format=xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'-{FY}.xlsx"')
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in rows] == list(report.commitments.order_by("order").values_list("text", flat=True))
    assert any(r[6] and "監査：" in r[6] for r in rows)
    assert as_admin.get(f"{url}?fy={FY}&format=pdf")["Content-Type"].startswith("text/html")  # no PDF in the request
    job_url = as_admin.post(reverse("reports:periodic_job", args=[report.pk]), {"fy": FY, "format": "pdf"})["Location"]
    run_jobs()
    pdf = as_admin.get(f"{job_url}result/")
    assert pdf.getvalue().startswith(b"%PDF") and f"-{FY}.pdf" in pdf["Content-Disposition"]
    entries = AuditEntry.objects.filter(action=Action.EXPORT, municipality=world.a).order_by("seq")
    assert [(e.after["format"], e.after["rows"], e.actor_id) for e in entries] == [
        ("xlsx", len(rows), world.admin_a.pk),
        ("pdf", len(rows), world.admin_a.pk),
    ]


def test_readers_read_a_unit_head_is_refused_and_another_municipality_gets_404(world: World) -> None:
    report = make_report(world.a)
    url = reverse("reports:periodic", args=[report.pk])
    assert login(world.auditor_a).get(url).status_code == 200
    assert login(world.head_a).get(url).status_code == 403
    assert login(world.head_a).get(f"{url}?format=xlsx").status_code == 403
    assert login(world.user_b).get(url).status_code == 404
    job = reverse("reports:periodic_job", args=[report.pk])
    assert login(world.head_a).post(job, {"fy": "2026", "format": "pdf"}).status_code == 403
    assert login(world.user_b).post(job, {"fy": "2026", "format": "pdf"}).status_code == 404
    assert login(world.admin_a).get(job).status_code == 405
    assert login(world.admin_a).post(job, {"fy": "1999", "format": "pdf"}).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_contractor_obligations_open_findings_and_incidents_are_evidence_or_gaps(world: World) -> None:
    import datetime as dt

    from piaops.assessments.vocab import CommitmentKind
    from piaops.assurance import services as assurance
    from piaops.findings import services as findings
    from piaops.findings.models import Source
    from piaops.incidents import services as incidents
    from piaops.reports.periodic import DONE_STATUS, GAP_STATUS, build
    from tests import factories as f

    report = make_report(
        world.a,
        commitments=(
            ("委託先は年1回、安全管理措置の実施状況を報告する。", CommitmentKind.THIRD_PARTY),
            ("委託先は毎月、作業記録を提出する。", CommitmentKind.THIRD_PARTY),
            ("端末は二要素認証でログインする。", CommitmentKind.OPERATIONS),
            ("事故が起きたときは手順に従い報告する。", CommitmentKind.INCIDENT),
        ),
    )
    yearly, monthly, terminal, incident = report.commitments.exclude(order=99).order_by("order")  # not J-LIS's
    work = f.work(world.a)
    ReportWork.objects.create(municipality=world.a, report=report, work=work)
    asp = f.party(world.a, "税務システムASP株式会社")
    proven = assurance.obligation_create(
        municipality=world.a, party=asp, title="年次報告", cadence="annual", today=TODAY, commitment=yearly
    )
    proof = assurance.evidence_submit(
        obligation=proven,
        file_name="report.csv",
        content="年次報告,実施済\n".encode(),
        period_from=dt.date(2026, 4, 1),
        period_to=dt.date(2026, 9, 30),
        received_on=dt.date(2026, 10, 15),
        submitted_by=None,
    )
    assurance.evidence_review(evidence=proof, accept=True, reviewer=world.admin_a)
    assurance.obligation_create(
        municipality=world.a,
        party=asp,
        title="作業記録",
        cadence="monthly",
        today=TODAY,
        commitment=monthly,
        nominal_due=dt.date(2026, 10, 31),
    )
    findings.finding_create(
        unit=world.tax_a, fiscal_year=FY, title="二要素認証の例外", source=Source.AUDIT, commitment=terminal
    )
    incidents.incident_record(
        municipality=world.a,
        user=world.admin_a,
        title="通知書の誤送付",
        description="誤送付",
        detected_at=dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC),
        works=[work],
        personal_info_involved=True,
        leaked=True,
        people_affected=120,
    )
    rows = {r.text: r for r in build(report, fiscal_year=FY, today=TODAY).rows}
    assert rows[yearly.text].status == DONE_STATUS and "受理 1" in rows[yearly.text].evidence[0]
    assert rows[monthly.text].status == GAP_STATUS and "期限 2026-10-30 を超過" in rows[monthly.text].gaps[0]
    assert rows[terminal.text].status == GAP_STATUS and rows[terminal.text].gaps == ["未完了の指摘事項 1件"]
    assert rows[incident.text].evidence == ["事故：1件（うち個人情報保護委員会への報告対象 1件）"]


def test_training_completion_of_a_requirement_carrying_the_commitment_is_evidence(world: World) -> None:
    import datetime as dt

    from piaops.assessments.vocab import CommitmentKind
    from piaops.reports.periodic import DONE_STATUS, GAP_STATUS, NO_RECORD, build
    from piaops.training.models import Trigger
    from tests import factories as f
    from tests.training import makers

    report = make_report(
        world.a,
        commitments=(
            ("職員に毎年度研修を行う。", CommitmentKind.TRAINING),
            ("臨時職員にも研修を行う。", CommitmentKind.TRAINING),
        ),
    )
    trained, untracked = report.commitments.exclude(order=99).order_by("order")
    course = makers.course(world.a)
    makers.requirement(world.a, course, trigger=Trigger.PER_FISCAL_YEAR, commitment=trained)
    people = []
    for n in range(2):
        person = f.person(world.a, name=f"受講 {n}")
        f.assignment(person, world.tax_a)
        people.append(person)
    makers.record(people[0], course, dt.date(2026, 6, 1))
    rows = {r.text: r for r in build(report, fiscal_year=FY, today=TODAY).rows}
    row = rows[trained.text]
    assert row.status == GAP_STATUS and row.evidence[0].startswith("研修「") and "受講済 1" in row.evidence[0]
    assert row.gaps == ["研修「要件 per_fiscal_year」の期限超過 1人"]
    assert rows[untracked.text].status == NO_RECORD and rows[untracked.text].gaps == ["この年度の記録がありません"]
    makers.record(people[1], course, dt.date(2026, 7, 1))
    row = {r.text: r for r in build(report, fiscal_year=FY, today=TODAY).rows}[trained.text]
    assert row.status == DONE_STATUS and not row.gaps and "受講済 2" in row.evidence[0]
