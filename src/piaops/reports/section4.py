"""Section Ⅳ as it should read now, for one assessment report and one 年度: for each rated item the suggested
rating from its app's rule (called, not re-implemented), the rule and the numbers behind it, any override with its
reason, and the evidence pack behind them. Rendered as text (the report's own form), XLSX and PDF."""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from piaops.areas.models import Area, DoorEvent, MonthlyReview
from piaops.areas.reconcile import reconcile
from piaops.areas.services import month_has_ended
from piaops.assessments.decisions import drift_note
from piaops.assessments.exports import to_parsed
from piaops.assessments.models import AssessmentReport, SectionIVDecision
from piaops.assessments.parsed import ParsedReport
from piaops.assessments.parser import render_text
from piaops.assessments.suggestion import Condition, Suggestion
from piaops.assessments.vocab import CommitmentKind, SectionIVRating
from piaops.assurance.models import CloudService, Obligation
from piaops.audits import rating as audit_rating
from piaops.audits.models import Audit, AuditRatingDecision
from piaops.findings.models import Finding
from piaops.incidents.models import Incident
from piaops.lib.dates import local_date
from piaops.lib.fiscal import fiscal_year_end, fiscal_year_start, wareki, wareki_fiscal_year
from piaops.selfcheck import results
from piaops.selfcheck.models import Campaign, Checklist, RatingDecision
from piaops.tenancy.models import Assignment, OrgUnit, Party, Work
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
    provisional: bool = False  # the 年度 is not over: the suggestion may still change (暫定)
    missing: list[str] = field(default_factory=list)  # data the suggestion lacks, said explicitly
    note: str = ""  # a decision shown but not adopted (e.g. the municipality-wide Ⅳ-1② decision), said explicitly

    @property
    def suggested_text(self) -> str:
        """The suggestion as every output shows it: 暫定 during the 年度, データなし when nothing to rate from."""
        if not self.suggested:
            return "（提案なし：根拠となる記録がありません）"
        marks = [m for m, on in (("暫定", self.provisional), ("データ不足", bool(self.missing))) if on]
        return f"{self.suggested}（{'・'.join(marks)}）" if marks else self.suggested

    @property
    def chosen_text(self) -> str:
        return self.chosen or "（未決定）"

    @property
    def selected(self) -> str:
        """What may stand in the report's own brackets: the adopted rating only (never a mere suggestion)."""
        return self.chosen


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
    return wareki(local_date(day))  # an instant shows on its Japan date, never the UTC day


def _rule(fn: Any) -> str:
    doc = inspect.getdoc(fn) or ""
    return " ".join(line.strip() for line in doc.splitlines() if line.strip())


@dataclass(frozen=True)
class Scope:
    """The population of one report: the units linked to its works (and their sub-units). ``units`` is None when
    the report's works name no unit, and then the whole municipality counts (said in the evidence)."""

    works: list[str]
    units: set[int] | None
    unit_names: list[str]
    work_ids: frozenset[int] = frozenset()  # empty when the report names no work: then every work counts

    def describe(self) -> str:
        if self.units is None:
            return "対象：事務と所属の関係が登録されていないため、団体の全所属"
        names = "、".join(self.unit_names[:5]) + ("ほか" if len(self.unit_names) > 5 else "")
        return f"対象：{'・'.join(self.works)}を担当する所属（{len(self.units)}所属：{names}）"


def report_scope(report: AssessmentReport) -> Scope:
    """The units that handle the report's works (work ↔ unit links), with every unit below them."""
    works = list(Work.objects.filter(report_works__report=report).order_by("name"))
    linked = list(OrgUnit.objects.filter(work_units__work__in=works, municipality_id=report.municipality_id).distinct())
    work_ids = frozenset(w.pk for w in works)
    if not linked:
        return Scope([w.name for w in works], None, [], work_ids)
    paths = Q()
    for unit in linked:
        paths |= Q(path__startswith=unit.path)
    units = set(OrgUnit.objects.filter(paths, municipality_id=report.municipality_id).values_list("pk", flat=True))
    return Scope([w.name for w in works], units, [u.name for u in linked], work_ids)


