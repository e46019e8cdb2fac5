"""Open findings as an OSCAL plan of action and milestones (POA&M).

Every finding still open at export time (改善計画未提出, 改善中, 完了報告済) of the 年度 or an earlier one (what is
still open from earlier years is still owed) is a POA&M item with a risk. The risk's remediation is the finding's
follow-up plan (改善計画), and its tasks are the milestones: each progress report (進捗報告), the reported completion
and the due date (完了予定日). The observation a finding came from (a checklist answer or an audit item) is
included and related. OSCAL requires one POA&M item at least: with no open finding, ``NothingToExport``.
"""

from __future__ import annotations

import datetime as dt

from piaops.assessments.models import AssessmentReport
from piaops.findings.models import OPEN_STATUSES, Finding, FindingStatus, FollowUp
from piaops.reports.oscal.assessment import (
    AUDIT_SOURCE,
    SELFCHECK_SOURCE,
    answer_observations,
    answers_query,
    audit_items_query,
    audit_observations,
    finding_props,
    source_observation,
)
from piaops.reports.oscal.catalog import Controls
from piaops.reports.oscal.common import (
    Doc,
    NothingToExport,
    day_end,
    line,
    metadata,
    prop,
    props,
    report_resource,
    report_resource_uuid,
    stable_uuid,
    with_list,
)

RISK_STATUS = {
    FindingStatus.OPEN: "open",
    FindingStatus.PLANNED: "remediating",
    FindingStatus.COMPLETED: "remediating",  # reported done, waiting for verification
}


def _milestones(fu: FollowUp) -> list[Doc]:
    m = fu.municipality_id
    tasks: list[Doc] = [
        {
            "uuid": stable_uuid(m, "progress", p.pk),
            "type": "milestone",
            "title": f"進捗報告 {p.on.isoformat()}",
            "description": p.note,
            "timing": {"on-date": {"date": day_end(p.on)}},
        }
        for p in fu.updates.all()
    ]
    if fu.completed_on:
        tasks.append(
            {
                "uuid": stable_uuid(m, "followup-completed", fu.pk),
                "type": "milestone",
                "title": f"完了報告 {fu.completed_on.isoformat()}",
                "description": fu.completion_note or "完了報告",
                "timing": {"on-date": {"date": day_end(fu.completed_on)}},
            }
        )
    tasks.append(
        {
            "uuid": stable_uuid(m, "followup-due", fu.pk),
            "type": "milestone",
            "title": f"完了予定日 {fu.due_date.isoformat()}",
            "description": "改善計画の完了予定日",
            "timing": {"on-date": {"date": day_end(fu.due_date)}},
        }
    )
    return tasks


def _remediation(fu: FollowUp) -> Doc:
    doc: Doc = {
        "uuid": stable_uuid(fu.municipality_id, "followup", fu.pk),
        "lifecycle": "completed" if fu.completed_on else "planned",
        "title": "改善計画",
        "description": fu.plan,
        "props": props(prop("responsible", fu.responsible), prop("due-date", fu.due_date.isoformat())),
        "tasks": _milestones(fu),
    }
    if fu.actions.strip():
        doc["remarks"] = f"具体的な措置：{fu.actions}"
    return doc


def _risk(f: Finding, observation: Doc | None, controls: Controls) -> Doc:
    fu: FollowUp | None = getattr(f, "followup", None)
    risk: Doc = {
        "uuid": stable_uuid(f.municipality_id, "risk", f.pk),
        "title": line(f.title) or f"指摘事項 {f.pk}",
        "description": f.description.strip() or f.title,
        "statement": f.evidence.strip() or f.description.strip() or f.title,
        "props": finding_props(f, controls),
        "status": RISK_STATUS.get(FindingStatus(f.status), "open"),
    }
    if fu is not None:
        risk["deadline"] = day_end(fu.due_date)
        risk["remediations"] = [_remediation(fu)]
    if observation is not None:
        risk["related-observations"] = [{"observation-uuid": observation["uuid"]}]
    return risk


def build(report: AssessmentReport, *, fiscal_year: int, now: dt.datetime) -> Doc:
    """The POA&M document (``{"plan-of-action-and-milestones": …}``)."""
    m = report.municipality
    findings = list(
        Finding.objects.for_municipality(m)
        .filter(status__in=OPEN_STATUSES, fiscal_year__lte=fiscal_year)
        .select_related("unit", "commitment", "followup")
        .prefetch_related("followup__updates")
        .order_by("fiscal_year", "unit__path", "id")
    )

    if not findings:
        # OSCAL requires at least one poam-item; an invented placeholder item would read as an open finding.
        raise NothingToExport(f"{fiscal_year}年度までの未完了の指摘事項がないため、POA&M は出力できません。")

    def ids(kind: str) -> list[int]:
        return [f.source_id for f in findings if f.source_type == kind and f.source_id is not None]

    controls = Controls(report)
    answers = answer_observations(answers_query(pk__in=ids(SELFCHECK_SOURCE)), now, controls)
    items = audit_observations(audit_items_query(pk__in=ids(AUDIT_SOURCE)), now, controls)
    risks, poam_items = [], []
    for f in findings:
        observation = source_observation(f, answers, items)
        risk = _risk(f, observation, controls)
        risks.append(risk)
        item: Doc = {
            "uuid": stable_uuid(m.pk, "poam-item", f.pk),
            "title": risk["title"],
            "description": risk["description"],
            "props": finding_props(f, controls),
            "related-risks": [{"risk-uuid": risk["uuid"]}],
        }
        if observation is not None:
            item["related-observations"] = [{"observation-uuid": observation["uuid"]}]
        poam_items.append(item)
    body: Doc = {
        "uuid": stable_uuid(m.pk, "poam", report.pk, fiscal_year),
        "metadata": metadata(
            title=f"{fiscal_year}年度 指摘事項の改善計画（{report.title}）",
            now=now,
            version=f"{fiscal_year}年度",
            municipality=m,
            units=[f.unit for f in findings],
            extra_props=props(prop("fiscal-year", fiscal_year)),
            remarks="未完了（確認済でない）の指摘事項と、その改善計画・進捗・完了予定日です。",
        ),
        "import-ssp": {"href": f"#{report_resource_uuid(report)}", "remarks": "特定個人情報保護評価書"},
    }
    with_list(body, "observations", [*answers.values(), *items.values()])
    with_list(body, "risks", risks)
    body["poam-items"] = poam_items
    body["back-matter"] = {"resources": [report_resource(report)]}
    return {"plan-of-action-and-milestones": body}
