"""Writes of the assessments app: import a report as a new version, refine its commitments.

Every function is keyword-only, runs in one transaction with its audit-trail entries, and is called alike by the
views, the CLI and the demo. Reading a file (decode, parse, guards) is separate from saving it, so the preview
shows exactly what the save will store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.db import IntegrityError, transaction

from piaops.assessments import followers
from piaops.assessments.matching import Key, match_commitments, normalise_party
from piaops.assessments.models import (
    AssessmentReport,
    Commitment,
    Item,
    MeasureBlock,
    ReportChange,
    ReportField,
    ReportWork,
    Section,
)
from piaops.assessments.parsed import ParsedMeasureBlock, ParsedReport, ParseWarning, ReportParseError
from piaops.assessments.parser import decode_report, parse_report
from piaops.assessments.parser.documents import extract_text, file_kind
from piaops.assessments.vocab import CommitmentKind, Revision, Tier
from piaops.audittrail.models import Action
from piaops.audittrail.services import record, snapshot
from piaops.lib import cadence as cadence_grammar
from piaops.lib.filescan import my_number_refusal
from piaops.lib.mynumber import contains_my_number
from piaops.tenancy.models import Municipality, Party, User, Work


class ReportImportError(ReportParseError):
    """The file cannot be imported; ``message`` is Japanese, for the user. Nothing was saved."""


# --- reading -------------------------------------------------------------------------------------------------


@dataclass
class ReadReport:
    """A decoded and parsed file that passed the guards."""

    parsed: ParsedReport
    text: str
    encoding: str
    sha256: str  # of the bytes as received, so a stored report can be matched to its file


def _my_number_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if contains_my_number(line):
            return number
    return None


def report_read(*, data: bytes, filename: str = "") -> ReadReport:
    """Decode (text) or extract (PDF, XLSX, DOCX: :mod:`~piaops.assessments.parser.documents`) and parse ``data``;
    raise :class:`ReportImportError` (Japanese, with a line when known) if the file is empty, cannot be read, is not
    a report, or holds a 個人番号 candidate anywhere (:func:`piaops.lib.filescan.my_number_refusal` for files, then
    the line check on the text). ``encoding`` is the text's encoding, or ``pdf``/``xlsx``/``docx``."""
    where = f"「{filename}」" if filename else "ファイル"
    if not data.strip():
        raise ReportImportError(f"{where}は空です。評価書のファイルを選んでください。")
    try:
        kind = file_kind(data, filename)
        if kind is None:
            text, encoding = decode_report(data)
        else:
            text, encoding = extract_text(data, kind), kind
    except ReportParseError as exc:
        raise ReportImportError(f"{where}: {exc.message}", line=exc.line) from exc
    if kind is not None:
        # Every part of the file a person can read (other sheets, comments, metadata), not only the report text.
        refusal = my_number_refusal(filename or f"評価書.{kind}", data)
        if refusal:
            raise ReportImportError(refusal)
    return report_read_text(text=text, encoding=encoding, sha256=hashlib.sha256(data).hexdigest(), filename=filename)


def report_read_text(*, text: str, encoding: str, sha256: str, filename: str = "") -> ReadReport:
    """The guards and the parse of an already decoded text (the upload page keeps the text between preview and
    save). The 個人番号 check runs before the parser sees the text, and names the line, never the number."""
    where = f"「{filename}」" if filename else "ファイル"
    line = _my_number_line(text)
    if line is not None:
        raise ReportImportError(
            f"{where}の{line}行目に個人番号と思われる12桁の数字があります。個人番号は取り込めません。"
            "該当箇所を削除してから取り込んでください。",
            line=line,
        )
    try:
        parsed = parse_report(text)
    except ReportParseError as exc:
        raise ReportImportError(f"{where}: {exc.message}", line=exc.line) from exc
    return ReadReport(parsed=parsed, text=text, encoding=encoding, sha256=sha256)


def check_parsed(parsed: ParsedReport, *, filename: str = "") -> None:
    """Refuse a parse result with nothing to track (the parser accepted it, but it holds no item)."""
    if not parsed.items():
        where = f"「{filename}」" if filename else "ファイル"
        raise ReportImportError(
            f"{where}から評価項目を読み取れませんでした。特定個人情報保護評価書（Ⅳ その他のリスク対策 など）の"
            "テキストであることを確かめてください。"
        )


# --- parties -------------------------------------------------------------------------------------------------

