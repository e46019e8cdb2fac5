"""Pages of assessment reports: list per work and version, tree, upload with preview, diff, refine, exports.

Every role of the municipality reads (``Perm.VIEW``; there is no row rule: whoever reads sees every report of the
municipality); the 番号制度総括部門 imports, refines and exports (``Perm.MANAGE_ASSESSMENTS``). A page about one
report, commitment or item is ``tenant_object``'s: another municipality's id answers 404, a missing right 403.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from piaops.assessments import batch, services
from piaops.assessments.diff import report_diff
from piaops.assessments.exports import FORMATS, report_export
from piaops.assessments.forms import (
    BatchUploadForm,
    CommitmentForm,
    MergeForm,
    SaveUploadForm,
    SplitForm,
    UploadForm,
)
from piaops.assessments.models import AssessmentReport, Commitment, Item, ReportField, with_reassessed_on
from piaops.assessments.profile import profile_of
from piaops.assessments.vocab import CommitmentKind
from piaops.lib import cadence as cadence_grammar
from piaops.tenancy.access import (
    Perm,
    get_or_404,
    has_perm_somewhere,
    municipality_of,
    scoped,
    tenant_object,
    tenant_view,
)
from piaops.tenancy.models import User, Work

SESSION_KEY = "assessments_upload"


def _can_manage(request: HttpRequest) -> bool:
    return has_perm_somewhere(request.user, Perm.MANAGE_ASSESSMENTS)


@tenant_view(Perm.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """Reports per work, every version, newest first."""
    reports = with_reassessed_on(  # each row shows its re-assessment date: one query for all, not two per row
        list(
            scoped(request.user, AssessmentReport)
            .prefetch_related("works")
            .select_related("imported_by")
            .order_by("series", "-version")
        )
    )
    works = list(scoped(request.user, Work).order_by("name"))
    by_work: dict[int, list[AssessmentReport]] = {w.pk: [] for w in works}
    for report in reports:
        for work in report.works.all():
            by_work.setdefault(work.pk, []).append(report)
    rows = [(w, by_work[w.pk]) for w in works if by_work[w.pk]]
    return render(
        request,
        "assessments/index.html",
        {"rows": rows, "can_manage": _can_manage(request), "works_without": [w for w in works if not by_work[w.pk]]},
    )


@tenant_object(AssessmentReport, perm=Perm.VIEW, select=("previous", "imported_by"))
def detail(request: HttpRequest, report: AssessmentReport) -> HttpResponse:
    sections = list(report.sections.order_by("order"))
    items = list(report.items.order_by("order"))
    commitments = list(report.commitments.select_related("owner_unit", "previous").order_by("order"))
    by_item: dict[int, list[Commitment]] = {}
    for c in commitments:
        by_item.setdefault(c.item_id, []).append(c)
    by_section: dict[int, list[tuple[Item, list[Commitment]]]] = {}
    for item in items:
        by_section.setdefault(item.section_id, []).append((item, by_item.get(item.pk, [])))
    fields = list(report.fields.order_by("order"))
    by_number: dict[str, list[ReportField]] = {}
    for f in fields:
        by_number.setdefault(f.section, []).append(f)
    versions = list(scoped(request.user, AssessmentReport).filter(series=report.series).order_by("-version"))
    return render(
        request,
        "assessments/detail.html",
        {
            "report": report,
            "works": list(report.works.all()),
            "profile": profile_of(fields),
            "tree": [(s, by_section.get(s.pk, []), by_number.get(s.number, [])) for s in sections],
            "versions": versions,
            "commitment_count": len(commitments),
            "can_manage": _can_manage(request),
            "formats": FORMATS,
        },
    )


@tenant_object(AssessmentReport, perm=Perm.VIEW)
def diff(request: HttpRequest, report: AssessmentReport) -> HttpResponse:
    versions = list(
        scoped(request.user, AssessmentReport).filter(series=report.series).exclude(pk=report.pk).order_by("-version")
    )
    against_id = request.GET.get("against") or report.previous_id
    if not against_id:
        return render(request, "assessments/diff.html", {"report": report, "versions": versions, "diff": None})
    against = get_or_404(request.user, AssessmentReport, pk=against_id)
    old, new = (against, report) if against.version <= report.version else (report, against)
    return render(
        request,
        "assessments/diff.html",
        {
            "report": report,
            "against": against,
            "versions": versions,
            "diff": report_diff(old, new),
            "show_all": request.GET.get("all") == "1",
            "change_records": list(new.change_records.all()),
        },
    )


@tenant_object(AssessmentReport, perm=Perm.MANAGE_ASSESSMENTS)
def export(request: HttpRequest, report: AssessmentReport, fmt: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if fmt not in FORMATS:
        raise Http404("その形式では出力できません。")
    result = report_export(report=report, fmt=fmt, user=user)
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


# --- upload: preview, then save ------------------------------------------------------------------------------


def _upload_context(form: UploadForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, **extra}


@tenant_view(Perm.MANAGE_ASSESSMENTS)
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: read and plan the file, keep the decoded text in the session, show the preview."""
    municipality = municipality_of(request.user)
    if request.method != "POST":
        form = UploadForm(municipality=municipality)
        return render(request, "assessments/upload.html", _upload_context(form))
    form = UploadForm(request.POST, request.FILES, municipality=municipality)
    if not form.is_valid():
        return render(request, "assessments/upload.html", _upload_context(form), status=400)
    upload_file = form.cleaned_data["file"]
    works = list(form.cleaned_data["works"])
    try:
        read, plan = services.report_preview(
            municipality=municipality,
            works=works,
            data=upload_file.read(),
            filename=upload_file.name or "",
            tier=form.cleaned_data["tier"],
            published_on=form.cleaned_data["published_on"],
            revision=form.cleaned_data["revision"] or None,
        )
    except services.ReportImportError as exc:
        form.add_error("file", str(exc))
        return render(request, "assessments/upload.html", _upload_context(form), status=400)
    request.session[SESSION_KEY] = {
        "text": read.text,
        "encoding": read.encoding,
        "sha256": read.sha256,
        "filename": upload_file.name or "",
        "works": [w.pk for w in works],
        "tier": plan.tier,
        "published_on": plan.published_on.isoformat() if plan.published_on else "",
        "revision": plan.revision,
    }
    return render(
        request,
        "assessments/preview.html",
        {
            "plan": plan,
            "read": read,
            "works": works,
            "filename": upload_file.name,
            "token": read.sha256,
            "rows": _preview_rows(plan),
        },
    )


