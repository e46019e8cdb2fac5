"""Self-inspection pages. Thin: read with ``scoped``/``get_or_404``, check the unit-level right, call a service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.assessments.vocab import SectionIVRating
from piaops.audittrail.services import last_change
from piaops.core.forms import ReopenForm, confirmation_error
from piaops.lib.versioning import ConflictError
from piaops.selfcheck import results, services
from piaops.selfcheck.errors import ChecklistInvalid, Problem
from piaops.selfcheck.evidence import evidence_add
from piaops.selfcheck.forms import CampaignForm, ItemForm, RatingForm, TemplateForm, UploadForm
from piaops.selfcheck.models import (
    Answer,
    AnswerValue,
    Campaign,
    CampaignStatus,
    Checklist,
    ChecklistStatus,
    ChecklistTemplate,
    Evidence,
    Submission,
    TemplateItem,
)
from piaops.tenancy.access import (
    Perm,
    get_or_404,
    has_perm,
    municipality_of,
    require,
    roles,
    scoped,
    tenant_view,
    visible_units,
)
from piaops.tenancy.models import OrgUnit, Role, User

WIDE_ROLES = {Role.ADMIN, Role.AUDITOR, Role.VIEWER}


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def sees_all(user: User) -> bool:
    """Municipality-wide readers (admin, auditor, viewer) see every unit's checklist and the aggregates."""
    return bool(roles(user) & WIDE_ROLES)


def _checklist(request: HttpRequest, pk: int, perm: Perm = Perm.SELFCHECK_VIEW) -> Checklist:
    user = _u(request)
    checklist = get_or_404(user, Checklist.objects.select_related("campaign", "campaign__template", "unit"), pk=pk)
    require(user, Perm.SELFCHECK_VIEW, unit=checklist.unit)
    require(user, perm, unit=checklist.unit)
    return checklist


def _errors(request: HttpRequest, problems: list[Problem]) -> None:
    for p in problems:
        messages.error(request, str(p))