# Labels the reports use for parties whose tenancy name differs (中間サーバー・プラットフォーム is run by J-LIS).
_KIND_HINTS: tuple[tuple[str, str], ...] = (
    ("運用管理補助者", Party.Kind.GOV_CLOUD_OPERATOR),
    ("中間サーバー", Party.Kind.INTERMEDIATE_SERVER),
    ("eltax", Party.Kind.ELTAX_CONTRACTOR),
    ("ガバメントクラウド", Party.Kind.GOVERNMENT_CLOUD),
)


class PartyResolver:
    """Finds the tenancy ``Party`` of a measure block. Rule: (1) a party whose normalised name equals the block's
    party name or label; (2) else the one active party of the block's kind — the parser's ``party_kind``, or
    guessed from the name (the municipality's own name or no party marker → 当団体; 中間サーバー, eLTAX,
    ガバメントクラウド, 運用管理補助者). No match, or two parties of that kind, leaves the party empty; the label
    is kept either way, so an admin can register the party and re-import."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        self.parties = list(Party.objects.for_municipality(municipality).filter(is_active=True))
        self.by_name = {normalise_party(p.name): p for p in self.parties}

    def _only_of_kind(self, kind: str) -> Party | None:
        found = [p for p in self.parties if p.kind == kind]
        return found[0] if len(found) == 1 else None

    def kind_of(self, *, name: str, label: str, kind: str = "") -> str:
        if kind in Party.Kind.values:
            return kind
        key = normalise_party(name or label)
        if not key or key == normalise_party(self.municipality.name):
            return Party.Kind.MUNICIPALITY
        for word, hinted in _KIND_HINTS:
            if word in key:
                return hinted
        return ""

    def resolve(self, *, name: str, label: str, kind: str = "") -> Party | None:
        for candidate in (name, label):
            party = self.by_name.get(normalise_party(candidate)) if candidate else None
            if party is not None:
                return cast("Party | None", party)
        guessed = self.kind_of(name=name, label=label, kind=kind)
        return self._only_of_kind(guessed) if guessed else None


# --- planning (shared by preview and save) -------------------------------------------------------------------


@dataclass
class PartyRow:
    label: str
    name: str
    party: Party | None
    blocks: int


@dataclass
class ImportPlan:
    """What saving would do: the new version's place in its series and how its parts are matched."""

    parsed: ParsedReport
    title: str
    series: str
    version: int
    previous: AssessmentReport | None
    tier: str
    published_on: dt.date | None
    parties: list[PartyRow]
    party_of_block: dict[int, Party | None]  # id(ParsedMeasureBlock) → party
    warnings: list[ParseWarning] = field(default_factory=list)
    revision: str = Revision.CORRECTION

    def get_revision_display(self) -> str:
        return str(Revision(self.revision).label)

    @property
    def older_than_in_force(self) -> bool:
        """The file's 公表日 is older than the version in force: saved as 旧版, it does not displace it."""
        p = self.previous
        return bool(p and p.published_on and self.published_on and self.published_on < p.published_on)

    @property
    def in_force_warning(self) -> str:
        """The preview's warning when this version would not become the one in force (else "")."""
        if not self.older_than_in_force:
            return ""
        assert self.previous is not None and self.previous.published_on is not None
        return (
            f"この評価書の公表日（{self.published_on}）は、現在の第{self.previous.version}版の公表日"
            f"（{self.previous.published_on}）より前です。第{self.version}版として旧版の記録に加えますが、"
            f"現在の版にはしません（公表日の新しい第{self.previous.version}版が引き続き現在の版です）。"
        )

    @cached_property
    def changes(self) -> dict[str, int] | None:
        """Commitments compared with the previous version (None for a first version); computed for the preview
        only — saving links predecessors itself."""
        return _preview_changes(self.previous, self.parsed) if self.previous is not None else None

    @property
    def counts(self) -> dict[str, int]:
        items = self.parsed.items()
        return {
            "sections": len(self.parsed.sections),
            "items": len(items),
            "rated": sum(1 for i in items if i.selected),
            "blocks": sum(len(i.blocks) for i in items),
            "commitments": len(self.parsed.commitments()),
        }


def _series_for(municipality: Municipality, works: Sequence[Work], parsed: ParsedReport) -> tuple[str, Any]:
    """The series key and its current (newest) report: the series the first work's current report belongs to,
    otherwise the 評価書番号, otherwise the works' names."""
    current = (
        AssessmentReport.objects.current()
        .filter(municipality=municipality, report_works__work__in=list(works))
        .order_by("-imported_at", "-pk")
        .first()
    )
    if current is not None:
        return current.series, current
    series = parsed.report_number or "・".join(w.name for w in works)
    newest = AssessmentReport.objects.current().filter(municipality=municipality, series=series).first()
    return series, newest


