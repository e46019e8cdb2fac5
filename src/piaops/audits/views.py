"""Audit pages: programmes (with their rule checks), one audit's work, and (in ``report_views``) the reports and
the Ⅳ-1② rating. Reading needs ``AUDIT_VIEW``; planning ``AUDIT_MANAGE``; audit work ``AUDIT_PERFORM`` and being
one of the audit's auditors (``services.is_auditor_of``).

One small view per action, each with its form (``forms``); a view about an object receives it from
``tenant_object`` (404 outside the municipality, then 403)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.audits import forms, rules, services
from piaops.audits.models import Audit, AuditProgramme, ItemResult
from piaops.core.actions import apply_action, say_errors
from piaops.core.forms import ConfirmForm, ReopenForm
from piaops.findings.models import Finding
from piaops.lib.fiscal import fiscal_year
from piaops.selfcheck.models import Answer
from piaops.tenancy.access import Perm, get_or_404, has_perm, municipality_of, scoped, tenant_object, tenant_view
from piaops.tenancy.models import OrgUnit, Role, User, Work


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@tenant_view(Perm.AUDIT_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    programmes = AuditProgramme.objects.visible_to(user).order_by("-fiscal_year")
    return render(
        request,
        "audits/index.html",
        {
            "programmes": programmes,
            "new_form": forms.ProgrammeNewForm(
                initial={"fiscal_year": fiscal_year(timezone.localdate()), "copy": True}
            ),
            "can_manage": has_perm(user, Perm.AUDIT_MANAGE),
        },
    )


@require_POST
@tenant_view(Perm.AUDIT_MANAGE)
def programme_new(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    form = forms.ProgrammeNewForm(request.POST)
    if not form.is_valid():
        say_errors(request, form)
        return redirect("audits:index")
    fy: int = form.cleaned_data["fiscal_year"]
    try:
        source = AuditProgramme.objects.visible_to(user).filter(fiscal_year=fy - 1).first()
        if form.cleaned_data["copy"] and source is not None:
            programme = services.programme_copy(source=source, fiscal_year=fy, by=user)
        else:
            programme = services.programme_create(municipality=municipality_of(user), fiscal_year=fy, by=user)
    except ValidationError as exc:
        say_errors(request, exc)
        return redirect("audits:index")
    return redirect("audits:programme", pk=programme.pk)


@tenant_object(AuditProgramme, perm=Perm.AUDIT_VIEW)
def programme(request: HttpRequest, prog: AuditProgramme) -> HttpResponse:
    user = _u(request)
    today = timezone.localdate()
    check = rules.check_programme(prog, today=today)
    audits = (
        prog.audits.select_related("unit").prefetch_related("works", "auditors__user").order_by("planned_start", "id")
    )
    return render(
        request,
        "audits/programme.html",
        {
            "programme": prog,
            "check": check,
            "audits": audits,
            "can_manage": has_perm(user, Perm.AUDIT_MANAGE) and prog.status == "draft",
            "add_form": _audit_add_form(user),
            # The year's findings (self-inspection and audit) with their follow-up: what the auditors plan
            # around, and where they open a follow-up to verify it.
            "findings": scoped(user, Finding)
            .filter(fiscal_year=prog.fiscal_year)
            .select_related("unit", "followup")
            .order_by("unit__path", "source", "id"),
        },
    )


def _audit_add_form(user: User) -> forms.AuditAddForm:
    """The 監査を追加 form as the programme page offers it: active units and works, and only the users who hold the
    監査人 role (the form itself accepts any user of the municipality; the services judge independence)."""
    form = forms.AuditAddForm(user=user)
    fields = form.fields
    fields["unit"].queryset = scoped(user, OrgUnit).filter(is_active=True).order_by("path")  # type: ignore[attr-defined]
    fields["works"].queryset = scoped(user, Work).filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
    fields["auditors"].queryset = (  # type: ignore[attr-defined]
        scoped(user, User).filter(grants__role=Role.AUDITOR, is_active=True).distinct()
    )
    return form


@require_POST
@tenant_object(AuditProgramme, perm=Perm.AUDIT_MANAGE)
def programme_approve(request: HttpRequest, prog: AuditProgramme) -> HttpResponse:
    try:
        services.programme_approve(programme=prog, today=timezone.localdate(), by=_u(request))
        messages.success(request, "監査計画を承認しました。")
    except ValidationError as exc:
        say_errors(request, exc)
    return redirect("audits:programme", pk=prog.pk)


@require_POST
@tenant_object(AuditProgramme, perm=Perm.AUDIT_MANAGE)
def programme_propose(request: HttpRequest, prog: AuditProgramme) -> HttpResponse:
    """Add the 現地監査 the rotation asks for (``services.programme_propose_onsite``)."""
    try:
        made = services.programme_propose_onsite(programme=prog, today=timezone.localdate(), by=_u(request))
        messages.success(request, f"現地監査を {len(made)} 件追加しました。")
    except ValidationError as exc:
        say_errors(request, exc)
    return redirect("audits:programme", pk=prog.pk)


@require_POST
@tenant_object(AuditProgramme, perm=Perm.AUDIT_MANAGE)
def audit_new(request: HttpRequest, prog: AuditProgramme) -> HttpResponse:
    user = _u(request)
    form = forms.AuditAddForm(request.POST, user=user)
    if not form.is_valid():
        say_errors(request, form)
        return redirect("audits:programme", pk=prog.pk)
    data = form.cleaned_data
    try:
        services.audit_create(
            programme=prog,
            unit=data["unit"],
            works=list(data["works"]),
            audit_type=data["audit_type"],
            planned_start=data["planned_start"],
            planned_end=data["planned_end"],
            auditors=list(data["auditors"]),
            exception_reason=data["exception_reason"],
            today=timezone.localdate(),
            by=user,
        )
        messages.success(request, "監査を追加しました。")
    except ValidationError as exc:
        say_errors(request, exc)
    return redirect("audits:programme", pk=prog.pk)


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_MANAGE, select=("programme",))
def audit_delete(request: HttpRequest, audit: Audit) -> HttpResponse:
    """Remove an audit from its draft programme (confirmed: it cannot be undone)."""
    apply_action(
        request,
        ConfirmForm(request.POST),
        lambda data: services.audit_delete(audit=audit, by=_u(request)),
        success="監査を削除しました。",
    )
    return redirect("audits:programme", pk=audit.programme_id)


def _selfcheck_answers(audit: Audit) -> dict[int, list[Answer]]:
    """The unit's self-inspection answers of the same 年度, by commitment id, with their campaign (a 年度 may have
    several campaigns: each answer is shown under its campaign's name), in campaign order."""
    found: dict[int, list[Answer]] = defaultdict(list)
    answers = (
        Answer.objects.for_municipality(audit.municipality_id)
        .on_commitments_of(audit.unit, audit.programme.fiscal_year)
        .select_related("checklist__campaign")
        .order_by("checklist__campaign__deadline", "checklist__campaign_id", "item__order", "pk")
    )
    for a in answers:
        if a.item.commitment_id is not None:
            found[a.item.commitment_id].append(a)
    return found