def _preview_rows(plan: services.ImportPlan) -> list[dict[str, Any]]:
    """Items with their commitments, kinds and cadences in Japanese, for the preview page."""
    kinds = dict(CommitmentKind.choices)
    return [
        {
            "section": section,
            "item": item,
            "commitments": [
                {
                    "party": block.party_name,
                    "text": c.text,
                    "kind": kinds.get(c.kind, c.kind),
                    "cadence": "・".join(cadence_grammar.label(v) for v in c.cadences),
                    "line": c.span.start_line,
                }
                for block in item.blocks
                for c in block.commitments
            ],
        }
        for section in plan.parsed.sections
        for item in section.items
    ]


@require_POST
@tenant_view(Perm.MANAGE_ASSESSMENTS)
def upload_save(request: HttpRequest) -> HttpResponse:
    """Save the previewed file (re-read from the session: the same guards and parse as the preview)."""
    user: User = request.user  # type: ignore[assignment]
    municipality = municipality_of(request.user)
    pending = request.session.get(SESSION_KEY)
    form = SaveUploadForm(request.POST)
    if not pending or not form.is_valid() or pending.get("sha256") != form.cleaned_data["token"]:
        messages.error(request, "確認中の取込が見つかりません。もう一度ファイルを選んでください。")
        return redirect("assessments:upload")
    works = list(scoped(request.user, Work).filter(pk__in=pending["works"]))
    try:
        read = services.report_read_text(
            text=pending["text"], encoding=pending["encoding"], sha256=pending["sha256"], filename=pending["filename"]
        )
        plan = services.report_plan(
            municipality=municipality,
            works=works,
            parsed=read.parsed,
            tier=pending["tier"],
            published_on=dt.date.fromisoformat(pending["published_on"]) if pending["published_on"] else None,
            filename=pending["filename"],
            revision=pending.get("revision"),
        )
        report = services.report_save(
            municipality=municipality,
            works=works,
            plan=plan,
            text=read.text,
            encoding=read.encoding,
            sha256=read.sha256,
            filename=pending["filename"],
            user=user,
        )
    except services.ReportImportError as exc:
        messages.error(request, str(exc))
        return redirect("assessments:upload")
    del request.session[SESSION_KEY]
    messages.success(request, f"評価書を第{report.version}版として取り込みました。")
    return redirect("assessments:detail", pk=report.pk)


# --- several files at once: each matched to its work by its 事務の名称 --------------------------------------

BATCH_SESSION_KEY = "assessments_batch"


def _batch_rows(outcomes: list[batch.FileOutcome]) -> list[dict[str, Any]]:
    return [{"outcome": o, "rows": _preview_rows(o.plan) if o.plan else []} for o in outcomes]


