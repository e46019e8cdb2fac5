"""Report pages: generate (download) and submit the two reports, the division's review, and the Ⅳ-1② rating."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.assessments.vocab import SectionIVRating
from piaops.audits import rating as rating_rules
from piaops.audits import reports as rep
from piaops.audits.models import AuditRatingDecision, AuditReport, ReportKind
from piaops.audittrail.services import record_export
from piaops.core.forms import ReopenForm, confirmation_error
from piaops.lib.fiscal import FIRST_YEAR, LAST_YEAR, date_in_range
from piaops.tenancy.access import Perm, get_or_404, has_perm, municipality_of, require, scoped, tenant_view
from piaops.tenancy.models import User

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _as_of(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("基準日は YYYY-MM-DD の形式で入力してください。") from exc
    if not date_in_range(day):
        raise ValidationError(f"基準日は {FIRST_YEAR}年から{LAST_YEAR}年までの日付で入力してください。")
    return day


@tenant_view(Perm.AUDIT_VIEW)
def reports(request: HttpRequest, fy: int) -> HttpResponse:
    user = _u(request)
    return render(
        request,
        "audits/reports.html",
        {
            "fy": fy,
            "kinds": ReportKind.choices,
            "reports": scoped(user, AuditReport)
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
    """A draft of the report as it would be submitted now (not frozen)."""
    user = _u(request)
    kind, fmt = request.GET.get("kind", ""), request.GET.get("format", "pdf")
    if kind not in ReportKind.values or fmt not in CONTENT_TYPES:
        raise Http404("報告書の種類または形式が不正です。")
    municipality = municipality_of(user)
    try:
        data = rep.report_data(
            municipality=municipality, fiscal_year=fy, kind=kind, as_of=_as_of(request.GET.get("as_of"))
        )
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("audits:reports", fy=fy)
    body = rep.render_pdf_bytes(data) if fmt == "pdf" else rep.render_xlsx_bytes(data)
    rows = len(data.get("audits", data.get("followups", [])))
    record_export(
        municipality_id=municipality.pk,
        what=data["title"],
        file_format=fmt.upper(),
        rows=rows,
        criteria={"fiscal_year": fy},
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="audit-{kind}-{fy}.{fmt}"'
    return response


@require_POST
@tenant_view(Perm.AUDIT_PERFORM)
def submit(request: HttpRequest, fy: int) -> HttpResponse:
    user = _u(request)
    try:
        if error := confirmation_error(request.POST):
            raise ValidationError(error)
        kind = request.POST.get("kind", "")
        rep.report_submit(
            municipality=municipality_of(user),
            fiscal_year=fy,
            kind=kind,
            as_of=_as_of(request.POST.get("as_of")),
            by=user,
        )
        messages.success(request, "報告書を提出しました。")
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect("audits:reports", fy=fy)


@tenant_view(Perm.AUDIT_VIEW)
def report_file(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    report = get_or_404(_u(request), AuditReport, pk=pk)
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
@tenant_view(Perm.AUDIT_MANAGE)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    report = get_or_404(user, AuditReport, pk=pk)
    try:
        if request.POST.get("action") == "receive" and (error := confirmation_error(request.POST)):
            raise ValidationError(error)
        rep.report_review(
            report=report,
            accept=request.POST.get("action") == "receive",
            comment=request.POST.get("comment", ""),
            by=user,
        )
        messages.success(request, "保存しました。")
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect("audits:reports", fy=report.fiscal_year)


@require_POST
@tenant_view(Perm.AUDIT_MANAGE)
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The division re-opens a submitted or received report, with a reason (recorded); a new one is expected."""
    user = _u(request)
    report = get_or_404(user, AuditReport, pk=pk)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        rep.report_reopen(report=report, reason=form.cleaned_data["reason"], by=user)
        messages.success(request, "報告書を再開しました。内容を見直して、もう一度提出してください。")
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect("audits:reports", fy=report.fiscal_year)


@tenant_view(Perm.AUDIT_VIEW)
def rating(request: HttpRequest, fy: int) -> HttpResponse:
    user = _u(request)
    municipality = municipality_of(user)
    today = timezone.localdate()
    if request.method == "POST":
        require(user, Perm.AUDIT_MANAGE)
        try:
            rating_rules.rating_decide(
                municipality=municipality,
                fiscal_year=fy,
                chosen=request.POST.get("chosen", ""),
                reason=request.POST.get("reason", ""),
                today=today,
                by=user,
            )
            messages.success(request, "評価を記録しました。")
            return redirect("audits:rating", fy=fy)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
    suggestion = rating_rules.suggest_rating(municipality=municipality, fiscal_year=fy, today=today)
    return render(
        request,
        "audits/rating.html",
        {
            "fy": fy,
            "suggestion": suggestion,
            "decisions": scoped(user, AuditRatingDecision).filter(fiscal_year=fy).select_related("decided_by"),
            "choices": SectionIVRating.choices,
            "can_decide": has_perm(user, Perm.AUDIT_MANAGE),
        },
    )
