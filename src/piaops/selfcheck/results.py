"""Reads over a campaign: progress, shares of はい/いいえ/該当なし per item and per unit, and the suggested
rating for Ⅳ-1① (自己点検) with the numbers it rests on. Also the recorded decision (a write, with a reason)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from piaops.assessments.decisions import section4_decide
from piaops.assessments.suggestion import Condition, Suggestion
from piaops.findings.models import Finding, FollowUp
from piaops.lib.dates import local_date
from piaops.selfcheck.models import (
    DONE,
    EDITABLE,
    Answer,
    AnswerValue,
    Campaign,
    Category,
    Checklist,
    ChecklistStatus,
    RatingDecision,
    TemplateItem,
)
from piaops.tenancy.models import User


@dataclass
class Share:
    yes: int = 0
    no: int = 0
    na: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no + self.na

    def pct(self, n: int) -> float:
        return round(100.0 * n / self.total, 1) if self.total else 0.0

    @property
    def yes_pct(self) -> float:
        return self.pct(self.yes)

    @property
    def no_pct(self) -> float:
        return self.pct(self.no)

    @property
    def na_pct(self) -> float:
        return self.pct(self.na)

    def add(self, value: str) -> None:
        if value == AnswerValue.YES:
            self.yes += 1
        elif value == AnswerValue.NO:
            self.no += 1
        elif value == AnswerValue.NA:
            self.na += 1


def progress(campaign: Campaign) -> dict[str, int]:
    """Checklists per status (every status present, in the order of the choices)."""
    counts = Counter(campaign.checklists.values_list("status", flat=True))
    return {s.value: counts.get(s.value, 0) for s in ChecklistStatus}


def shares(campaign: Campaign) -> tuple[list[tuple[TemplateItem, Share]], list[tuple[Checklist, Share]]]:
    """Shares over the submitted and accepted checklists, per item (template order) and per unit."""
    by_item: dict[int, Share] = defaultdict(Share)
    by_checklist: dict[int, Share] = defaultdict(Share)
    rows = Answer.objects.filter(checklist__campaign=campaign, checklist__status__in=DONE).values_list(
        "item_id", "checklist_id", "value"
    )
    for item_id, checklist_id, value in rows:
        by_item[item_id].add(value)
        by_checklist[checklist_id].add(value)
    items = campaign.items()
    checklists = list(campaign.checklists.filter(status__in=DONE).select_related("unit").order_by("unit__path"))
    return [(i, by_item[i.pk]) for i in items], [(c, by_checklist[c.pk]) for c in checklists]


def campaign_findings(campaign: Campaign) -> Any:
    answer_ids = Answer.objects.filter(checklist__campaign=campaign, value=AnswerValue.NO).values("pk")
    return Finding.objects.filter(
        municipality_id=campaign.municipality_id, source_type="selfcheck.answer", source_id__in=answer_ids
    )


def local_date_or_none(value: dt.datetime | None) -> dt.date | None:
    """The Japan date of an instant (a submission, an acceptance), None for none (the summaries' columns)."""
    return local_date(value) if value else None


# This docstring is the rule shown under the rating on the Ⅳ pages (reports.section4): hence in Japanese.
def suggest_rating(campaign: Campaign, *, today: dt.date) -> Suggestion:
    """判定の規則（各条件は数値とともに示します）:

    「十分に行っている」: (1) 全対象所属の点検票が確認済、(2) 全所属が期限までに初回提出、
    (3) 「いいえ」すべてに改善計画と改善予定日がある。
    「特に力を入れて行っている」: さらに (4) 期日の来た改善がすべて期日までに完了し、
    (5) 点検票が評価書の記載事項（一般的な項目だけでなく）を点検している。
    それ以外は「十分に行っていない」。
    提出期限が来ておらず未提出の所属は「未到来」とし、(1)(2) の対象に数えません（遅延ではありません）。
    """
    return suggest_over(Checklist.objects.filter(campaign=campaign), today=today)


def suggest_over(checklists: Any, *, today: dt.date) -> Suggestion:
    """The rule of :func:`suggest_rating` over any set of checklists (e.g. every campaign of a 年度 for the units
    of one report's works). A checklist not submitted whose campaign's deadline is still ahead is 未到来: counted
    apart, neither on time nor late. ``numbers`` says how many were in scope."""
    checklists = list(checklists.select_related("campaign"))
    not_due = [
        c for c in checklists if c.first_submitted_at is None and c.status in EDITABLE and today <= c.campaign.deadline
    ]
    due = [c for c in checklists if c not in not_due]
    targets = len(due)
    accepted = sum(1 for c in due if c.status == ChecklistStatus.ACCEPTED)
    on_time = sum(
        1 for c in due if (d := local_date_or_none(c.first_submitted_at)) is not None and d <= c.campaign.deadline
    )
    ids = [c.pk for c in checklists]
    no_rows = list(
        Answer.objects.filter(checklist_id__in=ids, checklist__status__in=DONE, value=AnswerValue.NO).values_list(
            "improvement_plan", "target_date"
        )
    )
    no_with_plan = sum(1 for plan, date in no_rows if plan.strip() and date is not None)
    answer_ids = Answer.objects.filter(checklist_id__in=ids, value=AnswerValue.NO).values("pk")
    findings = Finding.objects.filter(source_type="selfcheck.answer", source_id__in=answer_ids)
    followups = list(FollowUp.objects.filter(finding__in=findings))
    due_followups = [f for f in followups if f.due_date <= today]
    due_on_time = sum(1 for f in due_followups if f.completed_on is not None and f.completed_on <= f.due_date)
    templates = {t.pk for c in {c.campaign for c in checklists} for t in c.template_list()}
    report_items = TemplateItem.objects.filter(template_id__in=templates, category=Category.REPORT).count()
    numbers = {
        "campaigns": len({c.campaign_id for c in checklists}),
        "checklists": len(checklists),
        "targets": targets,
        "not_yet_due": len(not_due),
        "accepted": accepted,
        "on_time": on_time,
        "no_answers": len(no_rows),
        "no_with_plan": no_with_plan,
        "followups_due": len(due_followups),
        "followups_due_on_time": due_on_time,
        "report_items": report_items,
    }
    pending = f"（ほかに未到来 {len(not_due)} 所属）" if not_due else ""
    sufficient = [
        Condition(
            "全対象所属の点検票を確認済み", targets > 0 and accepted == targets, f"{accepted} / {targets} 所属{pending}"
        ),
        Condition("全所属が期限までに提出", targets > 0 and on_time == targets, f"{on_time} / {targets} 所属{pending}"),
        Condition(
            "「いいえ」すべてに改善計画と改善予定日",
            no_with_plan == len(no_rows),
            f"{no_with_plan} / {len(no_rows)} 件",
        ),
    ]
    special = [
        Condition(
            "期日の来た改善がすべて期日までに完了",
            due_on_time == len(due_followups),
            f"{due_on_time} / {len(due_followups)} 件",
        ),
        Condition("評価書の記載事項を点検項目に含む", report_items > 0, f"{report_items} 項目"),
    ]
    return Suggestion.from_conditions(numbers=numbers, sufficient=sufficient, special=special)


def rating_decide(
    *, campaign: Campaign, chosen: str, reason: str = "", today: dt.date, by: User | None = None
) -> RatingDecision:
    """Record the admin's Ⅳ-1① rating of ``campaign`` (:func:`piaops.assessments.decisions.section4_decide`)."""
    decision = RatingDecision(municipality_id=campaign.municipality_id, campaign=campaign)
    summary = "Ⅳ-1①（自己点検）の評価を決定"
    suggest = functools.partial(suggest_rating, campaign, today=today)
    return section4_decide(decision, chosen=chosen, reason=reason, suggest=suggest, by=by, summary=summary)