def _selfcheck_item(report: AssessmentReport, fy: int, today: dt.date, in_report: str, scope: Scope) -> RatedItem:
    """Every campaign of the 年度 counts, over the checklists of the units in ``scope``."""
    campaigns = list(
        Campaign.objects.for_municipality(report.municipality_id)
        .filter(fiscal_year=fy)
        .exclude(status="draft")
        .order_by("id")
    )
    item = RatedItem(SELFCHECK, "自己点検", "", _rule(results.suggest_rating), [], in_report=in_report)
    checklists = Checklist.objects.filter(campaign__in=campaigns)
    if scope.units is not None:
        checklists = checklists.filter(unit_id__in=scope.units)
    if not campaigns or not checklists.exists():
        item.numbers = [scope.describe(), f"{wareki_fiscal_year(fy)}の自己点検（対象所属の点検票）がありません。"]
        item.missing = ["自己点検の記録"]
        return item
    s = results.suggest_over(checklists, today=today)
    item.suggested = s.label
    used = sorted({c.campaign for c in checklists.select_related("campaign")}, key=lambda c: c.pk)
    item.numbers = [
        scope.describe(),
        f"自己点検：{'、'.join(str(c) for c in used)}（{len(used)}件、点検票 {s.numbers['checklists']} 件）",
    ] + [f"{'○' if c.ok else '×'} {c.label}：{c.detail}" for c in [*s.sufficient, *s.special]]
    if s.numbers["targets"] == 0:
        item.missing = ["提出期限の来た点検票"]
    _adopt(item, _latest(RatingDecision.objects.filter(campaign__in=used)))
    return item


_D = TypeVar("_D", bound=models.Model)


def _latest(decisions: QuerySet[_D]) -> _D | None:
    """The decision recorded last (a later one replaces an earlier one)."""
    return decisions.order_by("-decided_at", "-id").first()


def _adopt(item: RatedItem, decision: SectionIVDecision | None) -> None:
    """Show the recorded Section Ⅳ-1 choice and its reason on ``item`` (nothing when none was recorded)."""
    if decision is not None:
        item.chosen, item.reason = str(SectionIVRating(decision.chosen).label), decision.reason


def _audit_scoped(report: AssessmentReport, fy: int, today: dt.date, scope: Scope) -> Suggestion:
    return audit_rating.suggest_rating(
        municipality=report.municipality,
        fiscal_year=fy,
        today=today,
        unit_ids=scope.units,
        work_ids=scope.work_ids or None,
    )


def audit_suggestion(report: AssessmentReport, *, fiscal_year: int, today: dt.date) -> Suggestion:
    """The Ⅳ-1② suggestion of ``report`` exactly as its Section Ⅳ page shows it: scoped to the report's works and
    their units, with the third parties' obligations of the same item as one more 「十分」 condition (an overdue one
    makes it 「十分に行っていない」, as :func:`_third_parties` says on the page). What a per-report decision is
    recorded against (:func:`piaops.reports.services.section4_audit_decide`)."""
    return _with_third_parties(_audit_scoped(report, fiscal_year, today, report_scope(report)), report, today)


def _with_third_parties(s: Suggestion, report: AssessmentReport, today: dt.date) -> Suggestion:
    """``s`` (the scoped Ⅳ-1② suggestion) with the third parties' obligations of the item as one more condition."""
    obligations, overdue = _third_party_obligations(report, AUDIT, today)
    if not obligations:
        return s
    numbers = {**s.numbers, "third_party_obligations": len(obligations), "third_party_overdue": len(overdue)}
    third = Condition(THIRD_PARTY_OK, not overdue, f"{len(overdue)} / {len(obligations)} 件超過")
    return Suggestion.from_conditions(numbers=numbers, sufficient=[*s.sufficient, third], special=s.special)


