"""Issue 20: the long work of the pages runs as background jobs — the Section Ⅳ file, the 定期的な報告 PDF, the audit
report drafts and the imports of training records (the door logs and the ISMAP list follow the same pattern, tested in
their apps) — and a job killed mid-way leaves no partial data: killed after its service wrote every row but before the
commit, nothing of it remains (no row, no "already imported" mark, no audit entry, no result file); the next worker
runs it once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from piaops.assessments.models import AssessmentReport
from piaops.audits.models import AuditReport
from piaops.audittrail.models import Action, AuditEntry
from piaops.jobs import tasks
from piaops.jobs.files import UPLOAD_MARK
from piaops.jobs.models import Job, JobStatus, WorkerBeat
from piaops.jobs.registry import JOB_KINDS, function
from piaops.jobs.worker import reap
from piaops.tenancy.models import ImportedFile
from piaops.training.models import Record
from tests import factories as f
from tests.conftest import World, login
from tests.jobs.runner import run_jobs
from tests.selfcheck.helpers import make_campaign
from tests.training import makers as t

TRAINING_CSV = "職員番号,研修コード,受講日\n1001,PRV1,2026-11-02\n1002,PRV1,2026-11-02\n".encode()


@pytest.fixture
def report(world: World) -> AssessmentReport:
    found = make_campaign(world.a, [world.tax_a]).template.report
    assert found is not None
    return found


@pytest.fixture
def trainees(world: World) -> None:
    t.course(world.a, code="PRV1", title="個人情報保護研修")
    for number in ("1001", "1002"):
        f.assignment(f.person(world.a, staff_number=number), world.tax_a, start=timezone.localdate().replace(day=1))


def _start_training_import(client: Client) -> str:
    response = client.post("/training/records/import/", {"file": SimpleUploadedFile("受講.csv", TRAINING_CSV)})
    assert response.status_code == 302, response.content.decode()
    return str(response["Location"])


def _start_section4_pdf(client: Client, report: AssessmentReport) -> str:
    response = client.post(f"/reports/assessments/{report.pk}/section4/job/", {"fy": "2026", "format": "pdf"})
    assert response.status_code == 302
    return str(response["Location"])


def _start_periodic_pdf(client: Client, report: AssessmentReport) -> str:
    response = client.post(f"/reports/assessments/{report.pk}/periodic/job/", {"fy": "2026", "format": "pdf"})
    assert response.status_code == 302
    return str(response["Location"])


def _start_audit_report_submit(client: Client) -> str:
    response = client.post("/audits/reports/2026/submit/", {"kind": "results", "as_of": "2026-12-01", "confirm": "1"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    return str(response["Location"])


def test_the_section4_pdf_is_made_by_the_worker_for_the_municipality_wide_roles_only(
    world: World, as_admin: Client, as_outsider: Client, report: AssessmentReport
) -> None:
    url = f"/reports/assessments/{report.pk}/section4/job/"
    assert as_outsider.post(url, {"fy": "2026", "format": "pdf"}).status_code == 404
    assert login(world.head_a).post(url, {"fy": "2026", "format": "pdf"}).status_code == 403
    assert as_admin.get(url).status_code == 405
    assert as_admin.post(url, {"fy": "1999", "format": "pdf"}).status_code == 404
    job_url = _start_section4_pdf(as_admin, report)
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()

    run_jobs()

    assert "評価書Ⅳの根拠資料を作成しました" in as_admin.get(job_url).content.decode()
    download = as_admin.get(f"{job_url}result/")
    assert download.getvalue()[:4] == b"%PDF" and f"section4-{report.pk}-2026.pdf" in download["Content-Disposition"]
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_repr="評価書Ⅳの根拠資料").count() == 1
    assert as_outsider.get(job_url).status_code == 404


def test_the_audit_report_draft_is_a_job_of_the_starters_municipality(
    world: World, as_auditor: Client, as_outsider: Client
) -> None:
    url = "/audits/reports/2026/draft-job/"
    outsider_job = as_outsider.post(url, {"kind": "results", "format": "pdf"})["Location"]
    assert Job.objects.get().municipality == world.b  # B's own report, B's job
    assert as_auditor.get(outsider_job).status_code == 404
    assert as_auditor.post(url, {"kind": "nothing", "format": "pdf"}).status_code == 302
    assert Job.objects.count() == 1  # an invalid form starts nothing
    job_url = as_auditor.post(url, {"kind": "results", "format": "xlsx"})["Location"]
    run_jobs()
    assert as_auditor.get(f"{job_url}result/").getvalue()[:2] == b"PK"
    assert Job.objects.get(municipality=world.a).status == JobStatus.SUCCEEDED


def _kill_and_recover(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    result = DBTaskResult.objects.get(id=job.task_id)
    result.claim("killed-worker")
    real = tasks.function
    with monkeypatch.context() as m:

        def dying(kind: str) -> Callable[..., Any]:
            work = real(kind)

            def then_killed(**kwargs: Any) -> Any:
                work(**kwargs)
                raise KeyboardInterrupt("SIGKILL")  # not an Exception: run_job cannot tidy up, as with a real kill

            return then_killed

        m.setattr(tasks, "function", dying)
        with pytest.raises(KeyboardInterrupt):
            tasks.run_job.func(job.pk)
    WorkerBeat.objects.create(worker_id="killed-worker", beat_at=timezone.now() - timezone.timedelta(minutes=5))


@pytest.mark.parametrize("kind", ["training_import", "section4_export", "periodic_export", "audit_report_submit"])
def test_a_job_killed_after_its_work_before_its_commit_leaves_nothing_and_runs_once_again(
    kind: str, world: World, as_admin: Client, report: AssessmentReport, trainees: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    starter = login(world.auditor_a) if kind == "audit_report_submit" else as_admin
    if kind == "training_import":
        job_url = _start_training_import(starter)
    elif kind == "audit_report_submit":
        job_url = _start_audit_report_submit(starter)
    else:
        job_url = (_start_section4_pdf if kind == "section4_export" else _start_periodic_pdf)(as_admin, report)
    job = Job.objects.get(kind=kind)
    records_before, entries_before = Record.objects.count(), AuditEntry.objects.count()

    _kill_and_recover(job, monkeypatch)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 1
    assert Record.objects.count() == records_before and not ImportedFile.objects.exists()
    assert not AuditReport.objects.exists()  # a submission half-made is no submission
    assert AuditEntry.objects.count() == entries_before
    assert not AuditEntry.objects.filter(action__in=[Action.EXPORT, Action.IMPORT]).exists()
    assert not job.result_name
    if kind == "training_import":  # the upload waits for the retry
        assert default_storage.exists(job.params["upload"][UPLOAD_MARK])

    assert reap() == 1
    run_jobs()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2, job.message
    assert starter.get(job_url).status_code == 200
    if kind == "training_import":
        assert Record.objects.count() == records_before + 2 and ImportedFile.objects.count() == 1
        assert not default_storage.exists(job.params["upload"][UPLOAD_MARK])  # removed after the success
    elif kind == "audit_report_submit":
        report = AuditReport.objects.get()  # frozen once, by the auditor who submitted it
        assert report.submitted_by == world.auditor_a and report.pdf.read()[:4] == b"%PDF"
        assert AuditEntry.objects.filter(action=Action.CREATE, object_repr=str(report)).count() == 1
    else:
        assert AuditEntry.objects.filter(action=Action.EXPORT).count() == 1 and default_storage.exists(job.result_name)


@pytest.mark.parametrize("kind", sorted(JOB_KINDS))
def test_every_job_kind_names_a_function_taking_the_job_and_its_progress(kind: str) -> None:
    """The registry names functions by string (the base never imports a domain app): a typo would fail only when a
    user starts that job."""
    parameters = inspect.signature(function(kind)).parameters
    assert list(parameters) == ["job", "progress"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
