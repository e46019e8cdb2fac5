"""The 年度's self-inspection campaigns and audits as an OSCAL assessment plan and assessment results.

- Plan: one activity per campaign (its checklist items as steps, each naming the commitment it checks) and per
  audit (its audit items as steps); one task per campaign (the deadline) and per audit (the planned dates); the
  target units as assessment subjects (organisation parties).
- Results: one result for the 年度. Observations are the answers of submitted or accepted checklists (a draft is
  not yet certified by the 所属長) and the recorded results of the audits' current items; findings are the 年度's
  findings (指摘事項), each aimed at its commitment's statement and tied to the observation it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from piaops.assessments.models import AssessmentReport
from piaops.audits.models import Audit, AuditItem
from piaops.findings.models import Finding, FindingStatus
from piaops.lib.fiscal import fiscal_year_end, fiscal_year_start
from piaops.reports.oscal.catalog import Controls
from piaops.reports.oscal.common import (
    Doc,
    day_end,
    day_start,
    line,
    metadata,
    prop,
    props,
    report_resource,
    report_resource_uuid,
    stable_uuid,
    stamp,
    unit_subject,
    with_list,
)
from piaops.selfcheck.models import DONE, Answer, Campaign, Checklist, TemplateItem
from piaops.tenancy.models import OrgUnit

SELFCHECK_SOURCE, AUDIT_SOURCE = "selfcheck.answer", "audits.item"


@dataclass
class Scope:
    """What one 年度 holds for the municipality of the report."""

    report: AssessmentReport
    fiscal_year: int
    campaigns: list[Campaign]
    audits: list[Audit]
    controls: Controls
    units: dict[int, OrgUnit] = field(default_factory=dict)

    def unit(self, unit: OrgUnit) -> OrgUnit:
        self.units.setdefault(unit.pk, unit)
        return unit


def scope(report: AssessmentReport, fiscal_year: int) -> Scope:
    m = report.municipality_id
    campaigns = list(Campaign.objects.for_municipality(m).filter(fiscal_year=fiscal_year).order_by("id"))
    audits = list(
        Audit.objects.filter(municipality_id=m, programme__fiscal_year=fiscal_year)
        .select_related("unit", "programme")
        .order_by("planned_start", "id")
    )
    return Scope(report, fiscal_year, campaigns, audits, Controls(report))


# ------------------------------------------------------------------------------------------------- observations


def answer_observation(a: Answer, number: int, collected: dt.datetime, controls: Controls) -> Doc:
    """One checklist answer (with ``item`` and ``checklist__unit`` loaded) as an observation."""
    unit = a.checklist.unit
    text = [a.item.text, f"回答：{a.get_value_display()}"]
    if a.comment.strip():
        text.append(f"コメント：{a.comment}")
    if a.improvement_plan.strip():
        text.append(f"改善計画：{a.improvement_plan}")
    if a.target_date:
        text.append(f"改善予定日：{a.target_date.isoformat()}")
    obs: Doc = {
        "uuid": stable_uuid(a.municipality_id, "answer", a.pk),
        "title": line(f"{unit.name} 自己点検 項目{number}"),
        "description": "\n\n".join(text),
        "props": props(
            prop("source", "自己点検"),
            prop("campaign", str(a.checklist.campaign)),
            prop("item-number", number),
            prop("answer", a.value, cls=a.value),
            prop("answer-label", a.get_value_display()),
            prop("checklist-status", a.checklist.get_status_display()),
        )
        + controls.props(a.item.commitment_id),
        "methods": ["INTERVIEW"],
        "types": ["control-objective"],
        "subjects": [unit_subject(unit)],
        "collected": stamp(collected),
    }
    return obs


def audit_observation(i: AuditItem, collected: dt.datetime, controls: Controls) -> Doc:
    """One audit item (with ``audit__unit`` loaded, and its evidence) as an observation."""
    audit = i.audit
    text = [i.text, f"結果：{i.get_result_display()}"]
    if i.notes.strip():
        text.append(f"所見：{i.notes}")
    obs: Doc = {
        "uuid": stable_uuid(i.municipality_id, "audit-item", i.pk),
        "title": line(f"{audit.unit.name} {audit.get_audit_type_display()} 監査項目{i.order}"),
        "description": "\n\n".join(text),
        "props": props(
            prop("source", "監査"),
            prop("audit-type", audit.get_audit_type_display()),
            prop("result", i.result, cls=i.result),
            prop("result-label", i.get_result_display()),
        )
        + controls.props(i.commitment_id),
        "methods": ["EXAMINE", "INTERVIEW"] if audit.audit_type == "onsite" else ["EXAMINE"],
        "types": ["control-objective"],
        "subjects": [unit_subject(audit.unit)],
        "collected": stamp(collected),
    }
    evidence = [{"description": f"{e.name}（SHA-256 {e.sha256}）"} for e in i.evidence.all()]
    if i.working_paper.strip():
        evidence.insert(0, {"description": f"監査調書：{i.working_paper}"})
    with_list(obs, "relevant-evidence", evidence)
    if i.correction_reason.strip():
        obs["remarks"] = f"訂正の理由：{i.correction_reason}"
    return obs


def answer_observations(answers: Iterable[Answer], now: dt.datetime, controls: Controls) -> dict[int, Doc]:
    """Observations of ``answers`` by answer id, numbered as on the unit's checklist."""
    numbers: dict[int, dict[int, int]] = {}
    out: dict[int, Doc] = {}
    for a in answers:
        campaign = a.checklist.campaign
        if campaign.pk not in numbers:
            numbers[campaign.pk] = campaign.item_numbers()
        collected = a.checklist.submitted_at or a.updated_at or now
        out[a.pk] = answer_observation(a, numbers[campaign.pk].get(a.item_id, 0), collected, controls)
    return out


