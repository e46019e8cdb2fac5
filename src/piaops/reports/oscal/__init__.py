"""OSCAL export of an assessment report and a 年度: the catalog of the report's commitments, the assessment plan
and results of the 年度's self-inspection and audits, and the POA&M of open findings. Plain dicts and JSON with
OSCAL 1.1.x field names; the tests read every document with compliance-trestle's models."""

from __future__ import annotations

import datetime as dt
import json

from piaops.assessments.models import AssessmentReport
from piaops.audittrail.context import Actor
from piaops.audittrail.services import record_export
from piaops.reports.oscal import assessment, catalog, poam
from piaops.reports.oscal.common import OSCAL_VERSION, Doc, NothingToExport, stable_uuid
from piaops.reports.section4_export import File

MODELS = ("catalog", "assessment-plan", "assessment-results", "poam")
LABELS = {
    "catalog": "カタログ（評価書の約束）",
    "assessment-plan": "評価計画（自己点検・監査）",
    "assessment-results": "評価結果（回答・監査結果・指摘事項）",
    "poam": "POA&M（未完了の指摘事項と改善計画）",
}
CONTENT_TYPE = "application/json; charset=utf-8"

__all__ = ["LABELS", "MODELS", "OSCAL_VERSION", "NothingToExport", "build", "export", "stable_uuid", "to_json"]


def build(report: AssessmentReport, *, model: str, fiscal_year: int, now: dt.datetime) -> Doc:
    """The OSCAL document ``model`` (one of ``MODELS``) as a dict with its root key. Raises ``NothingToExport`` for a
    POA&M without any open finding (OSCAL requires one item at least)."""
    if model == "catalog":
        return catalog.build(report, now=now)
    if model == "assessment-plan":
        return assessment.build_plan(report, fiscal_year=fiscal_year, now=now)
    if model == "assessment-results":
        return assessment.build_results(report, fiscal_year=fiscal_year, now=now)
    if model == "poam":
        return poam.build(report, fiscal_year=fiscal_year, now=now)
    raise ValueError(f"モデルは {', '.join(MODELS)} のいずれかです。")


def to_json(doc: Doc) -> bytes:
    """UTF-8 JSON with the Japanese text as it is (not \\u escapes)."""
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export(
    report: AssessmentReport, *, model: str, fiscal_year: int, now: dt.datetime, actor: Actor | None = None
) -> File:
    """The JSON file of ``model``, recorded in the audit trail as an export."""
    doc = build(report, model=model, fiscal_year=fiscal_year, now=now)
    content = to_json(doc)
    body = next(iter(doc.values()))
    rows = sum(len(body.get(k, [])) for k in ("groups", "tasks", "results", "risks", "poam-items"))
    record_export(
        municipality_id=report.municipality_id,
        what=f"OSCAL {LABELS[model]}",
        file_format="json",
        rows=rows,
        criteria={"report": report.pk, "fiscal_year": fiscal_year, "model": model},
        actor=actor,
    )
    name = f"{model}-{report.pk}.json" if model == "catalog" else f"{model}-{report.pk}-{fiscal_year}.json"
    return File(content, CONTENT_TYPE, name)
