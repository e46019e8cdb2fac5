from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Protocol

from django.http import HttpRequest
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from piaops.lib.fiscal import fiscal_year, wareki, wareki_fiscal_year
from piaops.lib.registry import load
from piaops.tenancy import access
from piaops.tenancy.access import Requester

if TYPE_CHECKING:
    pass

# The main menu: each app's index page, in this order. A link is shown only to a user who holds the permission the
# page's own ``tenant_view`` asks for, and passes the page's own further rule where it has one (``NAV_RULES``), so no
# menu link answers 403.
NAV: list[tuple[str, Promise]] = [
    ("reports:index", _("ダッシュボード")),
    ("assessments:index", _("評価書")),
    ("selfcheck:index", _("自己点検")),
    ("audits:index", _("監査")),
    ("findings:index", _("指摘事項")),
    ("training:index", _("研修")),
    ("assurance:index", _("委託先・クラウド")),
    ("incidents:index", _("障害・事故")),
    ("areas:index", _("管理区域")),
    ("reviews:index", _("見直し")),
    ("tenancy:index", _("組織・職員")),
    ("audittrail:index", _("監査証跡")),
]


class NavRule(Protocol):
    """A page's further rule for showing its menu link: whether ``user`` may open it."""

    def __call__(self, user: Requester) -> bool: ...


NAV_RULES: dict[str, str] = {  # menu entry → dotted name of its NavRule (the base imports no domain app)
    "areas:index": "piaops.areas.views.may_open_index",  # unit roles: only when they sign off some area
}


@functools.cache
def _nav_targets() -> list[tuple[str, Promise, access.Perm | None, NavRule | None]]:
    """(url, label, permission of the page, further rule) of each menu entry whose app defines it (read once)."""
    targets = []
    for name, label in NAV:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        rule = load(NAV_RULES[name], NavRule) if name in NAV_RULES else None
        targets.append((url, label, getattr(resolve(url).func, "required_perm", None), rule))
    return targets


def nav_links(user: Requester) -> list[tuple[str, Promise]]:
    """The menu entries ``user`` may open: (url, label)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "municipality_id", None) is None:
        return []
    return [
        (url, label)
        for url, label, perm, rule in _nav_targets()
        if (perm is None or access.has_perm_somewhere(user, perm)) and (rule is None or rule(user))
    ]


def piaops(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    fy = fiscal_year(today)
    return {
        "today": today,
        "today_wareki": wareki(today),
        "current_fy": fy,
        "current_fy_wareki": wareki_fiscal_year(fy),
        # A callable: the template evaluates it only where the menu is drawn.
        "nav_links": functools.partial(nav_links, getattr(request, "user", None)),
    }
