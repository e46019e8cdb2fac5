"""Background jobs: enqueued by a page, run by ``piaops worker``, progress and result on the job's page; a job whose
worker died is retried once, then failed with its reason shown."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from piaops.audittrail.models import Action, AuditEntry
from piaops.jobs.models import Job, JobStatus, WorkerBeat
from piaops.jobs.worker import MAX_ATTEMPTS, reap
from piaops.selfcheck.models import Campaign
from tests import factories as f
from tests.conftest import World, login
from tests.jobs.runner import run_jobs
from tests.selfcheck.helpers import make_campaign


@pytest.fixture
def campaign(world: World) -> Campaign:
    return make_campaign(world.a, [world.tax_a, world.other_a])


def _start_zip(client: Client, campaign: Campaign) -> str:
    response = client.post(f"/selfcheck/campaigns/{campaign.pk}/jobs/zip/")
    assert response.status_code == 302
    return str(response["Location"])


def test_the_campaign_zip_is_made_by_the_worker_and_downloaded_from_the_job_page(
    as_admin: Client, campaign: Campaign
) -> None:
    job_url = _start_zip(as_admin, campaign)
    waiting = as_admin.get(job_url).content.decode()
    assert "待機中" in waiting and 'hx-trigger="every 1s"' in waiting  # polled while it is not finished
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()

    run_jobs()

    done = as_admin.get(job_url, HTTP_HX_REQUEST="true").content.decode()
    assert "完了" in done and "2 所属の自己点検票をまとめました" in done and "hx-trigger" not in done
    assert 'value="100"' in done
    link = re.search(r'href="(/jobs/\d+/result/)"', done)
    assert link, "no download link"
    download = as_admin.get(link.group(1))
    names = zipfile.ZipFile(io.BytesIO(download.getvalue())).namelist()
    assert len(names) == 2 and all(n.endswith(".xlsx") for n in names)
    assert AuditEntry.objects.filter(action=Action.EXPORT, summary="全所属の自己点検票をZIPで出力").count() == 1
    job = Job.objects.get()
    assert job.attempts == 1 and DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.SUCCESSFUL


def test_the_summary_pdf_is_made_by_the_worker(as_admin: Client, as_auditor: Client, campaign: Campaign) -> None:
    response = as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/jobs/pdf/")
    run_jobs()

    page = as_admin.get(response["Location"]).content.decode()
    assert "集計報告（PDF）を作成しました" in page
    download = as_admin.get(f"{response['Location']}result/")
    assert download.getvalue()[:4] == b"%PDF" and "selfcheck_summary_2026" in download["Content-Disposition"]
    assert as_auditor.post(f"/selfcheck/campaigns/{campaign.pk}/jobs/pdf/").status_code == 403
    assert as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/jobs/nothing/").status_code == 404


def test_a_job_runs_once_even_if_its_task_is_taken_again(as_admin: Client, campaign: Campaign) -> None:
    _start_zip(as_admin, campaign)
    run_jobs()
    job = Job.objects.get()
    DBTaskResult.objects.filter(id=job.task_id).update(status=TaskResultStatus.READY)  # as if delivered twice

    run_jobs()

    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == 1
    job.refresh_from_db()
    assert job.attempts == 1 and job.status == JobStatus.SUCCEEDED


def test_only_the_user_who_started_a_job_sees_it_and_another_tenant_gets_404(
    world: World, as_admin: Client, as_outsider: Client, campaign: Campaign
) -> None:
    job_url = _start_zip(as_admin, campaign)
    run_jobs()
    other_admin = login(f.user(world.a, "admin2", f.Role.ADMIN))

    assert as_outsider.get(job_url).status_code == 404
    assert as_outsider.get(job_url + "result/").status_code == 404
    assert other_admin.get(job_url).status_code == 403
    assert other_admin.get(job_url + "result/").status_code == 403
    assert login(world.head_a).post(f"/selfcheck/campaigns/{campaign.pk}/jobs/zip/").status_code == 403
    assert as_outsider.post(f"/selfcheck/campaigns/{campaign.pk}/jobs/zip/").status_code == 404
    assert Job.objects.count() == 1


def _claimed_by_a_dead_worker(job: Job) -> DBTaskResult:
    """The state a worker killed mid-task leaves: the task claimed and running, the job running, no heartbeat."""
    result = DBTaskResult.objects.get(id=job.task_id)
    result.claim("killed-worker")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=job.attempts + 1)
    WorkerBeat.objects.create(worker_id="killed-worker", beat_at=timezone.now() - timezone.timedelta(minutes=5))
    return result


def test_a_job_whose_worker_died_is_retried_then_succeeds(as_admin: Client, world: World, campaign: Campaign) -> None:
    job_url = _start_zip(as_admin, campaign)
    result = _claimed_by_a_dead_worker(Job.objects.get())

    assert reap() == 1
    result.refresh_from_db()
    assert result.status == TaskResultStatus.READY
    assert "もう一度実行します" in as_admin.get(job_url).content.decode()
    run_jobs()

    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == 1  # the killed attempt left nothing


def test_a_job_killed_on_its_last_attempt_fails_with_the_reason_shown(as_admin: Client, campaign: Campaign) -> None:
    job_url = _start_zip(as_admin, campaign)
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(attempts=MAX_ATTEMPTS - 1)
    job.refresh_from_db()
    result = _claimed_by_a_dead_worker(job)

    reap()

    result.refresh_from_db()
    assert result.status == TaskResultStatus.FAILED
    page = as_admin.get(job_url).content.decode()
    assert "失敗" in page and "処理していたサーバーが停止したため" in page and "何も変更していません" in page
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_a_living_worker_keeps_its_task(as_admin: Client, campaign: Campaign) -> None:
    _start_zip(as_admin, campaign)
    result = _claimed_by_a_dead_worker(Job.objects.get())
    WorkerBeat.objects.filter(worker_id="killed-worker").update(beat_at=timezone.now())

    assert reap() == 0
    result.refresh_from_db()
    assert result.status == TaskResultStatus.RUNNING


def test_finished_jobs_older_than_30_days_are_deleted_with_their_files_and_running_ones_kept(
    as_admin: Client, world: World, campaign: Campaign
) -> None:
    """Issue 20: old jobs do not pile up. A finished job's page and its ZIP go after KEEP_DAYS; the deletion is in the
    audit trail; a queued or running job is never touched, however old."""
    import datetime as dt

    from django.core.files.storage import default_storage

    from piaops.jobs.services import KEEP_DAYS, jobs_prune

    old_url = _start_zip(as_admin, campaign)
    run_jobs()
    old = Job.objects.get()
    assert old.result_name and default_storage.exists(old.result_name)
    recent_url = _start_zip(as_admin, campaign)
    run_jobs()
    _start_zip(as_admin, campaign)  # left queued
    queued = Job.objects.get(status=JobStatus.QUEUED)
    Job.objects.filter(pk__in=[old.pk, queued.pk]).update(created_at=timezone.now() - dt.timedelta(days=KEEP_DAYS + 5))
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=KEEP_DAYS + 1))

    assert jobs_prune() == 1
    assert as_admin.get(old_url).status_code == 404
    assert not default_storage.exists(old.result_name)
    assert not DBTaskResult.objects.filter(id=old.task_id).exists()
    assert as_admin.get(recent_url).status_code == 200 and Job.objects.filter(pk=queued.pk).exists()
    entry = AuditEntry.objects.filter(action=Action.DELETE, object_type="jobs.Job").get()
    assert entry.municipality_id == world.a.pk and "1 件" in entry.summary
    assert jobs_prune() == 0  # nothing left to delete