def answers_query(**filters: object) -> Iterable[Answer]:
    return (
        Answer.objects.filter(**filters)
        .exclude(value="")
        .select_related("item", "checklist__unit", "checklist__campaign")
        .order_by("checklist__campaign_id", "checklist__unit__path", "item__template_id", "item__order", "item_id")
    )


def audit_items_query(**filters: object) -> Iterable[AuditItem]:
    return (
        AuditItem.objects.current()
        .filter(**filters)
        .exclude(result="")
        .select_related("audit__unit")
        .prefetch_related("evidence")
        .order_by("audit__planned_start", "audit_id", "order", "id")
    )


def audit_observations(items: Iterable[AuditItem], now: dt.datetime, controls: Controls) -> dict[int, Doc]:
    return {i.pk: audit_observation(i, i.updated_at or i.audit.completed_at or now, controls) for i in items}


def finding_target(f: Finding, controls: Controls) -> Doc:
    state = "satisfied" if f.status == FindingStatus.VERIFIED else "not-satisfied"
    if f.commitment_id:
        status: Doc = {"state": state}
        if elsewhere := controls.elsewhere(f.commitment_id):
            status["remarks"] = f"{elsewhere}の約束です（この版のカタログに対応する約束はありません）。"
        return {
            "type": "statement-id",
            "target-id": controls.statement_id(f.commitment_id),
            "title": line(f.commitment.text, limit=80) if f.commitment else controls.control_id(f.commitment_id),
            "status": status,
        }
    return {
        "type": "objective-id",
        "target-id": f"finding-{f.pk}",
        "title": line(f.title, limit=80),
        "status": {"state": state, "remarks": "評価書の約束に結び付いていない指摘事項です。"},
    }


def finding_props(f: Finding, controls: Controls) -> list[Doc]:
    return props(
        prop("unit", f.unit.name),
        prop("fiscal-year", f.fiscal_year),
        prop("severity", f.get_severity_display(), cls=f.severity),
        prop("status", f.get_status_display(), cls=f.status),
        prop("source", f.get_source_display(), cls=f.source),
    ) + controls.props(f.commitment_id)


def source_observation(f: Finding, answers: dict[int, Doc], items: dict[int, Doc]) -> Doc | None:
    """The observation the finding came from, when it is in ``answers`` / ``items``."""
    if f.source_id is None:
        return None
    if f.source_type == SELFCHECK_SOURCE:
        return answers.get(f.source_id)
    if f.source_type == AUDIT_SOURCE:
        return items.get(f.source_id)
    return None


def finding_doc(f: Finding, observation: Doc | None, controls: Controls) -> Doc:
    doc: Doc = {
        "uuid": stable_uuid(f.municipality_id, "finding", f.pk),
        "title": line(f.title) or f"指摘事項 {f.pk}",
        "description": f.description.strip() or f.title,
        "props": finding_props(f, controls),
        "target": finding_target(f, controls),
    }
    if observation is not None:
        doc["related-observations"] = [{"observation-uuid": observation["uuid"]}]
    if f.evidence.strip():
        doc["remarks"] = f"根拠・証跡：{f.evidence}"
    return doc


# --------------------------------------------------------------------------------------------------------- plan