def _next_version(municipality: Municipality, series: str) -> int:
    """One more than every version of the series (one imported as 旧版 included)."""
    last = AssessmentReport.objects.for_municipality(municipality).filter(series=series).order_by("-version").first()
    return last.version + 1 if last is not None else 1


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def report_plan(
    *,
    municipality: Municipality,
    works: Sequence[Work],
    parsed: ParsedReport,
    tier: str | None = None,
    published_on: dt.date | None = None,
    filename: str = "",
    revision: str | None = None,
) -> ImportPlan:
    """Plan the import of ``parsed`` for ``works`` without writing anything. ``revision`` is the kind of version
    (:class:`Revision`); by default a series' first version is its assessment and a later one a 修正."""
    if not works:
        raise ReportImportError("評価書の対象となる個人番号利用事務を1つ以上選んでください。")
    for work in works:
        if work.municipality_id != municipality.pk:
            raise ReportImportError("他の団体の事務は指定できません。")
    check_parsed(parsed, filename=filename)
    series, newest = _series_for(municipality, works, parsed)
    resolver = PartyResolver(municipality)
    party_of_block: dict[int, Party | None] = {}
    rows: dict[tuple[str, str], PartyRow] = {}
    for item in parsed.items():
        for block in item.blocks:
            party = resolver.resolve(name=block.party_name, label=block.party_label, kind=block.party_kind)
            party_of_block[id(block)] = party
            row = rows.setdefault(
                (block.party_label, block.party_name), PartyRow(block.party_label, block.party_name, party, 0)
            )
            row.blocks += 1
    chosen_tier = tier or parsed.tier or Tier.FULL
    if chosen_tier not in Tier.values:
        raise ReportImportError(f"評価の種類「{chosen_tier}」は選べません。")
    chosen_revision = revision or (Revision.CORRECTION if newest is not None else Revision.REASSESSMENT)
    if chosen_revision not in Revision.values:
        raise ReportImportError(f"版の種類「{chosen_revision}」は選べません。")
    return ImportPlan(
        parsed=parsed,
        title=parsed.title or "・".join(w.name for w in works),
        series=series,
        version=_next_version(municipality, series),
        previous=newest,
        revision=chosen_revision,
        tier=chosen_tier,
        published_on=published_on or _parse_date(parsed.published_on),
        parties=list(rows.values()),
        party_of_block=party_of_block,
        warnings=list(parsed.warnings),
    )


def _preview_changes(previous: AssessmentReport, parsed: ParsedReport) -> dict[str, int]:
    """new / changed / unchanged / removed counts of ``parsed``'s commitments against ``previous``."""
    old = list(Commitment.objects.filter(report=previous).select_related("item").order_by("order"))
    new_keys = [
        Key(item_path=item.number_path, party=normalise_party(block.party_name), text=c.text)
        for item in parsed.items()
        for block in item.blocks
        for c in block.commitments
    ]
    matches = match_commitments([commitment_key(o) for o in old], new_keys)
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    for m in matches:
        counts[m.change] += 1
    counts["removed"] = len(old) - sum(1 for m in matches if m.old_index is not None)
    return counts


def report_preview(
    *,
    municipality: Municipality,
    works: Sequence[Work],
    data: bytes,
    filename: str = "",
    tier: str | None = None,
    published_on: dt.date | None = None,
    revision: str | None = None,
) -> tuple[ReadReport, ImportPlan]:
    """What :func:`report_import` would save, without saving (raises :class:`ReportImportError` likewise)."""
    read = report_read(data=data, filename=filename)
    return read, report_plan(
        municipality=municipality,
        works=works,
        parsed=read.parsed,
        tier=tier,
        published_on=published_on,
        filename=filename,
        revision=revision,
    )


# --- saving --------------------------------------------------------------------------------------------------


def _kind(value: str) -> str:
    return value if value in CommitmentKind.values else CommitmentKind.OTHER


def _cadence(value: str) -> str:
    return value if cadence_grammar.is_value(value) else ""


def commitment_key(c: Commitment) -> Key:
    return Key(
        item_path=c.item.number_path,
        party=normalise_party(c.party_name),
        text=c.text,
        source_text=c.source_text if c.refined else "",
    )