@tenant_view(Perm.MANAGE_ASSESSMENTS)
def upload_batch(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: read each file, match it to its work, show every file's preview; keep the texts of
    the files that would be saved in the session."""
    municipality = municipality_of(request.user)
    if request.method != "POST":
        return render(request, "assessments/upload_batch.html", {"form": BatchUploadForm()})
    form = BatchUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "assessments/upload_batch.html", {"form": form}, status=400)
    outcomes: list[batch.FileOutcome] = []
    pending: list[dict[str, str]] = []
    for upload_file in form.cleaned_data["reports"]:
        name = upload_file.name or ""
        try:
            read = services.report_read(data=upload_file.read(), filename=name)
        except services.ReportImportError as exc:
            outcomes.append(batch.FileOutcome(name, batch.REFUSED, message=exc.message, line=exc.line))
            continue
        outcome = batch.import_read(municipality=municipality, read=read, filename=name, user=None, dry_run=True)
        outcomes.append(outcome)
        if outcome.status == batch.PLANNED:
            pending.append({"text": read.text, "encoding": read.encoding, "sha256": read.sha256, "filename": name})
    token = hashlib.sha256("".join(p["sha256"] for p in pending).encode()).hexdigest()
    request.session[BATCH_SESSION_KEY] = {"token": token, "files": pending}
    return render(
        request,
        "assessments/batch_preview.html",
        {"files": _batch_rows(outcomes), "token": token, "saving": bool(pending), "saved": False},
    )


@require_POST
@tenant_view(Perm.MANAGE_ASSESSMENTS)
def upload_batch_save(request: HttpRequest) -> HttpResponse:
    """Save each previewed file that found its work (each in its own transaction; re-read from the session)."""
    user: User = request.user  # type: ignore[assignment]
    municipality = municipality_of(request.user)
    pending = request.session.get(BATCH_SESSION_KEY)
    form = SaveUploadForm(request.POST)
    if not pending or not pending["files"] or not form.is_valid() or pending.get("token") != form.cleaned_data["token"]:
        messages.error(request, "確認中の取込が見つかりません。もう一度ファイルを選んでください。")
        return redirect("assessments:upload_batch")
    outcomes = []
    for entry in pending["files"]:
        try:
            read = services.report_read_text(
                text=entry["text"], encoding=entry["encoding"], sha256=entry["sha256"], filename=entry["filename"]
            )
        except services.ReportImportError as exc:
            outcomes.append(batch.FileOutcome(entry["filename"], batch.REFUSED, message=exc.message, line=exc.line))
            continue
        outcomes.append(
            batch.import_read(
                municipality=municipality,
                read=read,
                filename=entry["filename"],
                user=user,
            )
        )
    del request.session[BATCH_SESSION_KEY]
    return render(
        request,
        "assessments/batch_preview.html",
        {"files": _batch_rows(outcomes), "token": "", "saving": False, "saved": True},
    )


# --- refining commitments ------------------------------------------------------------------------------------


@tenant_object(Commitment, perm=Perm.MANAGE_ASSESSMENTS, select=("report", "item"))
def commitment_edit(request: HttpRequest, commitment: Commitment) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    municipality = municipality_of(request.user)
    initial = {
        "text": commitment.text,
        "kind": commitment.kind,
        "cadence": commitment.cadence,
        "owner_unit": commitment.owner_unit_id,
    }
    form = CommitmentForm(
        request.POST if request.method == "POST" else None, initial=initial, municipality=municipality
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_update(
                commitment=commitment,
                user=user,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                cadence=form.cleaned_data["cadence"] or "",
                owner_unit=form.cleaned_data["owner_unit"],
            )
        except services.RefineError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "約束を修正しました。")
            return redirect(f"{_detail_url(commitment)}#item-{commitment.item_id}")
    return render(
        request,
        "assessments/commitment_form.html",
        {"commitment": commitment, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@tenant_object(Commitment, perm=Perm.MANAGE_ASSESSMENTS, select=("report", "item"))
def commitment_split(request: HttpRequest, commitment: Commitment) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    suggestion = "\n".join(s for s in commitment.text.replace("。", "。\n").splitlines() if s.strip())
    form = SplitForm(request.POST if request.method == "POST" else None, initial={"texts": suggestion})
    if request.method == "POST" and form.is_valid():
        try:
            pieces = services.commitment_split(commitment=commitment, texts=form.pieces(), user=user)
        except services.RefineError as exc:
            form.add_error("texts", exc.message)
        else:
            messages.success(request, f"約束を{len(pieces)}つに分割しました。")
            return redirect(f"{_detail_url(commitment)}#item-{commitment.item_id}")
    return render(
        request,
        "assessments/commitment_split.html",
        {"commitment": commitment, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@tenant_object(Item, perm=Perm.MANAGE_ASSESSMENTS, select=("report",))
def commitment_merge(request: HttpRequest, item: Item) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = MergeForm(
        request.POST if request.method == "POST" else None, item_commitments=item.commitments.order_by("order")
    )
    if request.method == "POST" and form.is_valid():
        try:
            kept = services.commitment_merge(
                commitments=list(form.cleaned_data["commitments"]),
                user=user,
                text=form.cleaned_data["text"] or "",
            )
        except services.RefineError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "約束を統合しました。")
            return redirect(f"{_detail_url(kept)}#item-{item.pk}")
    return render(
        request,
        "assessments/commitment_merge.html",
        {"item": item, "report": item.report, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _detail_url(commitment: Commitment) -> str:
    return reverse("assessments:detail", args=[commitment.report_id])