def _campaign_activity(c: Campaign, controls: Controls) -> tuple[Doc, list[int | None]]:
    items: list[TemplateItem] = c.items()
    steps = []
    for n, item in enumerate(items, start=1):
        step: Doc = {
            "uuid": stable_uuid(c.municipality_id, "campaign-step", c.pk, item.pk),
            "title": line(f"項目{n} {item.get_category_display()}"),
            "description": item.text,
            "props": props(prop("item-number", n), prop("category", item.get_category_display(), cls=item.category)),
        }
        if item.commitment_id:
            step["reviewed-controls"] = controls.reviewed([item.commitment_id], "この点検項目で確かめる約束")
        if item.guidance.strip():
            step["remarks"] = item.guidance
        steps.append(step)
    activity: Doc = {
        "uuid": stable_uuid(c.municipality_id, "campaign-activity", c.pk),
        "title": line(f"自己点検：{c}"),
        "description": c.instructions.strip() or "所属長が自己点検票の各項目に回答し、確認のうえ提出する。",
        "props": props(prop("fiscal-year", c.fiscal_year), prop("status", c.get_status_display(), cls=c.status)),
    }
    with_list(activity, "steps", steps)
    return activity, [i.commitment_id for i in items]


def _audit_activity(a: Audit, controls: Controls) -> tuple[Doc, list[int | None]]:
    items = list(a.items.current().order_by("order", "id"))
    steps = []
    for item in items:
        step: Doc = {
            "uuid": stable_uuid(a.municipality_id, "audit-step", item.pk),
            "title": line(f"監査項目{item.order}"),
            "description": item.text,
        }
        if item.commitment_id:
            step["reviewed-controls"] = controls.reviewed([item.commitment_id], "この監査項目で確かめる約束")
        steps.append(step)
    works = "、".join(w.name for w in a.works.all().order_by("name"))
    activity: Doc = {
        "uuid": stable_uuid(a.municipality_id, "audit-activity", a.pk),
        "title": line(f"監査：{a.unit.name}（{a.get_audit_type_display()}）"),
        "description": f"{a.programme.title}に基づく{a.get_audit_type_display()}。対象事務：{works or '—'}",
        "props": props(
            prop("audit-type", a.get_audit_type_display(), cls=a.audit_type),
            prop("status", a.get_status_display(), cls=a.status),
            prop("programme", a.programme.title),
        ),
    }
    with_list(activity, "steps", steps)
    return activity, [i.commitment_id for i in items]


def _subjects(units: list[OrgUnit], description: str) -> Doc:
    return {
        "type": "party",
        "description": description,
        "include-subjects": [unit_subject(u) for u in sorted(units, key=lambda u: (u.path, u.pk))],
    }


def _plan_parts(s: Scope) -> tuple[list[Doc], list[Doc], list[int | None], list[OrgUnit]]:
    activities: list[Doc] = []
    tasks: list[Doc] = []
    reviewed: list[int | None] = []
    all_units: list[OrgUnit] = []
    for c in s.campaigns:
        activity, commitment_ids = _campaign_activity(c, s.controls)
        activities.append(activity)
        reviewed += commitment_ids
        units = [s.unit(t.unit) for t in c.campaign_targets.select_related("unit").order_by("unit__path")]
        all_units += units
        task: Doc = {
            "uuid": stable_uuid(c.municipality_id, "campaign-task", c.pk),
            "type": "action",
            "title": line(str(c)),
            "description": f"{c}（提出期限 {c.deadline.isoformat()}）",
            "props": props(prop("status", c.get_status_display(), cls=c.status)),
            "timing": (
                {"within-date-range": {"start": stamp(c.launched_at), "end": day_end(c.deadline)}}
                if c.launched_at and c.launched_at.date() <= c.deadline
                else {"on-date": {"date": day_end(c.deadline)}}
            ),
        }
        if units:
            task["associated-activities"] = [
                {"activity-uuid": activity["uuid"], "subjects": [_subjects(units, "自己点検の対象所属")]}
            ]
        tasks.append(task)
    for a in s.audits:
        activity, commitment_ids = _audit_activity(a, s.controls)
        activities.append(activity)
        reviewed += commitment_ids
        all_units.append(s.unit(a.unit))
        tasks.append(
            {
                "uuid": stable_uuid(a.municipality_id, "audit-task", a.pk),
                "type": "action",
                "title": line(f"監査：{a.unit.name}（{a.get_audit_type_display()}）"),
                "props": props(prop("status", a.get_status_display(), cls=a.status)),
                "timing": {"within-date-range": {"start": day_start(a.planned_start), "end": day_end(a.planned_end)}},
                "associated-activities": [
                    {"activity-uuid": activity["uuid"], "subjects": [_subjects([a.unit], "監査対象所属")]}
                ],
            }
        )
    return activities, tasks, reviewed, all_units


def plan_uuid(report: AssessmentReport, fiscal_year: int) -> str:
    return stable_uuid(report.municipality_id, "assessment-plan", report.pk, fiscal_year)


