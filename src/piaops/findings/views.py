"""Findings pages: the list (unit roles: their subtree), one finding with its follow-up and history, and one
small POST view per follow-up action (plan, progress, complete, accept, reopen), each with its form.

Who sees a finding is ``Finding.objects.visible_to``; the object comes from ``tenant_object`` (another tenant's
id: 404; a finding the user may not see or act on: 403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.audittrail.services import last_change
from piaops.core.actions import apply_action
from piaops.findings import forms, services
from piaops.findings.models import Finding, FindingStatus, FollowUp
from piaops.lib.versioning import ConflictError
from piaops.tenancy.access import Perm, has_perm, tenant_object, tenant_view
from piaops.tenancy.models import User

SELECT = ("unit", "commitment")


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@tenant_view(Perm.FINDINGS_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    qs = Finding.objects.visible_to(_u(request)).select_related("unit").order_by("-fiscal_year", "unit__path", "id")
    status = request.GET.get("status", "")
    if status in FindingStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "findings/index.html",
        {"findings": qs[:500], "statuses": FindingStatus.choices, "status": status, "today": timezone.localdate()},
    )


def _context(user: User, finding: Finding) -> dict[str, Any]:
    followup = FollowUp.objects.filter(finding=finding).first()
    return {
        "finding": finding,
        "followup": followup,
        "updates": followup.updates.select_related("by") if followup else [],
        "events": finding.events.select_related("by"),
        "can_propose": has_perm(user, Perm.FOLLOWUP_PROPOSE, unit=finding.unit)
        and finding.status != FindingStatus.VERIFIED,
        "can_verify": services.can_verify(user, finding) and finding.status == FindingStatus.COMPLETED,
        # The plan form carries the version it shows; 0 = no plan yet (piaops.lib.versioning).
        "plan_version": followup.version if followup else 0,
        "typed": {
            "plan": followup.plan if followup else "",
            "actions": followup.actions if followup else "",
            "responsible": followup.responsible if followup else "",
            "due_date": followup.due_date.isoformat() if followup else "",
        },
    }


@tenant_object(Finding, perm=Perm.FINDINGS_VIEW, unit="unit", select=SELECT)
def detail(request: HttpRequest, finding: Finding) -> HttpResponse:
    return render(request, "findings/detail.html", _context(_u(request), finding))


def _conflict(request: HttpRequest, finding: Finding, typed: dict[str, str], exc: ConflictError) -> HttpResponse:
    """The plan changed since the user loaded it: nothing of theirs was saved. Show the stored plan (who saved it,
    when) next to what they typed, which stays in the form; the form now carries the current version."""
    ctx = _context(_u(request), finding)
    ctx["conflict"] = {
        "message": str(exc),
        "expected": exc.expected,
        "theirs": ctx["typed"],
        "yours": typed,
        "last": last_change(ctx["followup"]) if ctx["followup"] else None,
    }
    ctx["typed"] = typed
    return render(request, "findings/detail.html", ctx, status=409)


def _followup(finding: Finding) -> FollowUp:
    followup = FollowUp.objects.filter(finding=finding).select_related("finding").first()
    if followup is None:
        raise ValidationError("改善計画がまだありません。")
    followup.finding = finding  # the decorator's copy, with its unit
    return cast("FollowUp", followup)


def _act(request: HttpRequest, finding: Finding, form: Form, act: Callable[[dict[str, Any]], object]) -> HttpResponse:
    """Validate ``form``, run ``act`` with its data; the outcome is a message on the finding's page (a
    ``ConflictError`` is the caller's to handle)."""
    apply_action(request, form, act)
    return redirect("findings:detail", pk=finding.pk)


@require_POST
@tenant_object(Finding, perm=Perm.FOLLOWUP_PROPOSE, unit="unit", select=SELECT)
def plan(request: HttpRequest, finding: Finding) -> HttpResponse:
    form = forms.PlanForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        services.followup_plan(
            finding=finding,
            plan=data["plan"],
            actions=data["actions"],
            responsible=data["responsible"],
            due_date=data["due_date"],
            by=_u(request),
            expected_version=data["version"],
        )

    try:
        return _act(request, finding, form, save)
    except ConflictError as exc:
        data = form.cleaned_data
        typed = {k: data[k] for k in ("plan", "actions", "responsible")} | {"due_date": data["due_date"].isoformat()}
        return _conflict(request, finding, typed, exc)


@require_POST
@tenant_object(Finding, perm=Perm.FOLLOWUP_PROPOSE, unit="unit", select=SELECT)
def progress(request: HttpRequest, finding: Finding) -> HttpResponse:
    return _act(
        request,
        finding,
        forms.ProgressForm(request.POST),
        lambda data: services.followup_progress(
            followup=_followup(finding), note=data["note"], on=timezone.localdate(), by=_u(request)
        ),
    )


@require_POST
@tenant_object(Finding, perm=Perm.FOLLOWUP_PROPOSE, unit="unit", select=SELECT)
def complete(request: HttpRequest, finding: Finding) -> HttpResponse:
    return _act(
        request,
        finding,
        forms.CompleteForm(request.POST),
        lambda data: services.followup_complete(
            followup=_followup(finding), completed_on=data["completed_on"], note=data["note"], by=_u(request)
        ),
    )


def _verifier(request: HttpRequest, finding: Finding) -> None:
    if not services.can_verify(_u(request), finding):
        raise PermissionDenied("確認する権限がありません。")


@require_POST
@tenant_object(Finding, perm=Perm.FINDINGS_VIEW, unit="unit", select=SELECT)
def accept(request: HttpRequest, finding: Finding) -> HttpResponse:
    _verifier(request, finding)
    return _act(
        request,
        finding,
        forms.AcceptForm(request.POST),
        lambda data: services.followup_verify(
            followup=_followup(finding), accept=True, note=data["note"], by=_u(request)
        ),
    )


@require_POST
@tenant_object(Finding, perm=Perm.FINDINGS_VIEW, unit="unit", select=SELECT)
def reopen(request: HttpRequest, finding: Finding) -> HttpResponse:
    _verifier(request, finding)
    return _act(
        request,
        finding,
        forms.ReopenForm(request.POST),
        lambda data: services.followup_verify(
            followup=_followup(finding), accept=False, note=data["note"], by=_u(request)
        ),
    )