def _validation(request: HttpRequest, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


# ------------------------------------------------------------------------------------------------ index, templates


@tenant_view(Perm.SELFCHECK_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    campaigns = (
        scoped(user, Campaign)
        .select_related("template")
        .annotate(n=Count("checklists", distinct=True), n_templates=Count("campaign_templates", distinct=True))
    )
    my = (
        scoped(user, Checklist)
        .filter(unit__in=visible_units(user))
        .exclude(campaign__status=CampaignStatus.DRAFT)
        .select_related("campaign", "unit")
        .order_by("-campaign__fiscal_year", "unit__path")
    )
    can_manage = has_perm(user, Perm.SELFCHECK_MANAGE)
    return render(
        request,
        "selfcheck/index.html",
        {
            "campaigns": campaigns if sees_all(user) else campaigns.exclude(status=CampaignStatus.DRAFT),
            "templates": scoped(user, ChecklistTemplate).annotate(n=Count("items")) if can_manage else [],
            "my_checklists": [] if sees_all(user) else my[:200],
            "can_manage": can_manage,
            "template_form": TemplateForm(municipality=municipality_of(user)) if can_manage else None,
            "today": timezone.localdate(),
        },
    )


@require_POST
@tenant_view(Perm.SELFCHECK_MANAGE)
def template_create(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    form = TemplateForm(request.POST, municipality=municipality_of(user))
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
        return redirect("selfcheck:index")
    try:
        template = services.template_create(
            municipality=municipality_of(user),
            title=form.cleaned_data["title"],
            report=form.cleaned_data["report"],
            include_general=form.cleaned_data["include_general"],
            by=user,
        )
    except ValidationError as exc:
        _validation(request, exc)
        return redirect("selfcheck:index")
    messages.success(request, f"自己点検票「{template}」を作成しました。")
    return redirect("selfcheck:template", pk=template.pk)


@tenant_view(Perm.SELFCHECK_MANAGE)
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    template = get_or_404(user, ChecklistTemplate, pk=pk)
    versions = scoped(user, ChecklistTemplate).filter(code=template.code).order_by("-version")
    return render(
        request,
        "selfcheck/template_detail.html",
        {
            "template": template,
            "items": template.items.select_related("commitment").order_by("order", "id"),
            "versions": versions,
            "form": ItemForm(),
        },
    )


@require_POST
@tenant_view(Perm.SELFCHECK_MANAGE)
def template_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    template = get_or_404(user, ChecklistTemplate, pk=pk)
    form = ItemForm(request.POST)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
        return redirect("selfcheck:template", pk=pk)
    item = services.template_item_add(template=template, by=user, **form.cleaned_data)
    if item.template_id != template.pk:
        messages.info(request, f"使用中の版は変更できないため、第{item.template.version}版を作成して追加しました。")
    return redirect("selfcheck:template", pk=item.template_id)


@require_POST
@tenant_view(Perm.SELFCHECK_MANAGE)
def template_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    item = get_or_404(user, TemplateItem.objects.select_related("template"), pk=pk)
    if request.POST.get("action") == "remove":
        if error := confirmation_error(request.POST):
            messages.error(request, error)
            return redirect("selfcheck:template", pk=item.template_id)
        target = services.template_item_remove(item=item, by=user)
        return redirect("selfcheck:template", pk=target.pk)
    form = ItemForm(request.POST)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
        return redirect("selfcheck:template", pk=item.template_id)
    item = services.template_item_update(
        item=item, text=form.cleaned_data["text"], guidance=form.cleaned_data["guidance"], by=user
    )
    return redirect("selfcheck:template", pk=item.template_id)


# ------------------------------------------------------------------------------------------------ campaigns


@tenant_view(Perm.SELFCHECK_MANAGE)
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    today = timezone.localdate()
    form = CampaignForm(
        request.POST or None,
        municipality=municipality_of(user),
        initial={"fiscal_year": services.current_fiscal_year()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(municipality=municipality_of(user), by=user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    for e in errs:
                        form.add_error(field if field in form.fields else None, e)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, "自己点検を作成しました。対象所属を確認して開始してください。")
            return redirect("selfcheck:campaign", pk=campaign.pk)
    return render(request, "selfcheck/campaign_form.html", {"form": form, "today": today})


@tenant_view(Perm.SELFCHECK_VIEW)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    campaign = get_or_404(user, Campaign.objects.select_related("template"), pk=pk)
    wide = sees_all(user)
    if campaign.status == CampaignStatus.DRAFT and not wide:
        raise PermissionDenied("準備中の自己点検です。")
    checklists = campaign.checklists.select_related("unit").order_by("unit__path")
    if not wide:
        checklists = checklists.filter(unit__in=visible_units(user))
    today = timezone.localdate()
    rows = [(c, c.is_overdue(today)) for c in checklists]
    return render(
        request,
        "selfcheck/campaign_detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "targets": campaign.campaign_targets.select_related("unit").order_by("unit__path"),
            "all_units": scoped(user, OrgUnit).filter(is_active=True).order_by("path")
            if campaign.status == CampaignStatus.DRAFT and has_perm(user, Perm.SELFCHECK_MANAGE)
            else [],
            "target_ids": set(campaign.campaign_targets.values_list("unit_id", flat=True)),
            "progress": [(ChecklistStatus(s).label, n) for s, n in results.progress(campaign).items()],
            "overdue": sum(1 for _, o in rows if o),
            "can_manage": has_perm(user, Perm.SELFCHECK_MANAGE),
            "wide": wide,
            "today": today,
        },
    )


@require_POST
@tenant_view(Perm.SELFCHECK_MANAGE)
def campaign_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    campaign = get_or_404(user, Campaign, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "launch":
            n = services.campaign_launch(campaign=campaign, by=user)
            messages.success(request, f"自己点検を開始しました（{n}所属）。")
        elif action == "close":
            services.campaign_close(campaign=campaign, by=user)
            messages.success(request, "自己点検を終了しました。")
        elif action == "copy":
            new = services.campaign_copy_to_next_year(campaign=campaign, by=user)
            messages.success(request, f"{new.fiscal_year}年度の自己点検を作成しました。")
            return redirect("selfcheck:campaign", pk=new.pk)
        elif action == "targets":
            units = scoped(user, OrgUnit).filter(pk__in=request.POST.getlist("unit"))
            services.campaign_set_targets(campaign=campaign, units=units, by=user)
            messages.success(request, "対象所属を変更しました。")
        else:
            messages.error(request, "不明な操作です。")
    except ValidationError as exc:
        _validation(request, exc)
    return redirect("selfcheck:campaign", pk=campaign.pk)


@tenant_view(Perm.SELFCHECK_VIEW)
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    campaign = get_or_404(user, Campaign.objects.select_related("template"), pk=pk)
    if not sees_all(user):
        raise PermissionDenied("集計結果を見る権限がありません。")
    by_item, by_unit = results.shares(campaign)
    findings = results.campaign_findings(campaign).select_related("unit", "followup").order_by("unit__path")
    return render(
        request,
        "selfcheck/results.html",
        {"campaign": campaign, "by_item": by_item, "by_unit": by_unit, "findings": findings},
    )


@tenant_view(Perm.SELFCHECK_VIEW)
def campaign_rating(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    campaign = get_or_404(user, Campaign.objects.select_related("template"), pk=pk)
    if not sees_all(user):
        raise PermissionDenied("評価を見る権限がありません。")
    today = timezone.localdate()
    suggestion = results.suggest_rating(campaign, today=today)
    form = RatingForm(request.POST or None, initial={"chosen": suggestion.rating})
    if request.method == "POST":
        require(user, Perm.SELFCHECK_MANAGE)
        if form.is_valid():
            try:
                results.rating_decide(campaign=campaign, today=today, by=user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    for e in errs:
                        form.add_error(field, e)
            else:
                messages.success(request, "評価を記録しました。")
                return redirect("selfcheck:rating", pk=pk)
    return render(
        request,
        "selfcheck/rating.html",
        {
            "campaign": campaign,
            "suggestion": suggestion,
            "form": form,
            "decisions": campaign.rating_decisions.select_related("decided_by"),
            "can_manage": has_perm(user, Perm.SELFCHECK_MANAGE),
            "labels": dict(SectionIVRating.choices),
        },
    )


# ------------------------------------------------------------------------------------------------ checklists


def _parse_answers(request: HttpRequest, checklist: Checklist) -> tuple[dict[int, services.AnswerInput], list[Problem]]:
    parsed: dict[int, services.AnswerInput] = {}
    problems: list[Problem] = []
    for a in checklist.campaign.sort_answers(checklist.answers.select_related("item")):
        i = a.item_id
        if f"v{i}" not in request.POST:
            continue
        raw_date = request.POST.get(f"d{i}", "").strip()
        target: dt.date | None = None
        if raw_date:
            try:
                target = dt.date.fromisoformat(raw_date)
            except ValueError:
                problems.append(Problem(f"項目{a.number}", "改善予定日は YYYY-MM-DD の形式で入力してください。"))
        parsed[i] = services.AnswerInput(
            value=request.POST.get(f"v{i}", ""),
            comment=request.POST.get(f"c{i}", ""),
            improvement_plan=request.POST.get(f"p{i}", ""),
            target_date=target,
        )
    return parsed, problems


def checklist_context(checklist: Checklist, user: User) -> dict[str, Any]:
    answers = checklist.campaign.sort_answers(checklist.answers.select_related("item"))
    numbers = {a.item_id: a.number for a in answers}
    # The checklist's files in one query by checklist (a prefetch would send every answer's id, a statement whose
    # compilation grows with the number of items).
    evidence: dict[int, list[Evidence]] = {}
    for e in Evidence.objects.filter(municipality_id=checklist.municipality_id, answer__checklist=checklist).order_by(
        "id"
    ):
        evidence.setdefault(e.answer_id, []).append(e)
    # One read of the rounds (with their comments) serves both the history table and the last return's comments;
    # each comment carries the No. of its item, so the template does not search ``numbers`` per comment.
    submissions = list(checklist.submissions.prefetch_related("comments").select_related("submitted_by", "reviewed_by"))
    comments: dict[int, str] = {}
    returned = [s for s in submissions if s.outcome == Submission.Outcome.RETURNED]
    for s in submissions:
        for rc in s.comments.all():
            rc.number = numbers.get(rc.item_id)
    if returned:
        last_returned = max(returned, key=lambda s: s.round)
        comments = {rc.item_id: rc.comment for rc in last_returned.comments.all()}
    unit = checklist.unit
    open_ = checklist.is_editable and checklist.campaign.status == CampaignStatus.LAUNCHED
    return {
        "checklist": checklist,
        "campaign": checklist.campaign,
        "rows": [
            {
                "a": a,
                "item": a.item,
                "value": a.value,
                "comment": a.comment,
                "plan": a.improvement_plan,
                "date": a.target_date.isoformat() if a.target_date else "",
                "review": comments.get(a.item_id, ""),
                "number": a.number,
                "evidence": evidence.get(a.pk, []),
            }
            for a in answers
        ],
        "submissions": submissions,
        "numbers": numbers,
        "events": checklist.events.select_related("by"),
        "can_answer": open_ and has_perm(user, Perm.SELFCHECK_ANSWER, unit=unit),
        "can_certify": open_ and has_perm(user, Perm.SELFCHECK_CERTIFY, unit=unit),
        "can_review": checklist.status == ChecklistStatus.SUBMITTED and has_perm(user, Perm.SELFCHECK_MANAGE),
        "can_reopen": checklist.status == ChecklistStatus.ACCEPTED
        and checklist.campaign.status == CampaignStatus.LAUNCHED
        and has_perm(user, Perm.SELFCHECK_MANAGE),
        "reopenings": [e for e in checklist.events.select_related("by") if e.from_status == ChecklistStatus.ACCEPTED],
        "reopen_form": ReopenForm(),
        "form_version": checklist.version,
        "upload_form": UploadForm(),
        "choices": [("yes", "はい"), ("no", "いいえ"), ("na", "該当なし")],
    }


def _version(request: HttpRequest) -> int | None:
    """The checklist version the form was loaded at (None when the form carries none, e.g. an old page)."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@tenant_view(Perm.SELFCHECK_VIEW)
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    checklist = _checklist(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        require(user, Perm.SELFCHECK_CERTIFY if action == "submit" else Perm.SELFCHECK_ANSWER, unit=checklist.unit)
        # The version the re-shown form carries: the one the user loaded, until their own save moves it.
        version, saved = _version(request), False
        answers, problems = _parse_answers(request, checklist)
        if problems:
            _errors(request, problems)
            return _rerender(request, pk, user, version)
        try:
            services.checklist_save_answers(checklist=checklist, answers=answers, by=user, expected_version=version)
            version, saved = checklist.version, True
            if action == "submit" and (error := confirmation_error(request.POST)):
                messages.error(request, f"下書きを保存しましたが、提出していません。{error}")
            elif action == "submit":
                # The save above moved the version; submitting from any other version means someone came between.
                services.checklist_submit(checklist=checklist, by=user, expected_version=version)
                messages.success(request, "提出しました。番号制度総括部門の確認をお待ちください。")
            else:
                messages.success(request, "下書きを保存しました。")
        except ConflictError as exc:
            return conflict_page(request, pk, user, exc, saved=saved)
        except ChecklistInvalid as exc:
            _errors(request, exc.problems)
            return _rerender(request, pk, user, version)
        return redirect("selfcheck:checklist", pk=pk)
    return render(request, "selfcheck/checklist_detail.html", checklist_context(checklist, user))


# One item's answer as the form shows it: value, comment, improvement plan, target date (YYYY-MM-DD or "").
Typed = tuple[str, str, str, str]


def _typed(request: HttpRequest, row: dict[str, Any]) -> Typed | None:
    """What the user typed for ``row``'s item; None when the form did not carry the item."""
    i = row["item"].pk
    if f"v{i}" not in request.POST:
        return None
    return (
        request.POST.get(f"v{i}", ""),
        request.POST.get(f"c{i}", ""),
        request.POST.get(f"p{i}", ""),
        request.POST.get(f"d{i}", ""),
    )


def typed_answer(a: services.AnswerInput) -> Typed:
    """An answer read from elsewhere (an uploaded workbook) as the form would show it."""
    return (a.value, a.comment, a.improvement_plan, a.target_date.isoformat() if a.target_date else "")


def _shown(row: dict[str, Any]) -> Typed:
    return (row["value"], row["comment"], row["plan"], row["date"])


def _show(row: dict[str, Any], typed: Typed) -> None:
    row["value"], row["comment"], row["plan"], row["date"] = typed


def _rerender(request: HttpRequest, pk: int, user: User, version: int | None) -> HttpResponse:
    """Show the page again (as stored now) with what the user typed (nothing of it is lost), the form carrying
    ``version`` so that a change someone made meanwhile is still noticed on the next save."""
    ctx = checklist_context(_checklist(request, pk), user)
    if version is not None:
        ctx["form_version"] = version
    for row in ctx["rows"]:
        if (typed := _typed(request, row)) is not None:
            _show(row, typed)
    return render(request, "selfcheck/checklist_detail.html", ctx, status=400)


def conflict_page(
    request: HttpRequest,
    pk: int,
    user: User,
    exc: ConflictError,
    *,
    saved: bool = False,
    upload: Mapping[int, Typed] | None = None,
) -> HttpResponse:
    """Someone saved the checklist since the user loaded it: nothing of the user's was saved. Show, per item that
    differs, what is stored now (and who saved it, when) next to what the user typed, which stays in the form.

    The form now carries the current version: saving again, after seeing both, keeps the user's answers. ``saved``:
    the user's answers were saved, and someone saved between that and the submission (which was not made).
    ``upload``: the answers of an uploaded workbook (item id → answer), shown and put into the form instead of what
    was posted; nothing of the file is saved until the user, having seen both, saves the form."""
    checklist = _checklist(request, pk)
    ctx = checklist_context(checklist, user)
    labels = {**dict(AnswerValue.choices), "": "未回答"}
    differences = []
    for row in ctx["rows"]:
        theirs = _shown(row)
        yours = _typed(request, row) if upload is None else upload.get(row["item"].pk)
        if yours is None:
            continue
        _show(row, yours)
        if yours != theirs:
            differences.append(
                {
                    "number": row["number"],
                    "text": row["item"].text,
                    "theirs": {"value": labels.get(theirs[0], theirs[0]), "comment": theirs[1], "plan": theirs[2],
                               "date": theirs[3]},
                    "yours": {"value": labels.get(row["value"], row["value"]), "comment": row["comment"],
                              "plan": row["plan"], "date": row["date"]},
                }
            )  # fmt: skip
    ctx["conflict"] = {
        "message": "あなたの回答は保存しましたが、提出の直前に他の利用者が保存したため、提出していません。"
        "最新の内容を確認してから提出してください。"
        if saved
        else str(exc),
        "expected": exc.expected,
        "current": checklist.version,
        "last": last_change(checklist),
        "differences": differences,
        "upload": upload is not None,
    }
    return render(request, "selfcheck/checklist_detail.html", ctx, status=409)


@require_POST
@tenant_view(Perm.SELFCHECK_MANAGE)
def checklist_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    checklist = _checklist(request, pk, Perm.SELFCHECK_MANAGE)
    accept = request.POST.get("action") == "accept"
    if accept and (error := confirmation_error(request.POST)):
        messages.error(request, error)
        return redirect("selfcheck:checklist", pk=pk)
    comments: dict[int, str] = {}
    for key in request.POST:
        if key.startswith("rc") and key[2:].isdigit() and (text := request.POST.get(key, "")).strip():
            comments[int(key[2:])] = text
    try:
        services.checklist_review(
            checklist=checklist, accept=accept, comments=comments, note=request.POST.get("note", ""), by=user
        )
    except ValidationError as exc:
        _validation(request, exc)
    else:
        messages.success(request, "確認済みにしました。" if accept else "差し戻しました。")
    return redirect("selfcheck:checklist", pk=pk)


@require_POST
@tenant_view(Perm.SELFCHECK_MANAGE)
def checklist_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The governance division re-opens an accepted checklist, with a reason (recorded)."""
    user = _u(request)
    checklist = _checklist(request, pk, Perm.SELFCHECK_MANAGE)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        services.checklist_reopen(checklist=checklist, reason=form.cleaned_data["reason"], by=user)
    except ValidationError as exc:
        _validation(request, exc)
    else:
        messages.success(request, "自己点検票を再開しました（差戻し）。所属で修正し、再提出してください。")
    return redirect("selfcheck:checklist", pk=pk)


@require_POST
@tenant_view(Perm.SELFCHECK_ANSWER)
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _u(request)
    checklist = _checklist(request, pk, Perm.SELFCHECK_ANSWER)
    answer = get_or_404(user, Answer.objects.filter(checklist=checklist), pk=request.POST.get("answer"))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "ファイルを選んでください。")
    else:
        try:
            evidence_add(answer=answer, upload=upload, by=user)
            messages.success(request, f"証跡「{upload.name}」を登録しました。")
        except ValidationError as exc:
            _validation(request, exc)
    return HttpResponseRedirect(reverse("selfcheck:checklist", args=[pk]) + f"#item-{answer.item_id}")


@tenant_view(Perm.SELFCHECK_VIEW)
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    user = _u(request)
    evidence = get_or_404(user, Evidence.objects.select_related("answer__checklist__unit"), pk=pk)
    require(user, Perm.SELFCHECK_VIEW, unit=evidence.answer.checklist.unit)
    # Streamed from the storage (a file in the database is read chunk by chunk, README "複数ノード").
    response = FileResponse(evidence.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(evidence.name)}"
    return response