def build_plan(report: AssessmentReport, *, fiscal_year: int, now: dt.datetime) -> Doc:
    """The assessment-plan document (``{"assessment-plan": …}``) of the 年度."""
    s = scope(report, fiscal_year)
    activities, tasks, reviewed, units = _plan_parts(s)
    body: Doc = {
        "uuid": plan_uuid(report, fiscal_year),
        "metadata": metadata(
            title=f"{fiscal_year}年度 自己点検・監査の計画（{report.title}）",
            now=now,
            version=f"{fiscal_year}年度",
            municipality=report.municipality,
            units=units,
            extra_props=props(prop("fiscal-year", fiscal_year)),
        ),
        # The report plays the part of the system security plan: it describes the system and its measures.
        "import-ssp": {"href": f"#{report_resource_uuid(report)}", "remarks": "特定個人情報保護評価書"},
        "reviewed-controls": s.controls.reviewed(
            reviewed, "評価書の約束（コミットメント）のうち点検・監査で確かめるもの"
        ),
    }
    if activities:
        body["local-definitions"] = {"activities": activities}
    if units:
        body["assessment-subjects"] = [_subjects(list(s.units.values()), "自己点検・監査の対象所属")]
    with_list(body, "tasks", tasks)
    body["back-matter"] = {"resources": [report_resource(report)]}
    return {"assessment-plan": body}


# ------------------------------------------------------------------------------------------------------ results


def build_results(report: AssessmentReport, *, fiscal_year: int, now: dt.datetime) -> Doc:
    """The assessment-results document (``{"assessment-results": …}``) of the 年度."""
    s = scope(report, fiscal_year)
    m = report.municipality
    answer_rows = list(answers_query(checklist__campaign__in=s.campaigns, checklist__status__in=DONE))
    item_rows = list(audit_items_query(audit__in=s.audits))
    answers = answer_observations(answer_rows, now, s.controls)
    items = audit_observations(item_rows, now, s.controls)
    checked = [a.item.commitment_id for a in answer_rows] + [i.commitment_id for i in item_rows]
    findings = list(
        Finding.objects.for_municipality(m)
        .filter(fiscal_year=fiscal_year)
        .select_related("unit", "commitment")
        .order_by("unit__path", "id")
    )
    units: list[OrgUnit] = [s.unit(c.unit) for c in _checklists(s)] + [s.unit(a.unit) for a in s.audits]
    units += [f.unit for f in findings]
    start = fiscal_year_start(fiscal_year)
    end = min(fiscal_year_end(fiscal_year), now.date())
    result: Doc = {
        "uuid": stable_uuid(m.pk, "result", report.pk, fiscal_year),
        "title": f"{fiscal_year}年度 自己点検・監査の結果",
        "description": (
            f"{fiscal_year}年度の自己点検（{len(s.campaigns)}件）と監査（{len(s.audits)}件）の結果。"
            "観察は提出・確認済みの自己点検票の回答と監査項目の結果、発見事項は指摘事項です。"
        ),
        "start": day_start(start),
        "reviewed-controls": s.controls.reviewed(checked, "点検・監査で確かめた約束"),
    }
    if end >= start:
        result["end"] = day_end(end)
    with_list(result, "observations", [*answers.values(), *items.values()])
    with_list(result, "findings", [finding_doc(f, source_observation(f, answers, items), s.controls) for f in findings])
    body: Doc = {
        "uuid": stable_uuid(m.pk, "assessment-results", report.pk, fiscal_year),
        "metadata": metadata(
            title=f"{fiscal_year}年度 自己点検・監査の結果（{report.title}）",
            now=now,
            version=f"{fiscal_year}年度",
            municipality=m,
            units=units,
            extra_props=props(prop("fiscal-year", fiscal_year)),
        ),
        "import-ap": {"href": f"#{stable_uuid(m.pk, 'plan-resource', report.pk, fiscal_year)}"},
        "results": [result],
        "back-matter": {
            "resources": [
                report_resource(report),
                {
                    "uuid": stable_uuid(m.pk, "plan-resource", report.pk, fiscal_year),
                    "title": f"{fiscal_year}年度 自己点検・監査の計画",
                    "props": props(prop("assessment-plan-uuid", plan_uuid(report, fiscal_year))),
                    "rlinks": [{"href": f"assessment-plan-{report.pk}-{fiscal_year}.json"}],
                },
            ]
        },
    }
    return {"assessment-results": body}


def _checklists(s: Scope) -> list[Checklist]:
    return list(Checklist.objects.filter(campaign__in=s.campaigns).select_related("unit"))
