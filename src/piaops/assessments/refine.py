"""Refining the commitments of a stored report: edit one, split one into several, merge several into one.

Each function is keyword-only and runs in one transaction with its audit-trail entries (see ``services``, which
re-exports them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction

from piaops.assessments.models import AssessmentReport, Commitment
from piaops.assessments.vocab import CommitmentKind
from piaops.audittrail.models import Action
from piaops.audittrail.services import record, record_create, record_delete, record_update, snapshot
from piaops.lib import cadence as cadence_grammar
from piaops.lib.mynumber import contains_my_number
from piaops.tenancy.models import OrgUnit, User


class RefineError(Exception):
    """A refinement that cannot be applied; ``message`` is Japanese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refinable(commitment: Commitment) -> None:
    # Read the status afresh: the caller's report object may predate the import of a newer version.
    if AssessmentReport.objects.filter(pk=commitment.report_id, status=AssessmentReport.Status.SUPERSEDED).exists():
        raise RefineError("旧版の評価書の約束は修正できません。最新の版で修正してください。")


def _clean_text(text: str, *, label: str = "約束の内容") -> str:
    text = text.strip()
    if not text:
        raise RefineError(f"{label}を入力してください。")
    if contains_my_number(text):
        raise RefineError(f"{label}に個人番号と思われる12桁の数字が含まれています。個人番号は登録できません。")
    return text


def commitment_update(
    *,
    commitment: Commitment,
    user: User | None,
    text: str | None = None,
    kind: str | None = None,
    cadence: str | None = None,
    owner_unit: OrgUnit | None | Any = ...,
) -> Commitment:
    """Edit a commitment's text, kind, cadence or owning unit. The source text and lines stay as imported."""
    _refinable(commitment)
    before = snapshot(commitment)
    if text is not None:
        commitment.text = _clean_text(text)
    if kind is not None:
        if kind not in CommitmentKind.values:
            raise RefineError("種類の値が正しくありません。")
        commitment.kind = kind
    if cadence is not None:
        if cadence and not cadence_grammar.is_value(cadence):
            raise RefineError("頻度の値が正しくありません。")
        if cadence != commitment.cadence:
            # The admin's reading replaces the parser's: the chosen cadence is then the only one stated.
            commitment.cadence = cadence
            commitment.cadences = [cadence] if cadence else []
    if owner_unit is not ...:
        if owner_unit is not None and owner_unit.municipality_id != commitment.municipality_id:
            raise RefineError("他の団体の組織は指定できません。")
        commitment.owner_unit = owner_unit
    with transaction.atomic():
        if snapshot(commitment) != before:
            commitment.refined = True
        commitment.save()
        record_update(commitment, before=before, municipality_id=commitment.municipality_id, summary="約束を修正")
    return commitment


def _renumber(report: AssessmentReport, ordered: list[Commitment]) -> None:
    for n, c in enumerate(ordered):
        c.order = n
    Commitment.objects.bulk_update(ordered, ["order"])


def commitment_split(*, commitment: Commitment, texts: Sequence[str], user: User | None) -> list[Commitment]:
    """Split one commitment into ``texts`` (two or more), in place: the first keeps the row (and its
    predecessor); the others are new rows right after it with the same item, block, party, source text and
    lines. All are marked refined."""
    _refinable(commitment)
    pieces = [_clean_text(t) for t in texts if t.strip()]
    if len(pieces) < 2:
        raise RefineError("分割後の約束を2つ以上入力してください。")
    with transaction.atomic():
        before = snapshot(commitment)
        commitment.text = pieces[0]
        commitment.refined = True
        commitment.save(update_fields=["text", "refined"])
        record_update(
            commitment,
            before=before,
            municipality_id=commitment.municipality_id,
            summary=f"約束を{len(pieces)}つに分割",
        )
        created = []
        for piece in pieces[1:]:
            new = Commitment(
                municipality_id=commitment.municipality_id,
                report=commitment.report,
                item=commitment.item,
                block=commitment.block,
                party=commitment.party,
                party_name=commitment.party_name,
                text=piece,
                kind=commitment.kind,
                cadence=commitment.cadence,
                cadences=list(commitment.cadences),
                owner_unit=commitment.owner_unit,
                source_text=commitment.source_text,
                start_line=commitment.start_line,
                end_line=commitment.end_line,
                order=commitment.order,
                refined=True,
                previous=commitment.previous,
                change=commitment.change,
            )
            new.save()
            record_create(new, municipality_id=commitment.municipality_id, summary=f"約束 {commitment.pk} から分割")
            created.append(new)
        ordered = list(Commitment.objects.filter(report=commitment.report).exclude(pk__in=[c.pk for c in created]))
        ordered.sort(key=lambda c: c.order)
        at = next(i for i, c in enumerate(ordered) if c.pk == commitment.pk)
        ordered[at + 1 : at + 1] = created
        _renumber(commitment.report, ordered)
    return [commitment, *created]


def _repoint_references(keep: Commitment, gone: list[int]) -> dict[str, int]:
    """Point every row that references one of ``gone`` at ``keep`` instead (checklist items, findings,
    obligations... of the apps built on this one), so a merge loses no link; rows changed per model.

    Found through the reverse relations Django knows of, so this app imports none of the apps above it.
    """
    moved: dict[str, int] = {}
    for rel in Commitment._meta.related_objects:
        if not isinstance(rel, models.ManyToOneRel) or isinstance(rel, models.OneToOneRel):
            continue
        manager = rel.related_model._default_manager  # type: ignore[union-attr]
        count = manager.filter(**{f"{rel.field.name}__in": gone}).update(**{rel.field.name: keep})
        if count:
            moved[rel.related_model._meta.label] = count  # type: ignore[union-attr]
    return moved


def commitment_merge(*, commitments: Sequence[Commitment], user: User | None, text: str = "") -> Commitment:
    """Merge two or more commitments of one item into the first (in report order). Its text becomes ``text`` (or
    the texts joined), its source text the source texts joined, its lines the span of all; the others are
    deleted (each deletion in the audit trail)."""
    if len(commitments) < 2:
        raise RefineError("統合する約束を2つ以上選んでください。")
    ordered = sorted(commitments, key=lambda c: c.order)
    keep, rest = ordered[0], ordered[1:]
    if any(c.item_id != keep.item_id for c in rest):
        raise RefineError("同じ評価項目の約束だけを統合できます。")
    _refinable(keep)
    with transaction.atomic():
        before = snapshot(keep)
        keep.text = _clean_text(text) if text.strip() else "".join(c.text for c in ordered)
        sources: list[str] = []
        for c in ordered:
            if c.source_text and c.source_text not in sources:
                sources.append(c.source_text)
        keep.source_text = "\n".join(sources)
        keep.start_line = min(c.start_line for c in ordered)
        keep.end_line = max(c.end_line for c in ordered)
        keep.refined = True
        keep.save()
        moved = _repoint_references(keep, [c.pk for c in rest])
        for c in rest:
            record_delete(c, municipality_id=c.municipality_id, summary=f"約束 {keep.pk} に統合")
            c.delete()
        if moved:
            record(
                action=Action.UPDATE,
                municipality_id=keep.municipality_id,
                obj=keep,
                summary="統合した約束への参照を付け替え",
                after={"from": [c.pk for c in rest], "to": keep.pk, "rows": moved},
            )
        record_update(keep, before=before, municipality_id=keep.municipality_id, summary=f"約束を{len(ordered)}件統合")
    return keep
