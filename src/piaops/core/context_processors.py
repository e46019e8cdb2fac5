from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from piaops.lib.fiscal import fiscal_year, wareki, wareki_fiscal_year


def piaops(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    fy = fiscal_year(today)
    return {
        "today": today,
        "today_wareki": wareki(today),
        "current_fy": fy,
        "current_fy_wareki": wareki_fiscal_year(fy),
    }
