from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.assessments.models import AssessmentReport
from piaops.assessments.vocab import SectionIVRating
from piaops.jobs.services import job_enqueue
from piaops.lib.fiscal import fiscal_year, wareki_fiscal_year
from piaops.reports import charts
from piaops.reports.dashboard import build
from piaops.tenancy.access import Perm, is_municipality_wide, tenant_object, tenant_view
from piaops.tenancy.models import User

# Served in the request: cheap to make. The PDF runs as a background job (``section4_job``).
QUICK_FORMATS = ("text", "xlsx")
PERIODIC_QUICK_FORMATS = ("xlsx",)  # its PDF: ``periodic_job``


def _fy(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("fy", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


@tenant_view(Perm.REPORTS_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    current = fiscal_year(today)
    fy = _fy(request, current)
    user: User = request.user  # type: ignore[assignment]  # tenant_view: a logged-in member
    data = build(user, fiscal_year=fy, today=today)
    sc = data.selfcheck
    chart_selfcheck = charts.stacked_bar(
        f"{wareki_fiscal_year(fy)} 自己点検の進捗（所属数）",
        [charts.Segment(c.label, c.value, c.href, c.tone) for c in sc.by_status],
    )
    t = data.training
    chart_employment = charts.rate_bars(
        "雇用形態別の受講率",
        [charts.Bar(x.label, x.rate, f"（{x.done}/{x.in_scope}）", t.href) for x in t.by_employment],
    )
    chart_units = charts.rate_bars(
        "所属別の受講率（低い順）",
        [
            charts.Bar(x.label, x.rate, f"（{x.done}/{x.in_scope}）", _roster(x.key, t.as_of.isoformat()))
            for x in t.by_unit[:30]
        ],
    )
    return render(
        request,
        "reports/index.html",
        {
            "d": data,
            "fy": fy,
            "years": list(range(current, current - 6, -1)),
            "chart_selfcheck": chart_selfcheck,
            "chart_employment": chart_employment,
            "chart_units": chart_units,
        },
    )


def _roster(unit_id: object, as_of: str) -> str:
    from django.urls import reverse

    if not isinstance(unit_id, int):
        return ""
    return f"{reverse('training:roster', args=[unit_id])}?as_of={as_of}"


def _require_wide(request: HttpRequest) -> None:
    """403 unless the user reads reports for the whole municipality (a unit role does not: the Section Ⅳ evidence
    covers every unit)."""
    if not is_municipality_wide(request.user, Perm.REPORTS_VIEW):
        raise PermissionDenied("この操作を行う権限がありません。")


@tenant_object(AssessmentReport, perm=Perm.REPORTS_VIEW, select=("municipality",))
def section4(request: HttpRequest, report: AssessmentReport) -> HttpResponse:
    """The Section Ⅳ evidence report of one assessment report (municipality-wide roles only: it covers them all)."""
    from piaops.reports.section4_export import export

    _require_wide(request)
    today = timezone.localdate()
    fy = _fy(request, fiscal_year(today))
    fmt = request.GET.get("format", "")
    if fmt in QUICK_FORMATS:
        from piaops.reports import section4 as s4mod

        file = export(s4mod.build(report, fiscal_year=fy, today=today), fmt=fmt)  # the actor: from the request
        response = HttpResponse(file.content, content_type=file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        return response
    return _section4_page(request, report, fy, None)


@require_POST
@tenant_object(AssessmentReport, perm=Perm.AUDIT_MANAGE, select=("municipality",))
def section4_audit_rating(request: HttpRequest, report: AssessmentReport) -> HttpResponse:
    """Record the report's own Ⅳ-1② (監査) rating against its Section Ⅳ suggestion (the municipality-wide admin:
    the same right as the audits page's rating); a refused choice shows the page again with the form's errors."""
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    from piaops.reports.forms import AuditRatingForm
    from piaops.reports.services import section4_audit_decide

    _require_wide(request)
    if not is_municipality_wide(request.user, Perm.AUDIT_MANAGE):
        raise PermissionDenied("この操作を行う権限がありません。")
    form = AuditRatingForm(request.POST)
    if form.is_valid():
        fy = form.cleaned_data["fy"]
        try:
            section4_audit_decide(
                report=report,
                fiscal_year=fy,
                chosen=form.cleaned_data["chosen"],
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
                by=request.user,  # type: ignore[arg-type]  # tenant_object: a logged-in member
            )
        except ValidationError as exc:
            form.add_error(None, exc)  # each message onto its field (Django splits the dict)
        else:
            messages.success(request, "この評価書のⅣ-1②（監査）の評価を記録しました。")
            return redirect(f"{reverse('reports:section4', args=[report.pk])}?fy={fy}")
    fy = form.cleaned_data.get("fy") or fiscal_year(timezone.localdate())
    return _section4_page(request, report, fy, form)


def _section4_page(request: HttpRequest, report: AssessmentReport, fy: int, form: Form | None) -> HttpResponse:
    """The Section Ⅳ page of ``report`` and the 年度, with the Ⅳ-1② decision form (``form`` when refused) for
    those who may decide, and the report's own Ⅳ-1② decisions of the 年度."""
    from piaops.reports import section4 as s4mod
    from piaops.reports.forms import AuditRatingForm
    from piaops.reports.oscal import LABELS

    data = s4mod.build(report, fiscal_year=fy, today=timezone.localdate())
    can_decide = is_municipality_wide(request.user, Perm.AUDIT_MANAGE)
    if form is None and can_decide:
        audit = next(i for i in data.items if i.path == s4mod.AUDIT)
        value = {str(c.label): c.value for c in SectionIVRating}.get(audit.suggested, "")
        form = AuditRatingForm(initial={"fy": fy, "chosen": value})
    return render(
        request,
        "reports/section4.html",
        {
            "s4": data,
            "fy": fy,
            "formats": QUICK_FORMATS,
            "oscal_models": LABELS.items(),
            "audit_path": s4mod.AUDIT,
            "audit_form": form if can_decide else None,
            "audit_decisions": report.audit_rating_decisions.filter(fiscal_year=fy).select_related("decided_by"),
        },
    )


@require_POST
@tenant_object(AssessmentReport, perm=Perm.REPORTS_VIEW, select=("municipality",))
def section4_job(request: HttpRequest, report: AssessmentReport) -> HttpResponse:
    """Make a Section Ⅳ file (the PDF: seconds of WeasyPrint) as a background job; its page shows the progress,
    then the download."""
    from piaops.reports.forms import Section4JobForm

    return _report_job(request, report, Section4JobForm(request.POST), kind="section4_export", what="評価書Ⅳの根拠資料")


@tenant_object(AssessmentReport, perm=Perm.REPORTS_VIEW, select=("municipality",))
def oscal(request: HttpRequest, report: AssessmentReport, model: str) -> HttpResponse:
    """The OSCAL document ``model`` of the report and the 年度 (``?fy=``) as a JSON download (same access as the
    Section Ⅳ page)."""
    from django.urls import reverse

    from piaops.reports.oscal import MODELS, NothingToExport, export

    _require_wide(request)
    if model not in MODELS:
        raise Http404("OSCAL のモデルが見つかりません。")
    fy = _fy(request, fiscal_year(timezone.localdate()))
    try:
        file = export(report, model=model, fiscal_year=fy, now=timezone.now())
    except NothingToExport as exc:
        messages.info(request, str(exc))
        return redirect(f"{reverse('reports:section4', args=[report.pk])}?fy={fy}")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@tenant_object(AssessmentReport, perm=Perm.REPORTS_VIEW, select=("municipality",))
def periodic(request: HttpRequest, report: AssessmentReport) -> HttpResponse:
    """The 定期的な報告 of one report and the 年度 (``?fy=``): each measure written in the report in its order, the
    status carried out, the evidence and the gaps; ``?format=xlsx`` downloads it (recorded; the PDF is a background
    job, ``periodic_job``). Municipality-wide roles only, as the Section Ⅳ page."""
    from piaops.reports import periodic as periodic_mod

    _require_wide(request)
    today = timezone.localdate()
    current = fiscal_year(today)
    fy = _fy(request, current)
    pr = periodic_mod.build(report, fiscal_year=fy, today=today)
    fmt = request.GET.get("format", "")
    if fmt in PERIODIC_QUICK_FORMATS:
        file = periodic_mod.export_report(pr, fmt=fmt)
        response = HttpResponse(file.content, content_type=file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        return response
    statuses = [
        (status, sum(1 for r in pr.rows if r.status == status))
        for status in (
            periodic_mod.DONE_STATUS,
            periodic_mod.GAP_STATUS,
            periodic_mod.NA_STATUS,
            periodic_mod.NO_RECORD,
        )
    ]
    return render(
        request,
        "reports/periodic.html",
        {
            "pr": pr,
            "fy": fy,
            "years": list(range(current, current - 6, -1)),
            "statuses": statuses,
            "gaps": [r for r in pr.rows if r.gaps],
            "formats": PERIODIC_QUICK_FORMATS,
        },
    )


@require_POST
@tenant_object(AssessmentReport, perm=Perm.REPORTS_VIEW, select=("municipality",))
def periodic_job(request: HttpRequest, report: AssessmentReport) -> HttpResponse:
    """Make a 定期的な報告 file (the PDF: seconds of WeasyPrint) as a background job; its page shows the progress,
    then the download."""
    from piaops.reports.forms import PeriodicJobForm

    return _report_job(request, report, PeriodicJobForm(request.POST), kind="periodic_export", what="定期的な報告")


def _report_job(request: HttpRequest, report: AssessmentReport, form: Form, *, kind: str, what: str) -> HttpResponse:
    """Enqueue one report file of a 年度 and format (a form with ``fy`` and ``format``) for the municipality-wide
    roles, and send the user to the job's page."""
    _require_wide(request)
    if not form.is_valid():
        raise Http404("年度または形式が正しくありません。")
    fy, fmt = form.cleaned_data["fy"], form.cleaned_data["format"]
    job = job_enqueue(
        municipality=report.municipality,
        user=request.user,  # type: ignore[arg-type]  # tenant_object: a logged-in member
        kind=kind,
        title=f"{what}（{fmt.upper()}、{wareki_fiscal_year(fy)}）: {report}",
        params={"report": report.pk, "fiscal_year": fy, "format": fmt},
    )
    return redirect("jobs:detail", pk=job.pk)