def audit_findings(audit: Audit) -> QuerySet[Finding]:
    """The findings made from ``audit``'s non-conformities."""
    return Finding.objects.filter(
        municipality_id=audit.municipality_id, source_type="audits.item", source_id__in=audit.items.values("pk")
    )


@tenant_object(Audit, perm=Perm.AUDIT_VIEW, select=("programme", "unit", "reaudit_of"))
def audit_detail(request: HttpRequest, audit: Audit) -> HttpResponse:
    user = _u(request)
    answers = _selfcheck_answers(audit)
    items = list(audit.items.select_related("commitment", "corrects").prefetch_related("evidence", "corrections"))
    rows: list[dict[str, Any]] = [
        {"item": i, "answers": answers.get(i.commitment_id or 0, []), "current": not i.corrections.all()} for i in items
    ]
    findings = audit_findings(audit).select_related("unit")
    return render(
        request,
        "audits/audit.html",
        {
            "audit": audit,
            "rows": rows,
            "findings": findings,
            "events": audit.events.select_related("by"),
            "auditors": audit.auditors.select_related("user"),
            "works": audit.works.all(),
            "can_work": services.is_auditor_of(user, audit),
            "can_reopen": audit.is_locked and has_perm(user, Perm.AUDIT_MANAGE),
            "reopen_form": ReopenForm(),
            "reopenings": [e for e in audit.events.select_related("by") if e.from_status == "completed"],
            "results": ItemResult.choices,
        },
    )


# ── Audit work: one of the audit's auditors ──────────────────────────────────────────────────────────────────


