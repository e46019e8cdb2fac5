"""The 番号制度総括部門's dashboard for one 年度: a fixed number of grouped queries, whatever the number of units.

Who sees what is each app's own rule: the counted rows are ``Model.objects.visible_to(user)`` (a 所属長's incident
count here is their incident list's). The municipality-wide panels (third parties, ISMAP, assessment reports) are
shown to a municipality-wide reader of reports only (``access.is_municipality_wide(user, Perm.REPORTS_VIEW)``: admin,
auditor, viewer), since no unit owns them; the figures that are not rows of an app (audit coverage and rotation,
training rates) are of the reader's units (``visible_units``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse

from piaops.areas.models import MonthlyReview
from piaops.assessments.models import AssessmentReport, with_reassessed_on
from piaops.assurance.models import CloudService, Obligation
from piaops.audits import rules
from piaops.audits.models import AuditProgramme, AuditType, AuditWork
from piaops.findings.models import OPEN_STATUSES, Finding, FindingStatus, FollowUp
from piaops.incidents.models import Incident
from piaops.lib.fiscal import fiscal_year_end, fiscal_year_start
from piaops.selfcheck.models import EDITABLE, Campaign, Checklist, ChecklistStatus
from piaops.tenancy.access import Perm, has_perm_somewhere, is_municipality_wide, municipality_of, visible_units
from piaops.tenancy.models import EmploymentType, Municipality, OrgUnit, Work, WorkUnit, unit_label_of
from piaops.training.snapshot import snapshot
from piaops.training.summary import Tally

if TYPE_CHECKING:
    from piaops.tenancy.models import User

DUE_SOON_DAYS = 30
ISMAP_WARN_DAYS = 90


def _count_each(base: QuerySet[Any], **subsets: QuerySet[Any]) -> dict[str, int]:
    """The number of rows of each of ``subsets`` (querysets derived from ``base``, each its app's own rule) in one
    query over ``base``: ``COUNT(id) FILTER (WHERE id IN (subset))`` per subset, instead of one query each."""
    return base.aggregate(**{name: Count("pk", filter=Q(pk__in=qs.values("pk"))) for name, qs in subsets.items()})


def _url(name: str, *args: Any, **query: Any) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


@dataclass
class Count_:
    label: str
    value: int
    href: str = ""
    alert: bool = False
    tone: str = ""  # what the count means, for a chart's colour (reports.charts.TONES)


@dataclass
class SelfcheckPanel:
    campaigns: list[Campaign]
    by_status: list[Count_]
    overdue: Count_
    total: int


@dataclass
class AuditPanel:
    programme: AuditProgramme | None = None
    works_total: int = 0
    works_covered: int = 0
    rotation_due: int = 0
    rotation_missing: list[str] = field(default_factory=list)
    href: str = ""

    @property
    def coverage_rate(self) -> float | None:
        return self.works_covered / self.works_total if self.works_total else None


@dataclass
class TrainingPanel:
    as_of: dt.date
    by_unit: list[Tally]
    by_employment: list[Tally]
    total: Tally
    href: str


@dataclass
class Dashboard:
    fiscal_year: int
    today: dt.date
    as_of: dt.date
    wide: bool
    selfcheck: SelfcheckPanel
    audits: AuditPanel
    findings: list[Count_]
    training: TrainingPanel
    third_parties: list[Count_]
    ismap: list[Count_]
    incidents: list[Count_]
    unsigned_reviews: list[MonthlyReview]
    reports: list[AssessmentReport]


_STATUS_TONE = {
    ChecklistStatus.NOT_STARTED: "idle",
    ChecklistStatus.DRAFT: "progress",
    ChecklistStatus.SUBMITTED: "waiting",
    ChecklistStatus.RETURNED: "attention",
    ChecklistStatus.ACCEPTED: "done",
}


def _selfcheck(user: User, m: Municipality, fy: int, today: dt.date) -> SelfcheckPanel:
    campaigns = list(Campaign.objects.for_municipality(m).filter(fiscal_year=fy).exclude(status="draft"))
    checklists = Checklist.objects.visible_to(user).filter(campaign__fiscal_year=fy)
    # Per status, the checklists and those past their campaign's deadline (counted for the editable statuses).
    rows = (
        checklists.values_list("status")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(campaign__deadline__lt=today)))
        .values_list("status", "n", "late")
    )
    counts: dict[str, int] = {}
    overdue = 0
    for status, n, late in rows:
        counts[status] = n
        if status in EDITABLE:
            overdue += late
    href = _url("selfcheck:campaign", campaigns[0].pk) if len(campaigns) == 1 else _url("selfcheck:index")
    by_status = [Count_(str(s.label), counts.get(s.value, 0), href, tone=_STATUS_TONE[s]) for s in ChecklistStatus]
    return SelfcheckPanel(
        campaigns=campaigns,
        by_status=by_status,
        overdue=Count_("期限超過（未提出）", overdue, href, alert=overdue > 0),
        total=sum(counts.values()),
    )


def _audits(m: Municipality, fy: int, units: QuerySet[OrgUnit], wide: bool, *, linkable: bool) -> AuditPanel:
    """Coverage = works in scope of an audit of the 年度's programme / all active works (for a 所属長: the works
    assigned to their subtree); rotation = handling units due a 現地監査 without one in the programme.
    ``href`` is empty when the reader may not open the audit pages (``linkable`` false: a 所属長 sees the figures
    for their subtree, but the programme itself answers 403 to them)."""
    programme = AuditProgramme.objects.for_municipality(m).filter(fiscal_year=fy).first()
    works = Work.objects.for_municipality(m).filter(is_active=True)
    if not wide:
        works = works.filter(pk__in=WorkUnit.objects.filter(unit__in=units).values("work_id"))
    # Covered: the works in the scope of an audit of the 年度 (its AuditWork rows), counted with the total.
    in_scope = AuditWork.objects.filter(municipality=m, audit__programme__fiscal_year=fy).values("work_id")
    counted = works.aggregate(total=Count("pk"), covered=Count("pk", filter=Q(pk__in=in_scope)))
    panel = AuditPanel(
        programme=programme,
        works_total=counted["total"],
        works_covered=counted["covered"],
        href=(_url("audits:programme", programme.pk) if programme else _url("audits:index")) if linkable else "",
    )
    due = rules.units_due_onsite_names(m, fy, among=units)
    onsite = set()
    if programme is not None:
        onsite = set(programme.audits.filter(audit_type=AuditType.ONSITE).values_list("unit_id", flat=True))
    panel.rotation_due = len(due)
    panel.rotation_missing = [name for pk, name in due if pk not in onsite]
    return panel


def _findings(user: User, today: dt.date) -> list[Count_]:
    findings = Finding.objects.visible_to(user)
    counts = dict(findings.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    overdue = FollowUp.objects.filter(
        finding__in=findings.open(), due_date__lt=today, completed_on__isnull=True
    ).count()
    rows = [
        Count_(str(s.label), counts.get(s.value, 0), _url("findings:index", status=s.value))
        for s in FindingStatus
        if s in OPEN_STATUSES
    ]
    rows.append(Count_("改善の期日超過", overdue, _url("findings:index", status=FindingStatus.PLANNED), overdue > 0))
    return rows


def _training(m: Municipality, as_of: dt.date, units: QuerySet[OrgUnit], wide: bool) -> TrainingPanel:
    """From the day's cached compliance snapshot (one query; computed once per day and per write)."""
    unit_names = {pk: unit_label_of(name, code) for pk, name, code in units.values_list("pk", "name", "code")}
    labels = dict(EmploymentType.choices)
    by_unit: dict[int | None, Tally] = {}
    by_emp: dict[str, Tally] = {}
    total = Tally("合計")
    for unit_id, employment, done, pending, overdue in snapshot(m, as_of).unit_emp:
        if not wide and unit_id not in unit_names:
            continue
        name = unit_names.get(unit_id or 0, "（所属なし）")
        label = str(labels.get(employment, employment))
        for tally in (
            by_unit.setdefault(unit_id, Tally(name, key=unit_id)),
            by_emp.setdefault(employment, Tally(label, key=employment)),
            total,
        ):
            tally.done += done
            tally.pending += pending
            tally.overdue += overdue
    order = list(labels)
    return TrainingPanel(
        as_of=as_of,
        by_unit=sorted(by_unit.values(), key=lambda t: (t.rate if t.rate is not None else 2, t.label)),
        by_employment=sorted(by_emp.values(), key=lambda t: order.index(str(t.key)) if t.key in order else len(order)),
        total=total,
        href=_url("training:index", as_of=as_of.isoformat()),
    )