def report_import(
    *,
    municipality: Municipality,
    works: Sequence[Work],
    data: bytes,
    filename: str,
    user: User | None,
    tier: str | None = None,
    published_on: dt.date | None = None,
    revision: str | None = None,
) -> AssessmentReport:
    """Decode, parse and save ``data`` as the next version of the works' report series (see :func:`report_save`)."""
    read = report_read(data=data, filename=filename)
    plan = report_plan(
        municipality=municipality,
        works=works,
        parsed=read.parsed,
        tier=tier,
        published_on=published_on,
        filename=filename,
        revision=revision,
    )
    return report_save(
        municipality=municipality,
        works=works,
        plan=plan,
        text=read.text,
        encoding=read.encoding,
        sha256=read.sha256,
        filename=filename,
        user=user,
    )


def report_save(
    *,
    municipality: Municipality,
    works: Sequence[Work],
    plan: ImportPlan,
    text: str,
    encoding: str,
    sha256: str,
    filename: str,
    user: User | None,
) -> AssessmentReport:
    """Save a planned import in one transaction.

    1. Lock the series' newest version (two imports of one series cannot both become version n+1; the unique
       constraint backs this up) and refuse a file identical to it.
    2. Insert report, sections, items, blocks and commitments with bulk inserts, children after parents.
    3. Link each commitment to its predecessor (:mod:`piaops.assessments.matching`) and carry over the owning
       unit an admin chose for it.
    4. Mark the previous version 旧版 and write the audit trail (import, and the transition of the old version).
    """
    parsed = plan.parsed
    with transaction.atomic():
        previous = None
        if plan.previous is not None:
            previous = AssessmentReport.objects.select_for_update().get(pk=plan.previous.pk)
            taken = AssessmentReport.objects.filter(
                municipality=municipality, series=plan.series, version__gte=plan.version
            ).exists()
            if taken or previous.status == AssessmentReport.Status.SUPERSEDED:
                raise ReportImportError("同じ評価書が同時に取り込まれました。もう一度取り込んでください。")
            if sha256 and previous.source_sha256 == sha256:
                raise ReportImportError(
                    f"このファイルは第{previous.version}版として既に取り込まれています（内容が同じです）。"
                )
        status = AssessmentReport.Status.PUBLISHED if plan.published_on else AssessmentReport.Status.DRAFT
        if plan.older_than_in_force:
            status = AssessmentReport.Status.SUPERSEDED  # kept as history; the newer 公表日 stays in force
        report = _create_report(
            revision=plan.revision,
            municipality=municipality,
            series=plan.series,
            version=plan.version,
            previous=previous,
            title=plan.title[:300],
            tier=plan.tier,
            form_version=parsed.form_version[:100],
            report_number=parsed.report_number[:50],
            published_on=plan.published_on,
            status=status,
            source_text=text,
            source_name=filename[:255],
            source_sha256=sha256,
            source_encoding=encoding[:20],
            import_warnings=[{"line": w.line, "message": w.message} for w in plan.warnings],
            imported_by=user,
        )
        ReportWork.objects.bulk_create([ReportWork(municipality=municipality, report=report, work=w) for w in works])
        m = municipality
        sections = Section.objects.bulk_create(
            [
                Section(
                    municipality=m,
                    report=report,
                    number=s.number[:20],
                    title=s.title[:300],
                    text=s.text,
                    order=n,
                    start_line=s.span.start_line,
                    end_line=s.span.end_line,
                )
                for n, s in enumerate(parsed.sections)
            ]
        )
        ReportChange.objects.bulk_create(
            [
                ReportChange(
                    municipality=m,
                    report=report,
                    changed_on=dt.date.fromisoformat(c.changed_on),
                    item=c.item,
                    before=c.before,
                    after=c.after,
                    timing=c.timing[:10],
                    explanation=c.explanation,
                    order=n,
                    line=c.line,
                )
                for n, c in enumerate(parsed.changes)
            ]
        )
        ReportField.objects.bulk_create(
            [
                ReportField(
                    municipality=m,
                    report=report,
                    section=f.section[:20],
                    group=f.group[:300],
                    label=f.label[:200],
                    key=f.key,
                    value=f.value,
                    choices=f.choices,
                    order=n,
                    line=f.line,
                )
                for n, f in enumerate(parsed.fields)
            ]
        )
        item_rows: list[Item] = []
        parsed_items = []
        for section, ps in zip(sections, parsed.sections, strict=True):
            for pi in ps.items:
                parsed_items.append(pi)
                item_rows.append(
                    Item(
                        municipality=m,
                        report=report,
                        section=section,
                        number_path=pi.number_path[:50],
                        group_title=pi.group_title[:300],
                        parent_path=pi.parent_path[:50],
                        title=pi.title[:300],
                        question=pi.question,
                        choices=list(pi.choices),
                        selected_choice=pi.selected[:100],
                        text=pi.text,
                        order=len(item_rows),
                        start_line=pi.span.start_line,
                        end_line=pi.span.end_line,
                    )
                )
        items = Item.objects.bulk_create(item_rows)
        block_rows: list[MeasureBlock] = []
        parsed_blocks: list[tuple[Item, ParsedMeasureBlock]] = []
        for item, pi in zip(items, parsed_items, strict=True):
            for pb in pi.blocks:
                parsed_blocks.append((item, pb))
                block_rows.append(
                    MeasureBlock(
                        municipality=m,
                        report=report,
                        item=item,
                        party=plan.party_of_block.get(id(pb)),
                        party_label=pb.party_label[:200],
                        party_name=pb.party_name[:200],
                        field_label=pb.field_label[:100],
                        text=pb.text,
                        order=len(block_rows),
                        start_line=pb.span.start_line,
                        end_line=pb.span.end_line,
                    )
                )
        blocks = MeasureBlock.objects.bulk_create(block_rows)
        commitments: list[Commitment] = []
        for block, (item, pb) in zip(blocks, parsed_blocks, strict=True):
            for pc in pb.commitments:
                commitments.append(
                    Commitment(
                        municipality=m,
                        report=report,
                        item=item,
                        block=block,
                        party=block.party,
                        party_name=block.party_name,
                        text=pc.text,
                        kind=_kind(pc.kind),
                        cadence=_cadence(pc.cadence),
                        cadences=[v for v in pc.cadences if cadence_grammar.is_value(v)],
                        source_text=pc.text,
                        start_line=pc.span.start_line,
                        end_line=pc.span.end_line,
                        order=len(commitments),
                    )
                )
        if previous is not None:
            _link_predecessors(previous, commitments)
        Commitment.objects.bulk_create(commitments)
        if previous is not None and not plan.older_than_in_force:
            before = snapshot(previous)
            previous.status = AssessmentReport.Status.SUPERSEDED
            previous.save(update_fields=["status"])
            record(
                action=Action.TRANSITION,
                municipality_id=m.pk,
                obj=previous,
                before={"status": before["status"]},
                after={"status": previous.status},
                summary=f"第{report.version}版の取込により旧版になりました",
            )
        counts = plan.counts
        marks = _count_marks(commitments)
        if previous is not None:
            followers.follow(report=report, actor=user)
        record(
            action=Action.IMPORT,
            municipality_id=m.pk,
            obj=report,
            summary=(
                f"評価書を第{report.version}版として取り込みました（項目{counts['items']}・約束{counts['commitments']}）"
            ),
            after={
                "series": report.series,
                "version": report.version,
                "previous": previous.pk if previous else None,
                "source_name": report.source_name,
                "source_sha256": report.source_sha256,
                "works": [w.pk for w in works],
                "published_on": report.published_on,
                "revision": report.revision,
                "in_force": not plan.older_than_in_force,
                "counts": counts,
                "changes": marks,
                "warnings": len(plan.warnings),
            },
        )
    return report


