"""Findings pages: the list (unit roles: their subtree), one finding with its follow-up and history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.audittrail.services import last_change
from piaops.core.forms import confirmation_error
from piaops.findings import services
from piaops.findings.models import Finding, FindingStatus, FollowUp, Source
from piaops.lib.versioning import ConflictError
from piaops.tenancy.access import Perm, get_or_404, has_perm, require, roles, scoped, tenant_view, visible_units
from piaops.tenancy.models import Role, User

WIDE = {Role.ADMIN, Role.AUDITOR, Role.VIEWER}


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def can_verify(user: User, finding: Finding) -> bool:
    """Who accepts (or reopens) a completed follow-up, on the pages and in the API alike (the API calls this too):
    auditors for audit findings; for self-inspection findings the 番号制度総括部門 (``SELFCHECK_MANAGE``), whose
    process the self-inspection is, or an auditor, because the audit (Ⅳ-1②) follows up the self-inspection's
    improvement plans and lists them in its programme. A unit never verifies itself, nor does a viewer."""
    if finding.source == Source.AUDIT:
        return has_perm(user, Perm.AUDIT_PERFORM)
    return has_perm(user, Perm.SELFCHECK_MANAGE) or has_perm(user, Perm.AUDIT_PERFORM)


@tenant_view(Perm.FINDINGS_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    qs = scoped(user, Finding).select_related("unit").order_by("-fiscal_year", "unit__path", "id")
    if not roles(user) & WIDE:
        qs = qs.filter(unit__in=visible_units(user))
    status = request.GET.get("status", "")
    if status in FindingStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "findings/index.html",
        {"findings": qs[:500], "statuses": FindingStatus.choices, "status": status, "today": timezone.localdate()},
    )


def _finding(request: HttpRequest, pk: int) -> Finding:
    user = _u(request)
    finding = get_or_404(user, Finding.objects.select_related("unit", "commitment"), pk=pk)
    require(user, Perm.FINDINGS_VIEW, unit=finding.unit)
    return finding


def _context(user: User, finding: Finding) -> dict[str, Any]:
    followup = FollowUp.objects.filter(finding=finding).first()
    return {
        "finding": finding,
        "followup": followup,
        "updates": followup.updates.select_related("by") if followup else [],
        "events": finding.events.select_related("by"),
        "can_propose": has_perm(user, Perm.FOLLOWUP_PROPOSE, unit=finding.unit)
        and finding.status != FindingStatus.VERIFIED,
        "can_verify": can_verify(user, finding) and finding.status == FindingStatus.COMPLETED,
        # The plan form carries the version it shows; 0 = no plan yet (piaops.lib.versioning).
        "plan_version": followup.version if followup else 0,
        "typed": {
            "plan": followup.plan if followup else "",
            "actions": followup.actions if followup else "",
            "responsible": followup.responsible if followup else "",
            "due_date": followup.due_date.isoformat() if followup else "",
        },
    }


@tenant_view(Perm.FINDINGS_VIEW)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "findings/detail.html", _context(_u(request), _finding(request, pk)))


def _conflict(request: HttpRequest, pk: int, exc: ConflictError) -> HttpResponse:
    """The plan changed since the user loaded it: nothing of theirs was saved. Show the stored plan (who saved it,
    when) next to what they typed, which stays in the form; the form now carries the current version."""
    finding = _finding(request, pk)
    ctx = _context(_u(request), finding)
    typed = {k: request.POST.get(k, "") for k in ("plan", "actions", "responsible", "due_date")}
    ctx["conflict"] = {
        "message": str(exc),
        "expected": exc.expected,
        "theirs": ctx["typed"],
        "yours": typed,
        "last": last_change(ctx["followup"]) if ctx["followup"] else None,
    }
    ctx["typed"] = typed
    return render(request, "findings/detail.html", ctx, status=409)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("日付は YYYY-MM-DD の形式で入力してください。") from exc


@require_POST
@tenant_view(Perm.FINDINGS_VIEW)
def action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    finding = _finding(request, pk)
    what = request.POST.get("action", "")
    post = request.POST
    try:
        if what in ("plan", "progress", "complete"):
            require(user, Perm.FOLLOWUP_PROPOSE, unit=finding.unit)
        if what == "plan":
            services.followup_plan(
                finding=finding,
                plan=post.get("plan", ""),
                actions=post.get("actions", ""),
                responsible=post.get("responsible", ""),
                due_date=_date(post.get("due_date", "")),
                by=user,
                expected_version=int(v) if (v := post.get("version", "")).isdigit() else None,
            )
        elif what in ("progress", "complete", "accept", "reopen"):
            followup = FollowUp.objects.filter(finding=finding).first()
            if followup is None:
                raise ValidationError("改善計画がまだありません。")
            if what == "progress":
                services.followup_progress(
                    followup=followup, note=post.get("note", ""), on=timezone.localdate(), by=user
                )
            elif what == "complete":
                services.followup_complete(
                    followup=followup,
                    completed_on=_date(post.get("completed_on", "")),
                    note=post.get("note", ""),
                    by=user,
                )
            else:
                if not can_verify(user, finding):
                    raise PermissionDenied("確認する権限がありません。")
                if what == "accept" and (error := confirmation_error(post)):
                    raise ValidationError(error)
                services.followup_verify(followup=followup, accept=what == "accept", note=post.get("note", ""), by=user)
        else:
            raise ValidationError("不明な操作です。")
    except ConflictError as exc:
        return _conflict(request, pk, exc)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, "保存しました。")
    return redirect("findings:detail", pk=pk)
