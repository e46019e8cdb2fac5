"""Section Ⅳ as it should read now, for one assessment report and one 年度: for each rated item the suggested
rating from its app's rule (called, not re-implemented), the rule and the numbers behind it, any override with its
reason, and the evidence pack behind them. Rendered as text (the report's own form), XLSX and PDF."""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass, field, replace
from typing import Any

from piaops.areas.models import Area, DoorEvent, MonthlyReview
from piaops.areas.reconcile import reconcile
from piaops.areas.services import month_has_ended
from piaops.assessments.exports import to_parsed
from piaops.assessments.models import AssessmentReport
from piaops.assessments.parsed import ParsedReport
from piaops.assessments.parser import render_text
from piaops.assessments.vocab import SectionIVRating
from piaops.assurance.models import CloudService, Obligation
from piaops.findings.models import Finding
from piaops.incidents.models import Incident
from piaops.lib.fiscal import fiscal_year_end, fiscal_year_start, wareki, wareki_fiscal_year
from piaops.selfcheck import results
from piaops.selfcheck.models import Campaign, RatingDecision
from piaops.training import summary as training_summary
from piaops.training.models import Rating as TrainingRating
from piaops.training.models import RatingDecision as TrainingDecision

SELFCHECK, AUDIT, TRAINING = "Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-2"


@dataclass
class RatedItem:
    path: str
    title: str
    suggested: str  # the label, "" when there is nothing to rate from
    rule: str
    numbers: list[str]
    chosen: str = ""  # the recorded override (or confirmation), "" when none
    reason: str = ""
    in_report: str = ""  # what the current version of the report selects

    @property
    def selected(self) -> str:
        return self.chosen or self.suggested or self.in_report


@dataclass
class EvidenceTable:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Section4:
    report: AssessmentReport
    fiscal_year: int
    today: dt.date
    items: list[RatedItem]
    evidence: list[EvidenceTable]

    @property
    def fiscal_year_text(self) -> str:
        return f"{self.fiscal_year}年度（{wareki_fiscal_year(self.fiscal_year)}）"


