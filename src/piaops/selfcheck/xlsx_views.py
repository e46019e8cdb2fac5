"""Downloads and uploads of workbooks (the Excel round trip) and the campaign's XLSX/PDF summary and ZIP."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.jobs.services import job_enqueue
from piaops.selfcheck import xlsx
from piaops.selfcheck.checklist_page import SELECT, checklist_context, conflict_page, typed_answer
from piaops.selfcheck.errors import ChecklistInvalid
from piaops.selfcheck.forms import UploadForm
from piaops.selfcheck.models import Campaign, Checklist
from piaops.tenancy.access import Perm, is_municipality_wide, tenant_object
from piaops.tenancy.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@tenant_object(Checklist, perm=Perm.SELFCHECK_VIEW, unit="unit", select=SELECT)
def checklist_download(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    content = xlsx.checklist_workbook(checklist)
    record(
        action=Action.EXPORT,
        municipality_id=checklist.municipality_id,
        obj=checklist,
        summary="自己点検票をExcelで出力",
    )
    return _attachment(content, xlsx.workbook_filename(checklist), XLSX)


@require_POST
@tenant_object(Checklist, perm=Perm.SELFCHECK_ANSWER, unit="unit", select=SELECT)
def checklist_upload(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    user = _u(request)
    pk = checklist.pk
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "ファイルを選んでください。")
        return redirect("selfcheck:checklist", pk=pk)
    upload = form.cleaned_data["file"]
    if upload.size is not None and upload.size > settings.PIAOPS_MAX_UPLOAD_BYTES:
        messages.error(request, f"ファイル「{upload.name}」は大きすぎます。")
        return redirect("selfcheck:checklist", pk=pk)
    try:
        xlsx.import_workbooks(
            [(upload.name or "upload.xlsx", upload.read())],
            municipality=checklist.municipality_id,
            expected=checklist,
            by=user,
        )
    except xlsx.WorkbookConflict as exc:
        # Saved since the download: nothing saved; the page shows both per item, the form holds the file's answers.
        upload_answers = {i: typed_answer(a) for i, a in exc.parsed.answers.items()}
        return conflict_page(request, checklist, user, exc, upload=upload_answers)
    except ChecklistInvalid as exc:
        ctx = checklist_context(checklist, user)
        ctx["import_problems"] = exc.problems
        return render(request, "selfcheck/checklist_detail.html", ctx, status=400)
    messages.success(request, f"「{upload.name}」を取り込みました（下書きとして保存）。")
    return redirect("selfcheck:checklist", pk=pk)


JOBS = {  # what the campaign page starts as a background job: kind, title
    "zip": ("selfcheck_zip", "全所属の自己点検票（ZIP）"),
    "pdf": ("selfcheck_summary_pdf", "自己点検の集計報告（PDF）"),
}


@require_POST
@tenant_object(Campaign, perm=Perm.SELFCHECK_MANAGE)
def campaign_job_start(request: HttpRequest, campaign: Campaign, what: str) -> HttpResponse:
    """Make every unit's workbooks (ZIP) or the summary PDF as a background job (hundreds of units take a while);
    its page shows the progress, then the download."""
    user = _u(request)
    if what not in JOBS:
        raise Http404("見つかりません。")
    kind, title = JOBS[what]
    job = job_enqueue(
        municipality=campaign.municipality,
        user=user,
        kind=kind,
        title=f"{title}: {campaign.title}",
        params={"campaign": campaign.pk},
    )
    return redirect("jobs:detail", pk=job.pk)


@tenant_object(Campaign, perm=Perm.SELFCHECK_VIEW, select=("template",))
def campaign_summary(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    if not is_municipality_wide(_u(request), Perm.SELFCHECK_VIEW):
        raise PermissionDenied("集計結果を見る権限がありません。")
    content = xlsx.campaign_summary(campaign, today=timezone.localdate())
    record(
        action=Action.EXPORT,
        municipality_id=campaign.municipality_id,
        obj=campaign,
        summary="自己点検の集計をExcelで出力",
    )
    return _attachment(content, f"selfcheck_summary_{campaign.fiscal_year}_{campaign.pk}.xlsx", XLSX)
