"""見直し pages. Readers: whoever ``Review.objects.visible_to`` lets see them (``Perm.REVIEWS_VIEW``: admin, auditor
and viewer, the governance documents of the municipality). Writes (opening, figures, decisions, signing,
re-opening): Perm.MANAGE_ASSESSMENTS (番号制度総括部門). A page about one review is ``tenant_object``'s: 404 outside
the municipality, then 403 for a user who may not see it or lacks the right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.assessments.models import AssessmentReport
from piaops.lib.fiscal import fiscal_year
from piaops.reviews import candidates as rules
from piaops.reviews import services
from piaops.reviews.forms import DecisionForm, FiguresForm, OpenForm, ReopenForm, SignForm
from piaops.reviews.models import Review
from piaops.reviews.thresholds import BAND_LABELS, subjects_band
from piaops.tenancy import access
from piaops.tenancy.access import Perm, tenant_object, tenant_view
from piaops.tenancy.models import User


def _fy(request: HttpRequest) -> int:
    """The 年度 asked for in ``?fy=``, else the current one."""
    value = request.GET.get("fy", "")
    if value.isdigit() and 2014 <= int(value) <= 2200:
        return int(value)
    return fiscal_year(timezone.localdate())


@tenant_view(Perm.REVIEWS_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    fy = _fy(request)
    # A 年度's review stays on its report's row when a newer version of the report comes into force during the
    # year (keyed by series; the review of the newest version wins).
    reviews = {
        r.report.series: r
        for r in Review.objects.visible_to(user)
        .filter(fiscal_year=fy)
        .select_related("report")
        .annotate(undecided_count=Count("candidates", filter=Q(candidates__decision="")))
        .order_by("report__version")
    }
    reports = access.scoped(request.user, AssessmentReport.objects.current()).order_by("series")
    rows = [(report, reviews.get(report.series)) for report in reports]
    can_manage = access.has_perm(request.user, Perm.MANAGE_ASSESSMENTS)
    years = sorted(
        {fy, *Review.objects.visible_to(user).values_list("fiscal_year", flat=True).distinct()}, reverse=True
    )
    return render(
        request,
        "reviews/index.html",
        {"fy": fy, "rows": rows, "years": years, "can_manage": can_manage},
    )


@require_POST
@tenant_view(Perm.MANAGE_ASSESSMENTS)
def open_review(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = OpenForm(request.POST, municipality=access.municipality_of(request.user))
    if not form.is_valid():
        messages.error(
            request, "見直しを開始できませんでした：" + "／".join(str(e) for errs in form.errors.values() for e in errs)
        )
        return redirect("reviews:index")
    try:
        review = services.review_open(
            report=form.cleaned_data["report"],
            fiscal_year=form.cleaned_data["fiscal_year"],
            user=user,
        )
    except services.ReviewError as exc:
        messages.error(request, str(exc))
        return redirect("reviews:index")
    messages.success(request, f"見直しを開始しました。変更の候補は{review.candidates.count()}件です。")
    return redirect("reviews:detail", pk=review.pk)


def _page(request: HttpRequest, review: Review, *, status: int = 200, **forms: Any) -> HttpResponse:
    can_manage = access.has_perm(request.user, Perm.MANAGE_ASSESSMENTS) and not review.is_signed
    candidates = list(review.candidates.select_related("decided_by"))
    before = rules.previous_review(review)
    band = subjects_band(review.subjects) if review.subjects is not None else None
    return render(
        request,
        "reviews/detail.html",
        {
            "review": review,
            "report": review.report,
            "candidates": candidates,
            "undecided": sum(1 for c in candidates if not c.decision),
            "comparison": rules.recomputed(review),
            "serious_incident": rules.serious_incident_in_last_year(review),
            "band_label": BAND_LABELS[band] if band else "",
            "previous": before,
            "can_manage": can_manage,
            "can_reopen": review.is_signed and access.has_perm(request.user, Perm.MANAGE_ASSESSMENTS),
            "figures_form": forms.get("figures_form")
            or FiguresForm(
                initial={
                    "subjects": review.subjects,
                    "handlers": review.handlers,
                    "figures_source": review.figures_source,
                }
            ),
            "items": [
                (
                    c,
                    (forms.get("decision_form") if forms.get("candidate_pk") == c.pk else None)
                    or DecisionForm(
                        prefix=f"c{c.pk}",
                        initial={"decision": c.decision, "reason": c.reason, "reassessment_due": c.reassessment_due},
                    ),
                )
                for c in candidates
            ],
            "sign_form": forms.get("sign_form") or SignForm(),
            "reopen_form": forms.get("reopen_form") or ReopenForm(),
        },
        status=status,
    )


@tenant_object(Review, perm=Perm.REVIEWS_VIEW, select=("report",))
def detail(request: HttpRequest, review: Review) -> HttpResponse:
    return _page(request, review)


def _done(request: HttpRequest, review: Review, action: Callable[[], object], message: str) -> HttpResponse:
    try:
        action()
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect("reviews:detail", pk=review.pk)


@require_POST
@tenant_object(Review, perm=Perm.MANAGE_ASSESSMENTS, select=("report",))
def figures(request: HttpRequest, review: Review) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = FiguresForm(request.POST)
    if not form.is_valid():
        return _page(request, review, status=400, figures_form=form)
    return _done(
        request,
        review,
        lambda: services.figures_record(review=review, user=user, **form.cleaned_data),
        "対象人数と取扱者数を記録しました。",
    )


@require_POST
@tenant_object(Review, perm=Perm.MANAGE_ASSESSMENTS, select=("report",))
def refresh(request: HttpRequest, review: Review) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        added = services.candidates_refresh(review=review, user=user)
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"記録を確認し直しました。新しい変更の候補は{len(added)}件です。")
    return redirect("reviews:detail", pk=review.pk)


@require_POST
@tenant_object(Review, perm=Perm.MANAGE_ASSESSMENTS, select=("report",))
def decide(request: HttpRequest, review: Review, candidate_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    candidate = access.get_or_404(request.user, review.candidates.all(), pk=candidate_pk)
    form = DecisionForm(request.POST, prefix=f"c{candidate.pk}")
    if not form.is_valid():
        return _page(request, review, status=400, decision_form=form, candidate_pk=candidate.pk)
    return _done(
        request,
        review,
        lambda: services.candidate_decide(candidate=candidate, user=user, **form.cleaned_data),
        "判断を記録しました。",
    )


@require_POST
@tenant_object(Review, perm=Perm.MANAGE_ASSESSMENTS, select=("report",))
def sign(request: HttpRequest, review: Review) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = SignForm(request.POST)
    if not form.is_valid():
        return _page(request, review, status=400, sign_form=form)
    return _done(
        request,
        review,
        lambda: services.review_sign(review=review, user=user),
        "見直しに署名しました。",
    )


@require_POST
@tenant_object(Review, perm=Perm.MANAGE_ASSESSMENTS, select=("report",))
def reopen(request: HttpRequest, review: Review) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _page(request, review, status=400, reopen_form=form)
    return _done(
        request,
        review,
        lambda: services.review_reopen(review=review, user=user, reason=form.cleaned_data["reason"]),
        "見直しを再開しました。",
    )