def build(user: User, *, fiscal_year: int, today: dt.date) -> Dashboard:
    """The dashboard ``user`` may read for ``fiscal_year`` (see the module docstring for who sees what)."""
    m = municipality_of(user)
    wide = is_municipality_wide(user, Perm.REPORTS_VIEW)
    units = visible_units(user)
    as_of = min(today, fiscal_year_end(fiscal_year))
    obligations = Obligation.objects.for_municipality(m)
    services = CloudService.objects.for_municipality(m)
    incidents = Incident.objects.visible_to(user)
    month_start = today.replace(day=1)
    reviews = (
        MonthlyReview.objects.visible_to(user)
        .filter(status=MonthlyReview.Status.OPEN, month__lt=month_start)
        .filter(month__gte=fiscal_year_start(fiscal_year), month__lte=fiscal_year_end(fiscal_year))
        .select_related("area")
        .order_by("month", "area__name")
    )
    third: list[Count_] = []
    ismap: list[Count_] = []
    reports: list[AssessmentReport] = []
    if wide:
        ob = _count_each(
            obligations, overdue=obligations.overdue(today), soon=obligations.due_within(today, DUE_SOON_DAYS)
        )
        overdue = ob["overdue"]
        third = [
            Count_("期限超過", overdue, _url("assurance:obligation_list", state="overdue"), overdue > 0),
            Count_(f"{DUE_SOON_DAYS}日以内に期限", ob["soon"], _url("assurance:obligation_list", state="active")),
        ]
        ismap_href = _url("assurance:ismap_register")
        sv = _count_each(
            services,
            delisted=services.filter(delisted_on__isnull=False),
            expired=services.expired(today).filter(delisted_on__isnull=True),
            soon=services.expiring_within(today, ISMAP_WARN_DAYS),
        )
        delisted, expired = sv["delisted"], sv["expired"]
        ismap = [
            Count_("登録の抹消", delisted, ismap_href, delisted > 0),
            Count_("有効期限切れ", expired, ismap_href, expired > 0),
            Count_(f"{ISMAP_WARN_DAYS}日以内に期限", sv["soon"], ismap_href),
        ]
        # The version in force of each series: importing a new version marks the previous one 旧版 at once, so a
        # filter on 公表済 would drop the series while its new version is still a draft.
        reports = with_reassessed_on(
            list(
                AssessmentReport.objects.for_municipality(m)
                .current()
                .order_by(F("published_on").asc(nulls_last=True), "title", "pk")
            )
        )
    inc = _count_each(incidents, open=incidents.open(), ppc_overdue=incidents.ppc_overdue(today))
    open_incidents, ppc_overdue = inc["open"], inc["ppc_overdue"]
    incidents_href = _url("incidents:index", status="open")
    incident_rows = [
        Count_("対応中の事案", open_incidents, incidents_href),
        Count_(
            "個人情報保護委員会への報告期限超過", ppc_overdue, _url("incidents:index", status="open"), ppc_overdue > 0
        ),
    ]
    return Dashboard(
        fiscal_year=fiscal_year,
        today=today,
        as_of=as_of,
        wide=wide,
        selfcheck=_selfcheck(user, m, fiscal_year, today),
        audits=_audits(m, fiscal_year, units, wide, linkable=has_perm_somewhere(user, Perm.AUDIT_VIEW)),
        findings=_findings(user, today),
        training=_training(m, as_of, units, wide),
        third_parties=third,
        ismap=ismap,
        incidents=incident_rows,
        unsigned_reviews=list(reviews[:50]),
        reports=reports,
    )
