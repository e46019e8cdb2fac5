"""Many reports at once (issue 18 §3): each file of a folder (or of one upload) imported as the next version of
the report of *its* work, found by the report's own 事務の名称.

Matching never creates anything: a report whose work is not registered, or matches several works, is listed for the
operator and not imported. Each file is its own transaction (:func:`services.report_save`), so a folder is imported
all-or-nothing per file; a file identical to its work's newest version is reported as unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any

from piaops.assessments import services
from piaops.assessments.parsed import ParsedReport
from piaops.assessments.parser.normalize import clean, compact
from piaops.tenancy.models import Municipality, User, Work

IMPORTED, PLANNED, UNCHANGED, UNKNOWN_WORK, AMBIGUOUS_WORK, REFUSED = (
    "imported",
    "planned",
    "unchanged",
    "unknown_work",
    "ambiguous_work",
    "refused",
)
STATUS_LABELS = {
    IMPORTED: "取込済",
    PLANNED: "取込予定（確認のみ）",
    UNCHANGED: "変更なし",
    UNKNOWN_WORK: "事務が未登録",
    AMBIGUOUS_WORK: "事務を特定できない",
    REFUSED: "取り込めない",
}
# File names a folder import reads (others — notes, thumbnails — are skipped, and listed as skipped).
REPORT_SUFFIXES = (".pdf", ".xlsx", ".docx", ".txt", ".md", ".html", ".htm")

_TIER_SUFFIX = re.compile(r"(?:全項目|重点項目|基礎項目)?評価書?$")
# Wording that varies between a report's 事務の名称 and the name a municipality registered
# ("地方税の賦課徴収に関する事務" / "地方税賦課徴収事務").
_FILLERS = re.compile(r"に関する|に係る|における|についての|の|等")


def work_key(name: str) -> str:
    """The comparable form of a work's name: normalised characters, no spaces, no tier suffix (…全項目評価書),
    without the connecting words that vary between writers, without a trailing 事務."""
    key = _TIER_SUFFIX.sub("", compact(clean(name)))
    key = _FILLERS.sub("", key)
    return key.removesuffix("事務")


def stated_work(parsed: ParsedReport) -> str:
    """The work the report names: Ⅰ ①事務の名称, else its 評価書名."""
    return parsed.business_name or parsed.work_name


def match_work(municipality: Municipality, parsed: ParsedReport) -> tuple[list[Work], str]:
    """The municipality's active works whose name matches the report's own (exactly first, then by
    :func:`work_key`), and the name the report states. Zero or several works: the caller lists the file."""
    stated = stated_work(parsed)
    if not stated:
        return [], ""
    works = list(Work.objects.for_municipality(municipality).filter(is_active=True))
    exact = [w for w in works if compact(clean(w.name)) == compact(clean(stated))]
    if exact:
        return exact, stated
    key = work_key(stated)
    return [w for w in works if key and work_key(w.name) == key], stated


@dataclass
class FileOutcome:
    """What happened to one file (``status``: one of the constants above)."""

    name: str
    status: str
    stated_work: str = ""
    work: str = ""
    version: int | None = None
    report_id: int | None = None
    items: int = 0
    commitments: int = 0
    warnings: int = 0
    message: str = ""
    line: int | None = None
    plan: services.ImportPlan | None = field(default=None, repr=False, compare=False)  # when the work was found

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict[str, Any]:
        fields = {f.name: getattr(self, f.name) for f in dataclass_fields(self) if f.name != "plan"}
        return {**fields, "label": self.label}


def import_file(
    *, municipality: Municipality, data: bytes, filename: str, user: User | None, dry_run: bool = False
) -> FileOutcome:
    """Read ``data``, find its work, and save it as that work's next version (unless ``dry_run``). Never raises
    for the file's content: a refusal is an outcome with its message and line."""
    try:
        read = services.report_read(data=data, filename=filename)
    except services.ReportImportError as exc:
        return FileOutcome(filename, REFUSED, message=exc.message, line=exc.line)
    return import_read(municipality=municipality, read=read, filename=filename, user=user, dry_run=dry_run)


def import_read(
    *, municipality: Municipality, read: services.ReadReport, filename: str, user: User | None, dry_run: bool = False
) -> FileOutcome:
    """:func:`import_file` for a file already read (the upload page keeps the text between preview and save)."""
    works, stated = match_work(municipality, read.parsed)
    outcome = FileOutcome(filename, PLANNED, stated_work=stated, warnings=len(read.parsed.warnings))
    if len(works) != 1:
        outcome.status = AMBIGUOUS_WORK if works else UNKNOWN_WORK
        outcome.message = (
            f"事務「{stated}」に当たる事務が複数あります（{'、'.join(w.name for w in works)}）。"
            if works
            else (
                f"事務「{stated}」が登録されていません。事務を登録してから取り込み直してください。"
                if stated
                else "評価書に事務の名称（Ⅰ ①事務の名称、または評価書名）が見つかりません。"
            )
        )
        return outcome
    outcome.work = works[0].name
    try:
        plan = services.report_plan(municipality=municipality, works=works, parsed=read.parsed, filename=filename)
        outcome.plan = plan
        outcome.version = plan.version
        outcome.items, outcome.commitments = plan.counts["items"], plan.counts["commitments"]
        if plan.previous is not None and plan.previous.source_sha256 == read.sha256:
            outcome.status, outcome.version = UNCHANGED, plan.previous.version
            outcome.report_id = plan.previous.pk
            return outcome
        if dry_run:
            return outcome
        report = services.report_save(
            municipality=municipality,
            works=works,
            plan=plan,
            text=read.text,
            encoding=read.encoding,
            sha256=read.sha256,
            filename=filename,
            user=user,
        )
    except services.ReportImportError as exc:
        outcome.status, outcome.message, outcome.line = REFUSED, exc.message, exc.line
        return outcome
    outcome.status, outcome.report_id, outcome.version = IMPORTED, report.pk, report.version
    return outcome
