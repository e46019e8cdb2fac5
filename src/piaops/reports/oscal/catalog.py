"""The assessment report as an OSCAL catalog: each section (章) a group, each item (評価項目) a group inside it, each
commitment (約束) a control of its item. Japanese text is kept as written; every group and control carries its
source reference (section number, item number, line span of the imported text) as properties and a link to the
back-matter resource that stands for the report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

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


class Controls:
    """The control ids of commitments as the catalog of ``report`` names them, for the documents exported with it.

    Findings, checklist items and audit items keep pointing at the commitment of the version they were made
    with; after a new version is imported, that commitment is not in the current catalog. Such a commitment is
    followed along the ``previous`` chain (backwards and forwards) to its counterpart in ``report``. One that has
    none (dropped or rewritten in ``report``'s version, or of another report) keeps its own id, and
    :meth:`props` says which version's catalog holds it.
    """

    def __init__(self, report: AssessmentReport) -> None:
        self.report = report
        rows = Commitment.objects.filter(
            municipality_id=report.municipality_id, report__series=report.series
        ).values_list("id", "previous_id", "report_id")
        self._previous: dict[int, int | None] = {}
        self._report_of: dict[int, int] = {}
        self._successors: dict[int, list[int]] = defaultdict(list)
        for pk, previous_id, report_id in rows:
            self._previous[pk] = previous_id
            self._report_of[pk] = report_id
            if previous_id:
                self._successors[previous_id].append(pk)
        self._resolved: dict[int, int | None] = {}
        self._catalogs: dict[int, AssessmentReport] = {}

    def current(self, commitment_id: int) -> int | None:
        """The id of ``commitment_id``'s counterpart in the report's catalog, or None when it has none."""
        if commitment_id not in self._resolved:
            self._resolved[commitment_id] = self._follow(commitment_id)
        return self._resolved[commitment_id]

    def _follow(self, start: int) -> int | None:
        here = self.report.pk
        pk: int | None = start
        while pk is not None and pk in self._report_of:  # backwards: a newer version's commitment
            if self._report_of[pk] == here:
                return pk
            pk = self._previous.get(pk)
        frontier = [start]  # forwards: an older version's commitment, to its successor(s) in the report
        while frontier:
            frontier = sorted(s for pk in frontier for s in self._successors.get(pk, []))
            for pk in frontier:
                if self._report_of[pk] == here:
                    return pk
        return None

    def in_catalog(self, commitment_id: int) -> bool:
        return self.current(commitment_id) is not None

    def control_id(self, commitment_id: int) -> str:
        return control_id(self.current(commitment_id) or commitment_id)

    def statement_id(self, commitment_id: int) -> str:
        return statement_id(self.current(commitment_id) or commitment_id)

    def catalog_of(self, commitment_id: int) -> AssessmentReport:
        """The report (version) whose catalog holds the commitment ``commitment_id`` itself."""
        if commitment_id not in self._catalogs:
            self._catalogs[commitment_id] = AssessmentReport.objects.get(
                municipality_id=self.report.municipality_id, commitments__pk=commitment_id
            )
        return self._catalogs[commitment_id]

    def elsewhere(self, commitment_id: int) -> str:
        """ "" for a commitment in the report's catalog; else the report and version whose catalog holds it."""
        if self.in_catalog(commitment_id):
            return ""
        other = self.catalog_of(commitment_id)
        return f"{other.title}（第{other.version}版）"

    def props(self, commitment_id: int | None) -> list[Doc]:
        """``control-id`` and, for a commitment without a counterpart in the report, the catalog that holds it
        (``control-catalog``: report and version, ``control-catalog-uuid``: that catalog's UUID)."""
        if not commitment_id:
            return []
        out = [prop("control-id", self.control_id(commitment_id))]
        if not self.in_catalog(commitment_id):
            other = self.catalog_of(commitment_id)
            out += [
                prop("control-catalog", self.elsewhere(commitment_id)),
                prop("control-catalog-uuid", catalog_uuid(other)),
            ]
        return props(*out)

    def reviewed(self, commitment_ids: Iterable[int | None], description: str) -> Doc:
        """``reviewed-controls`` of ``commitment_ids``: those in the report's catalog as included controls; those
        of another version's catalog named in the remarks (they are not controls of this catalog)."""
        ids = {c for c in commitment_ids if c}
        selection: Doc = {"description": description}
        included = sorted({current for c in ids if (current := self.current(c)) is not None})
        if included:
            selection["include-controls"] = [{"control-id": control_id(c)} for c in included]
        elif not ids:
            selection["include-all"] = {}
        others = sorted(c for c in ids if not self.in_catalog(c))
        if others:
            selection["remarks"] = "この版のカタログにない約束：" + "、".join(
                f"{control_id(c)}（{self.elsewhere(c)}）" for c in others
            )
        return {"control-selections": [selection]}


def catalog_uuid(report: AssessmentReport) -> str:
    return stable_uuid(report.municipality_id, "catalog", report.pk)


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
        "uuid": catalog_uuid(report),
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
