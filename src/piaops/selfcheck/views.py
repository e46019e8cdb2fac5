"""Self-inspection pages. Thin: the object named by the URL comes from ``tenant_object`` (404 outside the
municipality, 403 when the user may not see it or lacks the right), the input from a form, the write from one
service call; one small view per action."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.assessments.decisions import drift_note
from piaops.assessments.forms import SectionIVDecisionForm
from piaops.assessments.vocab import SectionIVRating
from piaops.core.forms import ReopenForm, confirmation_error
from piaops.lib.versioning import ConflictError
from piaops.selfcheck import baseline, results, services
from piaops.selfcheck.checklist_page import SELECT, answers_form, checklist_context, conflict_page, rerender
from piaops.selfcheck.errors import ChecklistInvalid, SubmissionRefused
from piaops.selfcheck.evidence import evidence_add
from piaops.selfcheck.forms import (
    CampaignForm,
    EvidenceForm,
    ItemForm,
    ReviewForm,
    TargetsForm,
    TemplateForm,
)
from piaops.selfcheck.models import (
    Campaign,
    CampaignStatus,
    Checklist,
    ChecklistStatus,
    ChecklistTemplate,
    Evidence,
    TemplateItem,
)
from piaops.tenancy.access import (
    Perm,
    has_perm,
    is_municipality_wide,
    municipality_of,
    scoped,
    tenant_object,
    tenant_view,
)
from piaops.tenancy.models import OrgUnit, User


def _u(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _validation(request: HttpRequest, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, str(e))


def _wide_only(user: User, what: str) -> None:
    """The aggregates of a campaign are for the municipality-wide readers (admin, auditor, viewer) only."""
    if not is_municipality_wide(user, Perm.SELFCHECK_VIEW):
        raise PermissionDenied(f"{what}を見る権限がありません。")


# ------------------------------------------------------------------------------------------------ index, templates


@tenant_view(Perm.SELFCHECK_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    wide = is_municipality_wide(user, Perm.SELFCHECK_VIEW)
    campaigns = (
        Campaign.objects.visible_to(user)
        .select_related("template")
        .annotate(n=Count("checklists", distinct=True), n_templates=Count("campaign_templates", distinct=True))
    )
    my = (
        Checklist.objects.visible_to(user)
        .exclude(campaign__status=CampaignStatus.DRAFT)
        .select_related("campaign", "unit")
        .order_by("-campaign__fiscal_year", "unit__path")
    )
    can_manage = has_perm(user, Perm.SELFCHECK_MANAGE)
    return render(
        request,
        "selfcheck/index.html",
        {
            "campaigns": campaigns,
            "templates": scoped(user, ChecklistTemplate).annotate(n=Count("items")) if can_manage else [],
            "my_checklists": [] if wide else my[:200],
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
        _form_errors(request, form)
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


@tenant_object(ChecklistTemplate, perm=Perm.SELFCHECK_MANAGE)
def template_detail(request: HttpRequest, template: ChecklistTemplate) -> HttpResponse:
    versions = scoped(_u(request), ChecklistTemplate).filter(code=template.code).order_by("-version")
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
@tenant_object(ChecklistTemplate, perm=Perm.SELFCHECK_MANAGE)
def template_item_add(request: HttpRequest, template: ChecklistTemplate) -> HttpResponse:
    form = ItemForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("selfcheck:template", pk=template.pk)
    item = services.template_item_add(template=template, by=_u(request), **form.cleaned_data)
    if item.template_id != template.pk:
        messages.info(request, f"使用中の版は変更できないため、第{item.template.version}版を作成して追加しました。")
    return redirect("selfcheck:template", pk=item.template_id)


@require_POST
@tenant_object(TemplateItem, perm=Perm.SELFCHECK_MANAGE, select=("template",))
def template_item_edit(request: HttpRequest, item: TemplateItem) -> HttpResponse:
    form = ItemForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("selfcheck:template", pk=item.template_id)
    item = services.template_item_update(
        item=item, text=form.cleaned_data["text"], guidance=form.cleaned_data["guidance"], by=_u(request)
    )
    return redirect("selfcheck:template", pk=item.template_id)


@require_POST
@tenant_object(TemplateItem, perm=Perm.SELFCHECK_MANAGE, select=("template",))
def template_item_remove(request: HttpRequest, item: TemplateItem) -> HttpResponse:
    """Remove a question (irreversible: the confirmation box must be ticked)."""
    if error := confirmation_error(request.POST):
        messages.error(request, error)
        return redirect("selfcheck:template", pk=item.template_id)
    target = services.template_item_remove(item=item, by=_u(request))
    return redirect("selfcheck:template", pk=target.pk)


# ------------------------------------------------------------------------------------------------ campaigns


@tenant_view(Perm.SELFCHECK_MANAGE)
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = _u(request)
    today = timezone.localdate()
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        municipality=municipality_of(user),
        initial={"fiscal_year": services.current_fiscal_year()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            # Every unit's checklist carries the 年度's 安全管理措置 baseline: made here when the 年度 has none yet.
            baseline.ensure(municipality=municipality_of(user), fiscal_year=form.cleaned_data["fiscal_year"], by=user)
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


@tenant_object(Campaign, perm=Perm.SELFCHECK_VIEW, select=("template",))
def campaign_detail(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    user = _u(request)
    checklists = Checklist.objects.visible_to(user).filter(campaign=campaign).select_related("unit")
    today = timezone.localdate()
    rows = [(c, c.is_overdue(today)) for c in checklists.order_by("unit__path")]
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
            "wide": is_municipality_wide(user, Perm.SELFCHECK_VIEW),
            "today": today,
        },
    )


@require_POST
@tenant_object(Campaign, perm=Perm.SELFCHECK_MANAGE)
def campaign_launch(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    try:
        n = services.campaign_launch(campaign=campaign, by=_u(request))
    except ValidationError as exc:
        _validation(request, exc)
    else:
        messages.success(request, f"自己点検を開始しました（{n}所属）。")
    return redirect("selfcheck:campaign", pk=campaign.pk)


@require_POST
@tenant_object(Campaign, perm=Perm.SELFCHECK_MANAGE)
def campaign_close(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    try:
        services.campaign_close(campaign=campaign, by=_u(request))
    except ValidationError as exc:
        _validation(request, exc)
    else:
        messages.success(request, "自己点検を終了しました。")
    return redirect("selfcheck:campaign", pk=campaign.pk)


@require_POST
@tenant_object(Campaign, perm=Perm.SELFCHECK_MANAGE)
def campaign_copy(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    try:
        new = services.campaign_copy_to_next_year(campaign=campaign, by=_u(request))
    except ValidationError as exc:
        _validation(request, exc)
        return redirect("selfcheck:campaign", pk=campaign.pk)
    messages.success(request, f"{new.fiscal_year}年度の自己点検を作成しました。")
    return redirect("selfcheck:campaign", pk=new.pk)


@require_POST
@tenant_object(Campaign, perm=Perm.SELFCHECK_MANAGE)
def campaign_targets(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    form = TargetsForm(request.POST, municipality_id=campaign.municipality_id)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("selfcheck:campaign", pk=campaign.pk)
    try:
        services.campaign_set_targets(campaign=campaign, units=form.cleaned_data["unit"], by=_u(request))
    except ValidationError as exc:
        _validation(request, exc)
    else:
        messages.success(request, "対象所属を変更しました。")
    return redirect("selfcheck:campaign", pk=campaign.pk)


@tenant_object(Campaign, perm=Perm.SELFCHECK_VIEW, select=("template",))
def campaign_results(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    _wide_only(_u(request), "集計結果")
    by_item, by_unit = results.shares(campaign)
    findings = results.campaign_findings(campaign).select_related("unit", "followup").order_by("unit__path")
    return render(
        request,
        "selfcheck/results.html",
        {"campaign": campaign, "by_item": by_item, "by_unit": by_unit, "findings": findings},
    )


@tenant_object(Campaign, perm=Perm.SELFCHECK_VIEW, select=("template",))
def campaign_rating(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    user = _u(request)
    _wide_only(user, "評価")
    today = timezone.localdate()
    suggestion = results.suggest_rating(campaign, today=today)
    form = SectionIVDecisionForm(
        request.POST if request.method == "POST" else None, initial={"chosen": suggestion.rating}
    )
    if request.method == "POST":
        if not has_perm(user, Perm.SELFCHECK_MANAGE):
            raise PermissionDenied("この操作を行う権限がありません。")
        if form.is_valid():
            try:
                results.rating_decide(campaign=campaign, today=today, by=user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)  # each message onto its field (Django splits the dict)
            else:
                messages.success(request, "評価を記録しました。")
                return redirect("selfcheck:rating", pk=campaign.pk)
    # One query: the list shown, newest first, whose first is the decision in force.
    decisions = list(campaign.rating_decisions.select_related("decided_by").order_by("-decided_at", "-id"))
    return render(
        request,
        "selfcheck/rating.html",
        {
            "campaign": campaign,
            "suggestion": suggestion,
            "form": form,
            "decisions": decisions,
            "drift": drift_note(decisions[0] if decisions else None, suggestion),
            "can_manage": has_perm(user, Perm.SELFCHECK_MANAGE),
            "labels": dict(SectionIVRating.choices),
        },
    )


# ------------------------------------------------------------------------------------------------ checklists


@tenant_object(Checklist, perm=Perm.SELFCHECK_VIEW, unit="unit", select=SELECT)
def checklist_detail(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    """The checklist page; its form posts here to save the answers as a draft (``checklist_submit`` submits)."""
    user = _u(request)
    if request.method != "POST":
        return render(request, "selfcheck/checklist_detail.html", checklist_context(checklist, user))
    if not has_perm(user, Perm.SELFCHECK_ANSWER, unit=checklist.unit):
        raise PermissionDenied("この操作を行う権限がありません。")
    return _save(request, checklist, user)


def _save(request: HttpRequest, checklist: Checklist, user: User, *, note: str = "") -> HttpResponse:
    """Save the posted answers as a draft; ``note`` is added to the success message."""
    form = answers_form(checklist, request.POST)
    form.is_valid()  # every field is optional: what it cannot read are the problems
    version = form.version_loaded
    if problems := form.problems():
        return rerender(request, checklist, user, form, version, problems=problems)
    try:
        services.checklist_save_answers(checklist=checklist, answers=form.answers(), by=user, expected_version=version)
    except ConflictError as exc:
        return conflict_page(request, checklist, user, exc, form=form)
    except ChecklistInvalid as exc:
        return rerender(request, checklist, user, form, version, problems=exc.problems)
    if note:
        messages.error(request, f"下書きを保存しましたが、提出していません。{note}")
    else:
        messages.success(request, "下書きを保存しました。")
    return redirect("selfcheck:checklist", pk=checklist.pk)


@require_POST
@tenant_object(Checklist, perm=Perm.SELFCHECK_CERTIFY, unit="unit", select=SELECT)
def checklist_submit(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    """所属長 saves the posted answers and submits them (one service call). Without the ticked confirmation the
    answers are saved as a draft only, and the page says so."""
    user = _u(request)
    if error := confirmation_error(request.POST):
        return _save(request, checklist, user, note=error)
    form = answers_form(checklist, request.POST)
    form.is_valid()
    version = form.version_loaded
    if problems := form.problems():
        return rerender(request, checklist, user, form, version, problems=problems)
    try:
        services.checklist_save_and_submit(
            checklist=checklist, answers=form.answers(), by=user, expected_version=version
        )
    except ConflictError as exc:
        return conflict_page(request, checklist, user, exc, form=form)
    except SubmissionRefused as exc:  # the answers were saved: the form now carries the saved version
        return rerender(request, checklist, user, form, checklist.version, problems=exc.problems)
    except ChecklistInvalid as exc:
        return rerender(request, checklist, user, form, version, problems=exc.problems)
    messages.success(request, "提出しました。番号制度総括部門の確認をお待ちください。")
    return redirect("selfcheck:checklist", pk=checklist.pk)


def _review(request: HttpRequest, checklist: Checklist, *, accept: bool) -> HttpResponse:
    form = ReviewForm(request.POST, item_ids=list(checklist.answers.values_list("item_id", flat=True)))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("selfcheck:checklist", pk=checklist.pk)
    try:
        services.checklist_review(
            checklist=checklist,
            accept=accept,
            comments=form.comments(),
            note=form.cleaned_data["note"],
            by=_u(request),
        )
    except ValidationError as exc:
        _validation(request, exc)
    else:
        messages.success(request, "確認済みにしました。" if accept else "差し戻しました。")
    return redirect("selfcheck:checklist", pk=checklist.pk)


@require_POST
@tenant_object(Checklist, perm=Perm.SELFCHECK_MANAGE, unit="unit", select=SELECT)
def checklist_accept(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    """The governance division accepts the submitted round (irreversible: the confirmation box must be ticked)."""
    if error := confirmation_error(request.POST):
        messages.error(request, error)
        return redirect("selfcheck:checklist", pk=checklist.pk)
    return _review(request, checklist, accept=True)


@require_POST
@tenant_object(Checklist, perm=Perm.SELFCHECK_MANAGE, unit="unit", select=SELECT)
def checklist_return(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    """The governance division returns the submitted round with comments per item and/or an overall one."""
    return _review(request, checklist, accept=False)


@require_POST
@tenant_object(Checklist, perm=Perm.SELFCHECK_MANAGE, unit="unit", select=SELECT)
def checklist_reopen(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    """The governance division re-opens an accepted checklist, with a reason (recorded)."""
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        services.checklist_reopen(checklist=checklist, reason=form.cleaned_data["reason"], by=_u(request))
    except ValidationError as exc:
        _validation(request, exc)
    else:
        messages.success(request, "自己点検票を再開しました（差戻し）。所属で修正し、再提出してください。")
    return redirect("selfcheck:checklist", pk=checklist.pk)


@require_POST
@tenant_object(Checklist, perm=Perm.SELFCHECK_ANSWER, unit="unit", select=SELECT)
def evidence_upload(request: HttpRequest, checklist: Checklist) -> HttpResponse:
    form = EvidenceForm(request.POST, request.FILES, answers=checklist.answers.all())
    form.is_valid()
    answer = form.cleaned_data.get("answer")
    if answer is None:  # an answer of another checklist (or none) is not there for this page
        raise Http404("見つかりません。")
    upload = form.cleaned_data.get("file")
    if upload is None:
        _form_errors(request, form)
    else:
        try:
            evidence_add(answer=answer, upload=upload, by=_u(request))
            messages.success(request, f"証跡「{upload.name}」を登録しました。")
        except ValidationError as exc:
            _validation(request, exc)
    return HttpResponseRedirect(reverse("selfcheck:checklist", args=[checklist.pk]) + f"#item-{answer.item_id}")


@tenant_object(Evidence, perm=Perm.SELFCHECK_VIEW, unit="answer__checklist__unit", select=("answer__checklist__unit",))
def evidence_download(request: HttpRequest, evidence: Evidence) -> FileResponse:
    # Streamed from the storage (a file in the database is read chunk by chunk, README "複数ノード").
    response = FileResponse(evidence.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(evidence.name)}"
    return response
