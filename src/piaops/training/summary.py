"""Read-side summaries built on the compliance engine: rates per unit and employment type, and the Ⅳ-2 suggestion."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from piaops.tenancy.models import EmploymentType, Municipality, OrgUnit
from piaops.training.compliance import Status, active_requirements, group_counts
from piaops.training.models import Rating, Requirement
from piaops.training.snapshot import snapshot


@dataclass
class Tally:
    """People × requirements per status; the rate is 受講済 over those in scope."""

    label: str
    done: int = 0
    pending: int = 0
    overdue: int = 0
    key: object = None

    @property
    def in_scope(self) -> int:
        return self.done + self.pending + self.overdue

    @property
    def rate(self) -> float | None:
        return self.done / self.in_scope if self.in_scope else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    def add(self, status: str, n: int) -> None:
        if status == Status.DONE:
            self.done += n
        elif status == Status.PENDING:
            self.pending += n
        elif status == Status.OVERDUE:
            self.overdue += n


@dataclass
class Overview:
    as_of: dt.date
    requirements: list[tuple[Requirement, Counter[str], Tally]]
    by_unit: list[Tally] = field(default_factory=list)
    by_employment: list[Tally] = field(default_factory=list)
    total: Tally = field(default_factory=lambda: Tally("合計"))


def overview(municipality: Municipality, as_of: dt.date, *, unit_ids: Collection[int] | None = None) -> Overview:
    """Counts per requirement, per unit and per employment type.

    For the whole municipality, from the day's cached compliance snapshot (see :mod:`piaops.training.snapshot`).
    With ``unit_ids``, only the people whose current unit is one of them count (e.g. the units that carry out one
    report's works): computed live, by one statement grouped per unit × employment type."""
    requirements = active_requirements(municipality)
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    groups: list[tuple[int | None, str, str, int]] = []
    if unit_ids is None:
        data = snapshot(municipality, as_of)
        for req in requirements:
            # A requirement activated since the snapshot's version cannot be missing (activating bumps it).
            counts[req.pk] = data.requirements.get(req.pk) or Counter({Status.NOT_APPLICABLE: data.population})
        for unit_id, kind, done, pending, overdue in data.unit_emp:
            groups += [
                (unit_id, kind, Status.DONE, done),
                (unit_id, kind, Status.PENDING, pending),
                (unit_id, kind, Status.OVERDUE, overdue),
            ]
    else:
        for r in group_counts(requirements=requirements, as_of=as_of):
            if r.unit_id in unit_ids:
                counts[r.requirement_id][r.status] += r.count
                groups.append((r.unit_id, r.employment_type, r.status, r.count))
    result = Overview(as_of=as_of, requirements=[])
    for req in requirements:
        tally = Tally(req.name)
        for status, n in counts[req.pk].items():
            tally.add(status, n)
            result.total.add(status, n)
        result.requirements.append((req, counts[req.pk], tally))
    units: dict[int | None, Tally] = {}
    employment: dict[str, Tally] = {}
    names = dict(OrgUnit.objects.for_municipality(municipality).values_list("pk", "name"))
    labels = dict(EmploymentType.choices)
    for unit_id, kind, status, n in groups:
        units.setdefault(unit_id, Tally(names.get(unit_id or 0, "（所属なし）"), key=unit_id)).add(status, n)
        employment.setdefault(kind, Tally(str(labels.get(kind, kind)), key=kind)).add(status, n)
    result.by_unit = sorted(units.values(), key=lambda t: (t.rate if t.rate is not None else 2, t.label))
    order = list(labels)
    result.by_employment = sorted(
        employment.values(), key=lambda t: order.index(str(t.key)) if t.key in order else len(order)
    )
    return result


STRONG_RATE = 0.95
SUFFICIENT_RATE = 0.80


@dataclass(frozen=True)
class Suggestion:
    rating: int
    figures: dict[str, object]
    reasons: list[str]

    @property
    def label(self) -> str:
        return str(Rating(self.rating).label)


# This docstring is the rule shown under the rating on the Ⅳ pages (reports.section4): hence in Japanese.
def suggest_rating(
    municipality: Municipality, as_of: dt.date, *, unit_ids: Collection[int] | None = None
) -> Suggestion:
    """Ⅳ-2 従業者に対する教育・啓発の判定の規則（受講記録から）:

    - 1 特に力を入れて行っている: 全体の受講率 95% 以上、全要件の受講率 90% 以上、かつ初任時研修を期限までに
      受講しないまま特定個人情報を取り扱う者がいない（初任時の要件に期限超過がない）;
    - 2 十分に行っている: 全体の受講率 80% 以上;
    - 3 十分に行っていない: それ以外、または受講要件が定められていないとき。
    """
    data = overview(municipality, as_of, unit_ids=unit_ids)
    total = data.total
    initial_overdue = sum(c[Status.OVERDUE] for r, c, _ in data.requirements if r.trigger == "initial")
    worst = min((t.rate for _, _, t in data.requirements if t.rate is not None), default=None)
    figures: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "requirements": len(data.requirements),
        "in_scope": total.in_scope,
        "done": total.done,
        "pending": total.pending,
        "overdue": total.overdue,
        "rate": round(total.rate, 4) if total.rate is not None else None,
        "worst_requirement_rate": round(worst, 4) if worst is not None else None,
        "initial_overdue": initial_overdue,
    }
    reasons = [
        f"受講率（受講済 ÷ 対象）：{total.done} ÷ {total.in_scope} = {total.rate_text}",
        "要件別の最低受講率：" + ("—" if worst is None else f"{worst * 100:.1f}%"),
        f"初任時研修の期限超過：{initial_overdue} 人",
    ]
    rate = total.rate
    if not data.requirements or rate is None:
        reasons.append("受講要件が定められていない（または対象者がいない）ため「十分に行っていない」を提案します。")
        return Suggestion(Rating.INSUFFICIENT, figures, reasons)
    if rate >= STRONG_RATE and (worst or 0) >= 0.90 and initial_overdue == 0:
        reasons.append("受講率95%以上・全要件90%以上・初任時研修の期限超過なし → 1「特に力を入れて行っている」")
        return Suggestion(Rating.STRONG, figures, reasons)
    if rate >= SUFFICIENT_RATE:
        reasons.append("受講率80%以上 → 2「十分に行っている」（1の条件：95%以上・全要件90%以上・初任時超過なし）")
        return Suggestion(Rating.SUFFICIENT, figures, reasons)
    reasons.append("受講率80%未満 → 3「十分に行っていない」")
    return Suggestion(Rating.INSUFFICIENT, figures, reasons)
