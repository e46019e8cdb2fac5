"""The assessment report as an OSCAL catalog: each section (章) a group, each item (評価項目) a group inside it, each
commitment (約束) a control of its item. Japanese text is kept as written; every group and control carries its
source reference (section number, item number, line span of the imported text) as properties and a link to the
back-matter resource that stands for the report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from piaops.assessments.models import AssessmentReport, Commitment, Item, Section
from piaops.reports.oscal.common import (
    NS,
    Doc,
    line,
    metadata,
    prop,
    props,
    report_resource,
    report_resource_uuid,
    source_lines,
    stable_uuid,
    with_list,
)


def control_id(commitment_id: int) -> str:
    """The control id of a commitment (stable: the commitment's id in piaops)."""
    return f"cmt-{commitment_id}"


def statement_id(commitment_id: int) -> str:
    return f"cmt-{commitment_id}_smt"


def _source_link(report: AssessmentReport, where: str) -> Doc:
    return {"href": f"#{report_resource_uuid(report)}", "rel": "reference", "text": line(f"{report.title} {where}")}


def _section_group(report: AssessmentReport, section: Section, items: list[Doc]) -> Doc:
    lines = source_lines(section.start_line, section.end_line)
    group: Doc = {
        "id": f"sec-{section.pk}",
        "class": "section",
        "title": line(f"{section.number} {section.title}") or section.number,
        "props": props(
            prop("label", section.number),
            prop("source-section", section.number),
            prop("source-lines", lines),
        ),
        "links": [_source_link(report, f"{section.number}（{lines}行）" if lines else section.number)],
    }
    if section.text.strip():
        group["parts"] = [{"id": f"sec-{section.pk}_ovw", "name": "overview", "prose": section.text}]
    return with_list(group, "groups", items)


def _item_group(report: AssessmentReport, item: Item, controls: list[Doc]) -> Doc:
    lines = source_lines(item.start_line, item.end_line)
    where = f"{item.section.number} {item.number_path}" + (f"（{lines}行）" if lines else "")
    group: Doc = {
        "id": f"item-{item.pk}",
        "class": "item",
        "title": line(f"{item.number_path} {item.title}") or item.number_path,
        "props": props(
            prop("label", item.number_path),
            prop("group-title", item.group_title),
            prop("parent-item", item.parent_path),
            prop("selected-choice", item.selected_choice),
            prop("source-section", item.section.number),
            prop("source-item", item.number_path),
            prop("source-lines", lines),
        ),
        "links": [_source_link(report, where)],
    }
    parts: list[Doc] = []
    if item.question.strip():
        parts.append({"id": f"item-{item.pk}_qst", "name": "question", "ns": NS, "prose": item.question})
    if item.choices:
        prose = "\n".join(f"- {c}" for c in item.choices)
        parts.append({"id": f"item-{item.pk}_chc", "name": "choices", "ns": NS, "prose": prose})
    if item.text.strip():
        parts.append({"id": f"item-{item.pk}_ovw", "name": "overview", "prose": item.text})
    with_list(group, "parts", parts)
    return with_list(group, "controls", controls)


def _control(report: AssessmentReport, c: Commitment, number: int) -> Doc:
    item = c.item
    lines = source_lines(c.start_line, c.end_line)
    where = f"{item.section.number} {item.number_path} 約束{number}" + (f"（{lines}行）" if lines else "")
    parts: list[Doc] = [{"id": statement_id(c.pk), "name": "statement", "prose": c.text}]
    if c.source_text.strip() and c.source_text.strip() != c.text.strip():
        parts.append({"id": f"{control_id(c.pk)}_src", "name": "source-text", "ns": NS, "prose": c.source_text})
    return {
        "id": control_id(c.pk),
        "class": c.kind or "other",
        "title": line(c.text, limit=80) or f"{item.number_path} 約束{number}",
        "props": props(
            prop("label", f"{item.number_path}-{number}"),
            prop("kind", c.get_kind_display()),
            prop("cadence", c.cadences_label),
            prop("party", c.party_name or (c.party.name if c.party else "")),
            prop("owner-unit", c.owner_unit.name if c.owner_unit else ""),
            prop("change-from-previous-version", c.get_change_display()),
            prop("source-section", item.section.number),
            prop("source-item", item.number_path),
            prop("source-lines", lines),
        ),
        "links": [_source_link(report, where)],
        "parts": parts,
    }


def build(report: AssessmentReport, *, now: dt.datetime) -> Doc:
    """The catalog document (``{"catalog": …}``) of one assessment report."""
    m = report.municipality
    commitments: dict[int, list[Commitment]] = defaultdict(list)
    for c in (
        Commitment.objects.filter(report=report)
        .select_related("item__section", "party", "owner_unit")
        .order_by("item__order", "order", "id")
    ):
        commitments[c.item_id].append(c)
    items: dict[int, list[Item]] = defaultdict(list)
    for item in Item.objects.filter(report=report).select_related("section").order_by("order", "id"):
        items[item.section_id].append(item)
    groups = []
    for section in Section.objects.filter(report=report).order_by("order", "id"):
        item_groups = [
            _item_group(report, item, [_control(report, c, n) for n, c in enumerate(commitments[item.pk], start=1)])
            for item in items[section.pk]
        ]
        groups.append(_section_group(report, section, item_groups))
    body: Doc = {
        "uuid": stable_uuid(m.pk, "catalog", report.pk),
        "metadata": metadata(
            title=f"{report.title}（第{report.version}版）の約束",
            now=now,
            version=f"第{report.version}版",
            municipality=m,
            extra_props=props(prop("series", report.series), prop("report-number", report.report_number)),
            remarks="評価書の章・評価項目をグループ、約束（コミットメント）をコントロールとして表したものです。",
        ),
    }
    with_list(body, "groups", groups)
    body["back-matter"] = {"resources": [report_resource(report)]}
    return {"catalog": body}
