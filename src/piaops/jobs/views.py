"""A background job's page: progress (polled by htmx every second; without JavaScript, reload), then the result.

Only the user who started a job sees it (``Job.objects.visible_to``: another user of the municipality gets 403;
another municipality, 404).
"""

from __future__ import annotations

from urllib.parse import quote

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from piaops.jobs.models import Job
from piaops.tenancy.access import tenant_object


@never_cache
@tenant_object(Job)
def detail(request: HttpRequest, job: Job) -> HttpResponse:
    template = "jobs/_status.html" if getattr(request, "htmx", False) else "jobs/detail.html"
    return render(request, template, {"job": job})


@tenant_object(Job)
def result(request: HttpRequest, job: Job) -> FileResponse:
    """The job's result file, streamed from the storage (any node serves it)."""
    if not job.finished or not job.result_name:
        raise Http404("結果のファイルはありません。")
    response = FileResponse(default_storage.open(job.result_name, "rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.result_filename or 'result')}"
    return response