def _d(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return "—"
    if isinstance(day, dt.datetime):
        day = day.date()
    return wareki(day)


def _rule(fn: Any) -> str:
    doc = inspect.getdoc(fn) or ""
    return " ".join(line.strip() for line in doc.splitlines() if line.strip())


def _campaign(report: AssessmentReport, fy: int) -> Campaign | None:
    """The 年度's campaign whose template checks this report (its series), else the 年度's latest campaign."""
    campaigns = Campaign.objects.for_municipality(report.municipality_id).filter(fiscal_year=fy).exclude(status="draft")
    own = campaigns.filter(template__report__series=report.series).order_by("-id").first()
    return own or campaigns.order_by("-id").first()


def _selfcheck_item(report: AssessmentReport, fy: int, today: dt.date, in_report: str) -> RatedItem:
    campaign = _campaign(report, fy)
    item = RatedItem(SELFCHECK, "自己点検", "", _rule(results.suggest_rating), [], in_report=in_report)
    if campaign is None:
        item.numbers = [f"{wareki_fiscal_year(fy)}の自己点検が実施されていません。"]
        return item
    s = results.suggest_rating(campaign, today=today)
    item.suggested = s.label
    item.numbers = [f"対象：{campaign}"] + [
        f"{'○' if c.ok else '×'} {c.label}：{c.detail}" for c in [*s.sufficient, *s.special]
    ]
    decision = RatingDecision.objects.filter(campaign=campaign).order_by("-decided_at", "-id").first()
    if decision is not None:
        item.chosen, item.reason = str(SectionIVRating(decision.chosen).label), decision.reason
    return item


def _audit_item(report: AssessmentReport, fy: int, today: dt.date, in_report: str) -> RatedItem:
    try:
        from piaops.audits import rating as audit_rating
        from piaops.audits.models import AuditRatingDecision
    except ImportError:  # pragma: no cover - the audits app is part of the build
        return RatedItem(AUDIT, "監査", "", "", ["監査の記録がこの環境にありません。"], in_report=in_report)
    s = audit_rating.suggest_rating(municipality=report.municipality, fiscal_year=fy, today=today)
    item = RatedItem(AUDIT, "監査", s.label, _rule(audit_rating.suggest_rating), [], in_report=in_report)
    item.numbers = [f"{'○' if c.ok else '×'} {c.label}：{c.detail}" for c in [*s.sufficient, *s.special]]
    decision = (
        AuditRatingDecision.objects.filter(municipality_id=report.municipality_id, fiscal_year=fy)
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is not None:
        item.chosen, item.reason = str(SectionIVRating(decision.chosen).label), decision.reason
    return item


def _training_item(report: AssessmentReport, fy: int, today: dt.date, in_report: str) -> RatedItem:
    as_of = min(today, fiscal_year_end(fy))
    s = training_summary.suggest_rating(report.municipality, as_of)
    item = RatedItem(
        TRAINING, "従業者に対する教育・啓発", s.label, _rule(training_summary.suggest_rating), [], in_report=in_report
    )
    item.numbers = [f"基準日：{wareki(as_of)}", *s.reasons]
    decision = (
        TrainingDecision.objects.filter(municipality_id=report.municipality_id, fiscal_year=fy)
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is not None:
        item.chosen, item.reason = str(TrainingRating(decision.rating).label), decision.reason
    return item


def _evidence(report: AssessmentReport, fy: int, today: dt.date) -> list[EvidenceTable]:
    m = report.municipality
    start, end = fiscal_year_start(fy), fiscal_year_end(fy)
    out: list[EvidenceTable] = []

    t = EvidenceTable("自己点検の実施", ["名称", "提出期限", "状態", "未着手", "作成中", "提出済", "差戻し", "確認済"])
    for c in Campaign.objects.for_municipality(m).filter(fiscal_year=fy).order_by("id"):
        p = results.progress(c)
        t.rows.append([c.title, _d(c.deadline), c.get_status_display(), *(str(n) for n in p.values())])
    out.append(t)

    t = EvidenceTable("監査", ["対象所属", "種別", "実施予定", "状態"])
    try:
        from piaops.audits.models import Audit

        for a in (
            Audit.objects.filter(municipality=m, programme__fiscal_year=fy)
            .select_related("unit")
            .order_by("planned_start", "id")
        ):
            t.rows.append(
                [
                    a.unit.name,
                    a.get_audit_type_display(),
                    f"{_d(a.planned_start)}〜{_d(a.planned_end)}",
                    a.get_status_display(),
                ]
            )
    except ImportError:  # pragma: no cover
        pass
    out.append(t)

    t = EvidenceTable("指摘事項と改善", ["所属", "件名", "発生元", "状態", "完了予定日", "完了日"])
    for f in (
        Finding.objects.for_municipality(m)
        .filter(fiscal_year=fy)
        .select_related("unit", "followup")
        .order_by("unit__path", "id")
    ):
        fu = getattr(f, "followup", None)
        t.rows.append(
            [
                f.unit.name,
                f.title,
                f.get_source_display(),
                f.get_status_display(),
                _d(fu.due_date) if fu else "—",
                _d(fu.completed_on) if fu else "—",
            ]
        )
    out.append(t)

    data = training_summary.overview(m, min(today, end))
    t = EvidenceTable("教育・啓発の受講状況（雇用形態別・所属別）", ["区分", "受講済", "未受講", "期限超過", "受講率"])
    for tally in [*data.by_employment, *data.by_unit, data.total]:
        t.rows.append([tally.label, str(tally.done), str(tally.pending), str(tally.overdue), tally.rate_text])
    out.append(t)

    t = EvidenceTable("委託先等の義務（第三者の証跡）", ["事業者", "義務", "次回期限", "状態"])
    for o in Obligation.objects.for_municipality(m).select_related("party").order_by("next_due", "id"):
        state = "期限超過" if o.is_overdue(today) else ("有効" if o.is_active else "終了")
        t.rows.append([o.party.name, str(o), _d(o.next_due), state])
    out.append(t)

    t = EvidenceTable("クラウドサービス（ISMAP）", ["サービス", "有効期限", "抹消日"])
    for cs in CloudService.objects.for_municipality(m).order_by("id"):
        t.rows.append([str(cs), _d(cs.expires_on), _d(cs.delisted_on)])
    out.append(t)

    out.append(_area_table(m, start, min(today, end), today))

    t = EvidenceTable("障害・事故", ["件名", "発覚日", "状態", "委員会報告（速報期限）", "委員会報告（確報期限）"])
    for i in (
        Incident.objects.for_municipality(m)
        .filter(detected_at__date__gte=start, detected_at__date__lte=end)
        .order_by("detected_at", "id")
    ):
        t.rows.append([i.title, _d(i.detected_at), i.get_status_display(), _d(i.ppc_prompt_due), _d(i.ppc_final_due)])
    out.append(t)
    return out


def _area_table(m: Any, start: dt.date, until: dt.date, today: dt.date) -> EvidenceTable:
    """Every month of the 年度 so far with door events or a review, per area. A signed month shows the count frozen
    with its signature; any other month the exceptions as the reconciliation finds them today (an unsigned
    month is not 0 exceptions)."""
    t = EvidenceTable("管理区域の月次確認", ["管理区域", "対象月", "例外", "状態", "署名日時"])
    reviews = {
        (r.area_id, r.month): r
        for r in MonthlyReview.objects.for_municipality(m).filter(month__gte=start, month__lte=until)
    }
    event_months = {
        (area_id, day.replace(day=1))
        for area_id, day in DoorEvent.objects.for_municipality(m)
        .filter(day__gte=start, day__lte=until)
        .values_list("area_id", "day")
        .distinct()
        .order_by()
    }
    areas = {a.pk: a for a in Area.objects.for_municipality(m)}
    for area_id, month in sorted(event_months | set(reviews), key=lambda k: (areas[k[0]].name, k[1])):
        area, review = areas[area_id], reviews.get((area_id, month))
        if review is not None and review.status == MonthlyReview.Status.SIGNED:
            count, state, signed = str(review.exception_count), str(review.get_status_display()), _d(review.signed_at)
        else:
            count = str(len(reconcile(area=area, month=month)))
            state = "未署名" if month_has_ended(month, today) else "未到来（月の途中）"
            signed = "—"
        t.rows.append([area.name, f"{month.year}年{month.month}月", count, state, signed])
    return t


def build(report: AssessmentReport, *, fiscal_year: int, today: dt.date) -> Section4:
    selected = dict(
        report.items.filter(number_path__in=[SELFCHECK, AUDIT, TRAINING]).values_list("number_path", "selected_choice")
    )
    items = [
        _selfcheck_item(report, fiscal_year, today, selected.get(SELFCHECK, "")),
        _audit_item(report, fiscal_year, today, selected.get(AUDIT, "")),
        _training_item(report, fiscal_year, today, selected.get(TRAINING, "")),
    ]
    return Section4(report, fiscal_year, today, items, _evidence(report, fiscal_year, today))


def to_text(s4: Section4) -> str:
    """Section Ⅳ in the report's own form (the parser's ``render_text``) with the selected ratings, to paste
    into the next version. A report without a parsed Section Ⅳ gives the three rated items as text lines."""
    parsed = to_parsed(s4.report)
    chosen = {i.path: i.selected for i in s4.items}
    sections = [sec for sec in parsed.sections if sec.number == "Ⅳ"]
    if sections and sections[0].items:
        sec = sections[0]
        items = [replace(it, selected=chosen[it.number_path]) if chosen.get(it.number_path) else it for it in sec.items]
        return render_text(ParsedReport(title="", sections=[replace(sec, items=items)]))
    lines = ["Ⅳ その他のリスク対策", ""]
    for i in s4.items:
        lines.append(f"{i.path} {i.title}：[{i.selected}]")
    return "\n".join(lines) + "\n"
