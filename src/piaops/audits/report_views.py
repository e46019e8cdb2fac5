"""Report pages: generate (download) and submit the two reports, the division's review (receive or return) and
re-opening, and the Ⅳ-1② rating. One small view per action, each with its form (``forms``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.assessments.decisions import drift_note
from piaops.assessments.forms import SectionIVDecisionForm
from piaops.audits import forms
from piaops.audits import rating as rating_rules
from piaops.audits import reports as rep
from piaops.audits.models import AuditRatingDecision, AuditReport, ReportKind
from piaops.audittrail.services import record_export
from piaops.core.actions import apply_action, say_errors
from piaops.core.forms import ReopenForm
from piaops.jobs.services import job_enqueue
from piaops.tenancy.access import Perm, has_perm, municipality_of, require, scoped, tenant_object, tenant_view
from piaops.tenancy.models import User

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@tenant_view(Perm.AUDIT_VIEW)
def reports(request: HttpRequest, fy: int) -> HttpResponse:
    user = _u(request)
    return render(
        request,
        "audits/reports.html",
        {
            "fy": fy,
            "kinds": ReportKind.choices,
            "reports": AuditReport.objects.visible_to(user)
            .filter(fiscal_year=fy)
            .select_related("submitted_by", "reviewed_by")
            .prefetch_related("events__by"),
            "reopen_form": ReopenForm(),
            "can_submit": has_perm(user, Perm.AUDIT_PERFORM),
            "can_review": has_perm(user, Perm.AUDIT_MANAGE),
        },
    )


@tenant_view(Perm.AUDIT_VIEW)
def download(request: HttpRequest, fy: int) -> HttpResponse:
    """A draft of the report as it would be submitted now (not frozen): the Excel form at once; the PDF is made by a
    background job (``draft_job``), so an old link to it lands on the reports page."""
    user = _u(request)
    form = forms.ReportDraftForm(request.GET)
    form.is_valid()
    if "kind" in form.errors or "format" in form.errors:
        raise Http404("報告書の種類または形式が不正です。")
    if form.errors:  # the 基準日: not a date, or out of range
        say_errors(request, form)
        return redirect("audits:reports", fy=fy)
    kind, fmt = form.cleaned_data["kind"], form.cleaned_data["format"]
    if fmt == "pdf":
        messages.info(request, "PDF は「PDF を作成」から作成してください（バックグラウンド処理）。")
        return redirect("audits:reports", fy=fy)
    try:
        body, filename = rep.report_draft(
            municipality=municipality_of(user), fiscal_year=fy, kind=kind, fmt=fmt, as_of=form.cleaned_data["as_of"]
        )
    except ValidationError as exc:
        say_errors(request, exc)
        return redirect("audits:reports", fy=fy)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@tenant_view(Perm.AUDIT_VIEW)
def draft_job(request: HttpRequest, fy: int) -> HttpResponse:
    """Make a draft report (PDF or Excel) as a background job; its page shows the progress, then the download."""
    user = _u(request)
    form = forms.ReportDraftForm(request.POST)
    if not form.is_valid():
        say_errors(request, form)
        return redirect("audits:reports", fy=fy)
    kind, fmt, as_of = form.cleaned_data["kind"], form.cleaned_data["format"], form.cleaned_data["as_of"]
    job = job_enqueue(
        municipality=municipality_of(user),
        user=user,
        kind="audit_report",
        title=f"{ReportKind(kind).label}（下書き、{fmt.upper()}）{fy}年度",
        params={"fiscal_year": fy, "kind": kind, "format": fmt, "as_of": as_of.isoformat() if as_of else ""},
    )
    return redirect("jobs:detail", pk=job.pk)


@require_POST
@tenant_view(Perm.AUDIT_PERFORM)
def submit(request: HttpRequest, fy: int) -> HttpResponse:
    """Submit (freeze) the report as a background job (``audit_report_submit``: the PDF takes seconds); its page shows
    the progress, then a link back to the reports page with the frozen files."""
    user = _u(request)
    form = forms.ReportSubmitForm(request.POST)
    if not form.is_valid():
        say_errors(request, form)
        return redirect("audits:reports", fy=fy)
    kind, as_of = form.cleaned_data["kind"], form.cleaned_data["as_of"]
    job = job_enqueue(
        municipality=municipality_of(user),
        user=user,
        kind="audit_report_submit",
        title=f"{ReportKind(kind).label}の提出 {fy}年度",
        params={"fiscal_year": fy, "kind": kind, "as_of": as_of.isoformat() if as_of else ""},
    )
    return redirect("jobs:detail", pk=job.pk)


@tenant_object(AuditReport, perm=Perm.AUDIT_VIEW)
def report_file(request: HttpRequest, report: AuditReport, fmt: str) -> FileResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("形式が不正です。")
    field = report.pdf if fmt == "pdf" else report.xlsx
    record_export(
        municipality_id=report.municipality_id,
        what=report.get_kind_display(),
        file_format=fmt.upper(),
        rows=1,
        criteria={"report": report.pk},
    )
    response = FileResponse(field.open("rb"), content_type=CONTENT_TYPES[fmt])  # streamed from the storage
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{report.kind}-{report.fiscal_year}-{report.pk}.{fmt}"'
    )
    return response


@require_POST
@tenant_object(AuditReport, perm=Perm.AUDIT_MANAGE)
def report_receive(request: HttpRequest, report: AuditReport) -> HttpResponse:
    """The division receives (受理) a submitted report (confirmed: it cannot be undone)."""
    apply_action(
        request,
        forms.ReportReceiveForm(request.POST),
        lambda data: rep.report_review(report=report, accept=True, comment=data["comment"], by=_u(request)),
    )
    return redirect("audits:reports", fy=report.fiscal_year)


@require_POST
@tenant_object(AuditReport, perm=Perm.AUDIT_MANAGE)
def report_return(request: HttpRequest, report: AuditReport) -> HttpResponse:
    """The division returns (差戻し) a submitted report with its comments."""
    apply_action(
        request,
        forms.ReportReturnForm(request.POST),
        lambda data: rep.report_review(report=report, accept=False, comment=data["comment"], by=_u(request)),
    )
    return redirect("audits:reports", fy=report.fiscal_year)


@require_POST
@tenant_object(AuditReport, perm=Perm.AUDIT_MANAGE)
def reopen(request: HttpRequest, report: AuditReport) -> HttpResponse:
    """The division re-opens a submitted or received report, with a reason (recorded); a new one is expected."""
    apply_action(
        request,
        ReopenForm(request.POST),
        lambda data: rep.report_reopen(report=report, reason=data["reason"], by=_u(request)),
        success="報告書を再開しました。内容を見直して、もう一度提出してください。",
    )
    return redirect("audits:reports", fy=report.fiscal_year)


@tenant_view(Perm.AUDIT_VIEW)
def rating(request: HttpRequest, fy: int) -> HttpResponse:
    user = _u(request)
    municipality = municipality_of(user)
    today = timezone.localdate()
    suggestion = rating_rules.suggest_rating(municipality=municipality, fiscal_year=fy, today=today)
    form = SectionIVDecisionForm(
        request.POST if request.method == "POST" else None, initial={"chosen": suggestion.rating}
    )
    if request.method == "POST":
        require(user, Perm.AUDIT_MANAGE)
        if form.is_valid():
            try:
                rating_rules.rating_decide(
                    municipality=municipality, fiscal_year=fy, today=today, by=user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)  # each message onto its field (Django splits the dict)
            else:
                messages.success(request, "評価を記録しました。")
                return redirect("audits:rating", fy=fy)
    # One query: the list shown, newest first, whose first is the decision in force.
    decisions = list(
        scoped(user, AuditRatingDecision)
        .filter(fiscal_year=fy, report__isnull=True)  # a report's own decision is on its Section Ⅳ page
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
    )
    return render(
        request,
        "audits/rating.html",
        {
            "fy": fy,
            "suggestion": suggestion,
            "form": form,
            "decisions": decisions,
            "drift": drift_note(decisions[0] if decisions else None, suggestion),
            "can_decide": has_perm(user, Perm.AUDIT_MANAGE),
        },
    )