def _audit_item(report: AssessmentReport, fy: int, today: dt.date, in_report: str, scope: Scope) -> RatedItem:
    """The audits and findings of the units in ``scope``, the coverage of the report's own works. Only a decision
    recorded for this report is adopted; the municipality-wide one (audits page) is shown as a note."""
    s = _audit_scoped(report, fy, today, scope)
    item = RatedItem(AUDIT, "監査", s.label, _rule(audit_rating.suggest_rating), [], in_report=in_report)
    n = s.numbers
    pending = f"（ほかに未到来 {n['audits_not_yet_due']} 件）" if n["audits_not_yet_due"] else ""
    item.numbers = [
        scope.describe(),
        f"対象の事務 {n['works']} 件、監査 {n['audits']} 件{pending}、指摘事項 {n['findings']} 件",
        *(f"{'○' if c.ok else '×'} {c.label}：{c.detail}" for c in [*s.sufficient, *s.special]),
    ]
    if not n["audits"] and not n["audits_not_yet_due"]:
        item.missing = ["監査計画・監査の記録"]
    decisions = AuditRatingDecision.objects.filter(municipality_id=report.municipality_id, fiscal_year=fy)
    own = _latest(decisions.filter(report=report))
    _adopt(item, own)
    if own is not None:
        # The decision keeps the numbers it rested on: say when they no longer hold (a late audit, a finding
        # verified, a third party's obligation overdue), so a stale rating is not copied into the report unseen.
        item.note = drift_note(own, _with_third_parties(s, report, today), whose="この評価書の")
    wide = None if own is not None else _latest(decisions.filter(report__isnull=True))
    if wide is not None:
        item.note = (
            f"団体全体の決定（{_d(wide.decided_at)}）：{SectionIVRating(wide.chosen).label}。"
            "監査のページで団体全体の数値に基づいて決定されたもので、この評価書の評価としては採用していません"
            "（この評価書の数値で決定してください）。"
        )
    return item


def _training_item(report: AssessmentReport, fy: int, today: dt.date, in_report: str, scope: Scope) -> RatedItem:
    as_of = min(today, fiscal_year_end(fy))
    s = training_summary.suggest_rating(report.municipality, as_of, unit_ids=scope.units)
    item = RatedItem(
        TRAINING, "従業者に対する教育・啓発", s.label, _rule(training_summary.suggest_rating), [], in_report=in_report
    )
    people = Assignment.objects.filter(municipality_id=report.municipality_id, start_date__lte=as_of).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=as_of)
    )
    if scope.units is not None:
        people = people.filter(unit_id__in=scope.units)
    count = people.values("person_id").distinct().count()
    item.numbers = [f"基準日：{wareki(as_of)}", f"{scope.describe()}、対象者 {count} 人", *s.reasons]
    if not s.figures.get("in_scope"):
        item.missing = ["受講の対象者・受講要件"]
    decision = _latest(TrainingDecision.objects.filter(municipality_id=report.municipality_id, fiscal_year=fy))
    if decision is not None:  # Ⅳ-2 keeps its own scale (training.models.Rating), not Section Ⅳ-1's
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
    t = EvidenceTable(
        "教育・啓発の受講状況（雇用形態別・所属別、人×受講要件の延べ件数）",
        ["区分", "受講済", "未受講（期限内）", "期限超過", "受講率"],
    )
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


THIRD_PARTY_OK = "第三者の同じ項目の義務に期限超過がない"
THIRD_PARTY_RULE = (
    "第三者（中間サーバー・プラットフォーム（J-LIS）、eLTAX認定委託先事業者、委託先等）の同じ項目の義務に"
    "期限超過があるときは「十分に行っていない」を提案します。"
)
INSUFFICIENT = {SELFCHECK: SectionIVRating.INSUFFICIENT.label, AUDIT: SectionIVRating.INSUFFICIENT.label}
KIND_OF_ITEM = {
    SELFCHECK: CommitmentKind.SELF_INSPECTION,
    AUDIT: CommitmentKind.AUDIT,
    TRAINING: CommitmentKind.TRAINING,
}


