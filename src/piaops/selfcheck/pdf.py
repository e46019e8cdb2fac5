"""The campaign's summary as a PDF (A4, Japanese font embedded, 和暦 dates, page numbers) for the 番号制度総括部門's
report: progress per unit, shares of はい/いいえ/該当なし per item and per unit, findings with their improvement
plans, and the suggested Ⅳ-1① rating with the numbers it rests on. The same reads as the XLSX summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piaops.core.pdf import render_pdf
from piaops.selfcheck import results
from piaops.selfcheck.models import Campaign, Category, ChecklistStatus

CATEGORY_LABELS = dict(Category.choices)


def summary_context(campaign: Campaign, *, today: dt.date) -> dict[str, Any]:
    checklists = list(campaign.checklists.select_related("unit").order_by("unit__path"))
    by_item, by_unit = results.shares(campaign)
    numbers = campaign.item_numbers()
    return {
        "campaign": campaign,
        "templates": campaign.template_list(),
        "today": today,
        "progress": [(ChecklistStatus(s).label, n) for s, n in results.progress(campaign).items()],
        "targets": len(checklists),
        "units": [
            {
                "c": c,
                "status": ChecklistStatus(c.status).label,
                "first_submitted": results.local_date_or_none(c.first_submitted_at),
                "accepted": results.local_date_or_none(c.accepted_at),
                "overdue": c.is_overdue(today),
            }
            for c in checklists
        ],
        "by_item": [
            {
                "number": numbers.get(item.pk, 0),
                "item": item,
                "category": CATEGORY_LABELS.get(item.category, ""),
                "s": s,
            }
            for item, s in by_item
        ],
        "by_unit": by_unit,
        "findings": list(
            results.campaign_findings(campaign).select_related("unit", "followup").order_by("unit__path", "id")
        ),
        "suggestion": results.suggest_rating(campaign, today=today),
        "decision": campaign.rating_decisions.first(),
    }


def campaign_summary_pdf(campaign: Campaign, *, today: dt.date) -> bytes:
    return render_pdf("selfcheck/summary_pdf.html", summary_context(campaign, today=today))