def _create_report(**fields: Any) -> AssessmentReport:
    """Insert the report row; a concurrent first import of the same series loses on the unique constraint."""
    try:
        with transaction.atomic():
            return AssessmentReport.objects.create(**fields)
    except IntegrityError as exc:
        raise ReportImportError("同じ評価書が同時に取り込まれました。もう一度取り込んでください。") from exc


def _link_predecessors(previous: AssessmentReport, commitments: list[Commitment]) -> None:
    old = list(Commitment.objects.filter(report=previous).select_related("item").order_by("order"))
    new_keys = [
        Key(item_path=c.item.number_path, party=normalise_party(c.party_name), text=c.text) for c in commitments
    ]
    matches = match_commitments([commitment_key(o) for o in old], new_keys)
    for commitment, match in zip(commitments, matches, strict=True):
        commitment.change = match.change
        if match.old_index is not None:
            predecessor = old[match.old_index]
            commitment.previous = predecessor
            # The owning unit is an admin's decision about the promise, not part of the report text.
            commitment.owner_unit_id = predecessor.owner_unit_id


def _count_marks(commitments: Sequence[Commitment]) -> dict[str, int]:
    marks = {str(c.value): 0 for c in Commitment.Change}
    for c in commitments:
        marks[c.change] += 1
    return marks


# --- refining commitments ------------------------------------------------------------------------------------


# Refining the commitments of a stored report lives in its own module; these names stay importable from here.
from piaops.assessments.refine import (  # noqa: E402
    RefineError,
    commitment_merge,
    commitment_split,
    commitment_update,
)

__all__ = ["RefineError", "commitment_merge", "commitment_split", "commitment_update"]