def _third_party_obligations(
    report: AssessmentReport, path: str, today: dt.date
) -> tuple[list[Obligation], list[Obligation]]:
    """The other parties' active obligations for the item ``path`` of ``report``, and the overdue ones."""
    same_item = Q(commitment__item__number_path=path, commitment__report__series=report.series)
    same_kind = Q(commitment__isnull=True, kind=KIND_OF_ITEM[path])
    obligations = list(
        Obligation.objects.for_municipality(report.municipality_id)
        .filter(same_item | same_kind, is_active=True)
        .exclude(party__kind=Party.Kind.MUNICIPALITY)
        .select_related("party")
        .order_by("next_due", "id")
    )
    return obligations, [o for o in obligations if o.is_overdue(today)]


def _third_parties(report: AssessmentReport, item: RatedItem, today: dt.date) -> None:
    """Other parties' obligations for the same item (through the commitment they come from, or of the item's kind
    when they name none) take part: listed in the item's numbers, and an overdue one makes the suggestion
    「十分に行っていない」 (a rule added to the item's rule)."""
    obligations, overdue = _third_party_obligations(report, item.path, today)
    item.rule = f"{item.rule} {THIRD_PARTY_RULE}".strip()
    if not obligations:
        return
    item.numbers.append(f"{'×' if overdue else '○'} {THIRD_PARTY_OK}：{len(overdue)} / {len(obligations)} 件超過")
    item.numbers += [f"　期限超過：{o.party.name}「{o}」（期限 {_d(o.next_due)}）" for o in overdue]
    if overdue and item.suggested:
        item.suggested = str(INSUFFICIENT.get(item.path, TrainingRating.INSUFFICIENT.label))


def build(report: AssessmentReport, *, fiscal_year: int, today: dt.date) -> Section4:
    selected = dict(
        report.items.filter(number_path__in=[SELFCHECK, AUDIT, TRAINING]).values_list("number_path", "selected_choice")
    )
    scope = report_scope(report)
    items = [
        _selfcheck_item(report, fiscal_year, today, selected.get(SELFCHECK, ""), scope),
        _audit_item(report, fiscal_year, today, selected.get(AUDIT, ""), scope),
        _training_item(report, fiscal_year, today, selected.get(TRAINING, ""), scope),
    ]
    for item in items:
        item.provisional = today <= fiscal_year_end(fiscal_year)
        _third_parties(report, item, today)
    return Section4(report, fiscal_year, today, items, _evidence(report, fiscal_year, today))


def to_text(s4: Section4) -> str:
    """Section Ⅳ in the report's own form (the parser's ``render_text``) with the selected ratings, to paste
    into the next version. A report without a parsed Section Ⅳ gives the three rated items as text lines."""
    parsed = to_parsed(s4.report)
    rated = {i.path: i for i in s4.items}
    sections = [sec for sec in parsed.sections if sec.number == "Ⅳ"]
    if sections and sections[0].items:
        sec = sections[0]
        items = [
            replace(it, selected=rated[it.number_path].selected or UNDECIDED) if it.number_path in rated else it
            for it in sec.items
        ]
        body = render_text(ParsedReport(title="", sections=[replace(sec, items=items)]))
    else:
        lines = ["Ⅳ その他のリスク対策", ""]
        for i in s4.items:
            lines.append(f"{i.path} {i.title}：[{i.selected or UNDECIDED}]")
        body = "\n".join(lines) + "\n"
    return body + notes_text(s4)


UNDECIDED = "未決定"


def notes_text(s4: Section4) -> str:
    """Below the pasted text: what is undecided, provisional or lacks data, so nobody mistakes a suggestion for
    the adopted rating (the brackets carry only an adopted rating, else 「未決定」)."""
    notes = []
    for i in s4.items:
        if not i.chosen:
            notes.append(
                f"・{i.path} {i.title}：評価は未決定です（提案：{i.suggested_text}。評価書の現在の記載："
                f"{i.in_report or '—'}）。"
            )
        elif i.provisional:
            notes.append(f"・{i.path} {i.title}：年度の途中の決定です（暫定）。")
        if i.note:
            notes.append(f"・{i.path} {i.title}：{i.note}")
        if i.missing:
            notes.append(f"・{i.path} {i.title}：データがありません（{'、'.join(i.missing)}）。")
    if not notes:
        return ""
    return "\n【piaops の注記（評価書に貼り付ける前に削除してください）】\n" + "\n".join(notes) + "\n"
