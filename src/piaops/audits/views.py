"""Audit pages: programmes (with their rule checks), one audit's work, and (in ``report_views``) the reports and
the Ⅳ-1② rating. Reading needs ``AUDIT_VIEW``; planning ``AUDIT_MANAGE``; audit work ``AUDIT_PERFORM`` and being
one of the audit's auditors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.audits import rules, services
from piaops.audits.models import Audit, AuditItem, AuditProgramme, AuditType, ItemResult
from piaops.core.forms import ReopenForm, confirmation_error
from piaops.findings.models import Finding
from piaops.lib.fiscal import fiscal_year
from piaops.selfcheck.models import Answer
from piaops.tenancy.access import Perm, get_or_404, has_perm, municipality_of, scoped, tenant_view
from piaops.tenancy.models import OrgUnit, Role, User, Work


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _date(value: str, label: str = "日付") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{label}は YYYY-MM-DD の形式で入力してください。") from exc


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


@tenant_view(Perm.AUDIT_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    programmes = scoped(user, AuditProgramme).order_by("-fiscal_year")
    return render(
        request,
        "audits/index.html",
        {
            "programmes": programmes,
            "current_fy": fiscal_year(timezone.localdate()),
            "can_manage": has_perm(user, Perm.AUDIT_MANAGE),
        },
    )


@require_POST
@tenant_view(Perm.AUDIT_MANAGE)
def programme_new(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    municipality = municipality_of(user)
    try:
        fy = int(request.POST.get("fiscal_year", ""))
        source = scoped(user, AuditProgramme).filter(fiscal_year=fy - 1).first()
        if request.POST.get("copy") and source is not None:
            programme = services.programme_copy(source=source, fiscal_year=fy, by=user)
        else:
            programme = services.programme_create(municipality=municipality, fiscal_year=fy, by=user)
    except ValueError:
        messages.error(request, "年度を数字で入力してください。")
        return redirect("audits:index")
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("audits:index")
    return redirect("audits:programme", pk=programme.pk)


@tenant_view(Perm.AUDIT_VIEW)
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    prog = get_or_404(user, AuditProgramme, pk=pk)
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
            "units": scoped(user, OrgUnit).filter(is_active=True).order_by("path"),
            "works": scoped(user, Work).filter(is_active=True).order_by("name"),
            "auditors": scoped(user, User).filter(grants__role=Role.AUDITOR, is_active=True).distinct(),
            "types": AuditType.choices,
            # The year's findings (self-inspection and audit) with their follow-up: what the auditors plan
            # around, and where they open a follow-up to verify it.
            "findings": scoped(user, Finding)
            .filter(fiscal_year=prog.fiscal_year)
            .select_related("unit", "followup")
            .order_by("unit__path", "source", "id"),
        },
    )


@require_POST
@tenant_view(Perm.AUDIT_MANAGE)
def programme_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    prog = get_or_404(user, AuditProgramme, pk=pk)
    post = request.POST
    what = post.get("action", "")
    today = timezone.localdate()
    try:
        if what == "approve":
            services.programme_approve(programme=prog, today=today, by=user)
            messages.success(request, "監査計画を承認しました。")
        elif what == "propose":
            made = services.programme_propose_onsite(programme=prog, today=today, by=user)
            messages.success(request, f"現地監査を {len(made)} 件追加しました。")
        elif what == "add":
            unit = get_or_404(user, OrgUnit, pk=post.get("unit"))
            works = list(scoped(user, Work).filter(pk__in=post.getlist("works")))
            if not works:
                raise ValidationError("対象事務を1つ以上選んでください。")
            auditors = list(scoped(user, User).filter(pk__in=post.getlist("auditors")))
            start = _date(post.get("planned_start", ""), "開始日")
            end = _date(post.get("planned_end", "") or post.get("planned_start", ""), "終了日")
            services.audit_create(
                programme=prog,
                unit=unit,
                works=works,
                audit_type=post.get("audit_type", ""),
                planned_start=start,
                planned_end=end,
                auditors=auditors,
                exception_reason=post.get("exception_reason", ""),
                today=today,
                by=user,
            )
            messages.success(request, "監査を追加しました。")
        elif what == "delete":
            if error := confirmation_error(post):
                raise ValidationError(error)
            services.audit_delete(audit=get_or_404(user, Audit, pk=post.get("audit"), programme=prog), by=user)
            messages.success(request, "監査を削除しました。")
        else:
            raise ValidationError("不明な操作です。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("audits:programme", pk=pk)


def _is_auditor_of(user: User, audit: Audit) -> bool:
    return has_perm(user, Perm.AUDIT_PERFORM) and audit.auditors.filter(user=user).exists()


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


@tenant_view(Perm.AUDIT_VIEW)
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    audit = get_or_404(user, Audit.objects.select_related("programme", "unit", "reaudit_of"), pk=pk)
    answers = _selfcheck_answers(audit)
    items = list(audit.items.select_related("commitment", "corrects").prefetch_related("evidence", "corrections"))
    rows: list[dict[str, Any]] = [
        {"item": i, "answers": answers.get(i.commitment_id or 0, []), "current": not i.corrections.all()} for i in items
    ]
    findings = Finding.objects.filter(
        municipality_id=audit.municipality_id, source_type="audits.item", source_id__in=[i.pk for i in items]
    ).select_related("unit")
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
            "can_work": _is_auditor_of(user, audit),
            "can_reopen": audit.is_locked and has_perm(user, Perm.AUDIT_MANAGE),
            "reopen_form": ReopenForm(),
            "reopenings": [e for e in audit.events.select_related("by") if e.from_status == "completed"],
            "results": ItemResult.choices,
        },
    )


@require_POST
@tenant_view(Perm.AUDIT_VIEW)  # the object is looked up first: another tenant's id answers 404, not 403
def audit_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    audit = get_or_404(user, Audit.objects.select_related("programme", "unit"), pk=pk)
    post = request.POST
    what = post.get("action", "")
    if not _is_auditor_of(user, audit):
        raise PermissionDenied("この監査の監査人ではありません。")
    try:
        if what == "start":
            services.audit_start(audit=audit, by=user)
        elif what == "complete":
            if error := confirmation_error(post):
                raise ValidationError(error)
            found = services.audit_complete(audit=audit, summary=post.get("summary", ""), by=user)
            messages.success(request, f"監査を完了しました（指摘事項 {len(found)} 件）。")
        elif what in ("record", "evidence", "correct"):
            item = get_or_404(user, AuditItem.objects.select_related("audit"), pk=post.get("item"), audit=audit)
            if what == "record":
                services.item_record(
                    item=item,
                    result=post.get("result", ""),
                    notes=post.get("notes", ""),
                    working_paper=post.get("working_paper", ""),
                    by=user,
                )
            elif what == "evidence":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValidationError("ファイルを選んでください。")
                services.evidence_add(item=item, upload=upload, by=user)
            else:
                services.item_correct(
                    item=item,
                    result=post.get("result", ""),
                    notes=post.get("notes", ""),
                    reason=post.get("reason", ""),
                    working_paper=post.get("working_paper", ""),
                    by=user,
                )
        elif what == "reaudit":
            finding = get_or_404(user, Finding, pk=post.get("finding"))
            with transaction.atomic():  # the re-audit and its auditor together, or neither
                new = services.reaudit_schedule(
                    finding=finding, planned_start=_date(post.get("planned_start", ""), "再監査の予定日"), by=user
                )
                services.auditor_assign(
                    audit=new, user=user, exception_reason=post.get("exception_reason", ""), by=user
                )
            messages.success(request, "再監査を計画しました。")
            return redirect("audits:audit", pk=new.pk)
        else:
            raise ValidationError("不明な操作です。")
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if what not in ("complete",):
            messages.success(request, "保存しました。")
    return redirect("audits:audit", pk=pk)


@require_POST
@tenant_view(Perm.AUDIT_MANAGE)
def audit_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The governance division re-opens a completed audit, with a reason (recorded)."""
    user = _u(request)
    audit = get_or_404(user, Audit, pk=pk)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        services.audit_reopen(audit=audit, reason=form.cleaned_data["reason"], by=user)
        messages.success(request, "監査を再開しました。結果を記録し、もう一度完了してください。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("audits:audit", pk=pk)
