"""The 安全管理措置 baseline page: per 年度, the items every unit's 自己点検票 carries, grouped as the PPC guideline
for 行政機関等 (基本方針 … 技術的). Municipality-wide readers of self-inspection read it; the 番号制度総括部門
(``Perm.SELFCHECK_MANAGE``) creates a 年度's baseline here and edits its items on the template page (versioned,
each change in the audit trail)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.lib.fiscal import fiscal_year
from piaops.selfcheck import baseline
from piaops.selfcheck.forms import BaselineForm
from piaops.selfcheck.models import Category, ChecklistTemplate
from piaops.tenancy.access import Perm, has_perm, is_municipality_wide, municipality_of, scoped, tenant_view
from piaops.tenancy.models import User


def _fy(request: HttpRequest) -> int:
    value = request.GET.get("fy", "")
    if value.isdigit() and 2014 <= int(value) <= 2200:
        return int(value)
    return fiscal_year(timezone.localdate())


@tenant_view(Perm.SELFCHECK_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not is_municipality_wide(user, Perm.SELFCHECK_VIEW):
        raise PermissionDenied("安全管理措置の基準は、団体全体の自己点検を閲覧できる方だけが見られます。")
    fy = _fy(request)
    municipality = municipality_of(user)
    template = baseline.current(municipality.pk, fy)
    items = list(template.items.order_by("order", "id")) if template else []
    labels = dict(Category.choices)
    sections = [(labels[c], [i for i in items if i.category == c]) for c in baseline.SECTIONS]
    others = [i for i in items if i.category not in baseline.SECTIONS]
    if others:
        sections.append(("その他", others))
    versions = (
        scoped(user, ChecklistTemplate).filter(code=baseline.code_for(fy)).order_by("-version") if template else []
    )
    years = sorted({fy, fiscal_year(timezone.localdate()), *baseline.years(municipality.pk)}, reverse=True)
    return render(
        request,
        "selfcheck/baseline.html",
        {
            "fy": fy,
            "years": years,
            "template": template,
            "sections": sections,
            "versions": versions,
            "can_manage": has_perm(user, Perm.SELFCHECK_MANAGE),
            "form": BaselineForm(initial={"fiscal_year": fy}),
        },
    )


@require_POST
@tenant_view(Perm.SELFCHECK_MANAGE)
def create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = BaselineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "年度を正しく入力してください。")
        return redirect("selfcheck:baseline")
    fy = form.cleaned_data["fiscal_year"]
    existed = baseline.current(municipality_of(user).pk, fy) is not None
    baseline.ensure(municipality=municipality_of(user), fiscal_year=fy, by=user)
    if existed:
        messages.info(request, f"{fy}年度の安全管理措置の基準は既にあります。")
    else:
        messages.success(request, f"{fy}年度の安全管理措置の基準を作成しました。")
    return redirect(f"{reverse('selfcheck:baseline')}?fy={fy}")