def _auditor(request: HttpRequest, audit: Audit) -> User:
    """The caller, who must be one of ``audit``'s auditors (else 403)."""
    user = _u(request)
    if not services.is_auditor_of(user, audit):
        raise PermissionDenied("この監査の監査人ではありません。")
    return user


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_PERFORM, select=("programme", "unit"))
def audit_start(request: HttpRequest, audit: Audit) -> HttpResponse:
    try:
        services.audit_start(audit=audit, by=_auditor(request, audit))
        messages.success(request, "保存しました。")
    except ValidationError as exc:
        say_errors(request, exc)
    return redirect("audits:audit", pk=audit.pk)


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_PERFORM, select=("programme", "unit"))
def audit_complete(request: HttpRequest, audit: Audit) -> HttpResponse:
    """Lock the audit (confirmed: it cannot be undone); its non-conformities become findings."""
    user = _auditor(request, audit)
    form = forms.AuditCompleteForm(request.POST)
    if not form.is_valid():
        say_errors(request, form)
        return redirect("audits:audit", pk=audit.pk)
    try:
        found = services.audit_complete(audit=audit, summary=form.cleaned_data["summary"], by=user)
        messages.success(request, f"監査を完了しました（指摘事項 {len(found)} 件）。")
    except ValidationError as exc:
        say_errors(request, exc)
    return redirect("audits:audit", pk=audit.pk)


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_PERFORM, select=("programme", "unit"))
def item_record(request: HttpRequest, audit: Audit, item_pk: int) -> HttpResponse:
    """Record an item's result, notes and working paper while the audit is in progress."""
    user = _auditor(request, audit)
    item = get_or_404(user, audit.items.select_related("audit"), pk=item_pk)
    apply_action(
        request, forms.ItemRecordForm(request.POST), lambda data: services.item_record(item=item, by=user, **data)
    )
    return redirect("audits:audit", pk=audit.pk)


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_PERFORM, select=("programme", "unit"))
def item_evidence(request: HttpRequest, audit: Audit, item_pk: int) -> HttpResponse:
    """Attach a file to an item of the audit in progress."""
    user = _auditor(request, audit)
    item = get_or_404(user, audit.items.select_related("audit"), pk=item_pk)
    apply_action(
        request,
        forms.EvidenceForm(request.POST, request.FILES),
        lambda data: services.evidence_add(item=item, upload=data["file"], by=user),
    )
    return redirect("audits:audit", pk=audit.pk)


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_PERFORM, select=("programme", "unit"))
def item_correct(request: HttpRequest, audit: Audit, item_pk: int) -> HttpResponse:
    """After completion: record a correction of an item (a new item; the corrected one stays)."""
    user = _auditor(request, audit)
    item = get_or_404(user, audit.items.select_related("audit"), pk=item_pk)
    apply_action(
        request, forms.ItemCorrectForm(request.POST), lambda data: services.item_correct(item=item, by=user, **data)
    )
    return redirect("audits:audit", pk=audit.pk)


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_PERFORM, select=("programme", "unit"))
def reaudit(request: HttpRequest, audit: Audit, finding_pk: int) -> HttpResponse:
    """Plan a re-audit of one of this audit's findings, with the caller as its auditor."""
    user = _auditor(request, audit)
    finding = get_or_404(user, audit_findings(audit), pk=finding_pk)
    form = forms.ReauditForm(request.POST)
    try:
        if not form.is_valid():
            say_errors(request, form)
        else:
            new = services.reaudit_plan(
                finding=finding,
                planned_start=form.cleaned_data["planned_start"],
                auditor=user,
                exception_reason=form.cleaned_data["exception_reason"],
                by=user,
            )
            messages.success(request, "再監査を計画しました。")
            return redirect("audits:audit", pk=new.pk)
    except ValidationError as exc:
        say_errors(request, exc)
    return redirect("audits:audit", pk=audit.pk)


@require_POST
@tenant_object(Audit, perm=Perm.AUDIT_MANAGE)
def audit_reopen(request: HttpRequest, audit: Audit) -> HttpResponse:
    """The governance division re-opens a completed audit, with a reason (recorded)."""
    apply_action(
        request,
        ReopenForm(request.POST),
        lambda data: services.audit_reopen(audit=audit, reason=data["reason"], by=_u(request)),
        success="監査を再開しました。結果を記録し、もう一度完了してください。",
    )
    return redirect("audits:audit", pk=audit.pk)
