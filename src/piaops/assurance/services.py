"""Every write of third-party assurance: called alike by the views, the CLI, the admin and the demo.

Each function changes its rows and writes the audit trail in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from piaops.assessments import followers
from piaops.assessments.models import AssessmentReport, Commitment
from piaops.assessments.vocab import CommitmentKind
from piaops.assurance import rules
from piaops.assurance.ismap_list import IsmapListError, ListEntry, ParsedList, normalise_mapping, parse_list
from piaops.assurance.models import (
    CloudService,
    Contract,
    Evidence,
    IsmapAlert,
    IsmapListEntry,
    IsmapSettings,
    IsmapSnapshot,
    Obligation,
    ObligationEvent,
    Responsibility,
    Subcontract,
)
from piaops.audittrail.models import Action
from piaops.audittrail.services import changed, record
from piaops.audittrail.services import snapshot as _field_snapshot
from piaops.core.evidence import safe_storage_name, store_file
from piaops.lib import cadence as cadence_grammar
from piaops.tenancy.imported_files import AlreadyImported, Kind, claim, refuse_if_imported
from piaops.tenancy.models import Municipality, Party, User, Work

OBLIGATION_KINDS = (
    CommitmentKind.THIRD_PARTY,
    CommitmentKind.AUDIT,
    CommitmentKind.SELF_INSPECTION,
    CommitmentKind.TRAINING,
)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audit trail's snapshot, with file fields as their stored names (the trail's own helper cannot
    serialise a ``FieldFile``)."""
    files = tuple(f.name for f in obj._meta.concrete_fields if isinstance(f, models.FileField))
    data = _field_snapshot(obj, exclude=("password", *files))
    for name in files:
        data[name] = getattr(obj, name).name or ""
    return data


def record_create(obj: models.Model, *, municipality_id: int, summary: str = "") -> None:
    record(action=Action.CREATE, municipality_id=municipality_id, obj=obj, after=snapshot(obj), summary=summary)


def record_update(obj: models.Model, *, before: dict[str, Any], municipality_id: int, summary: str = "") -> None:
    old, new = changed(before, snapshot(obj))
    if new:
        record(action=Action.UPDATE, municipality_id=municipality_id, obj=obj, before=old, after=new, summary=summary)


def record_delete(obj: models.Model, *, municipality_id: int, summary: str = "") -> None:
    record(action=Action.DELETE, municipality_id=municipality_id, obj=obj, before=snapshot(obj), summary=summary)


def _save(obj: models.Model, *, summary: str = "") -> None:
    """full_clean, save, and record a create or the changed fields of an update."""
    obj.full_clean()
    municipality_id: int = obj.municipality_id  # type: ignore[attr-defined]
    if obj.pk is None:
        obj.save()
        record_create(obj, municipality_id=municipality_id, summary=summary)
        return
    before = snapshot(type(obj)._default_manager.get(pk=obj.pk))
    obj.save()
    record_update(obj, before=before, municipality_id=municipality_id, summary=summary)


# ---------------------------------------------------------------------------------------------------------------
# Contracts


@transaction.atomic
def contract_save(*, contract: Contract, works: Iterable[Work] | None = None) -> Contract:
    """Create or update a contract; ``works`` (when given) replaces its works, which must be of its municipality."""
    if contract.party.municipality_id != contract.municipality_id:
        raise ValidationError("委託先が別の団体のものです。")
    _save(contract, summary="委託契約を保存")
    if works is not None:
        works = list(works)
        if any(w.municipality_id != contract.municipality_id for w in works):
            raise ValidationError("対象事務に別の団体のものが含まれています。")
        old = sorted(contract.works.values_list("pk", flat=True))
        contract.works.set(works)
        new = sorted(w.pk for w in works)
        if old != new:
            record(
                action=Action.UPDATE,
                municipality_id=contract.municipality_id,
                obj=contract,
                summary="対象事務を変更",
                before={"works": old},
                after={"works": new},
            )
    return contract


@transaction.atomic
def subcontract_save(*, subcontract: Subcontract) -> Subcontract:
    """Create or update a link of the 再委託 chain. Its parent must belong to the same contract, without loops."""
    if subcontract.parent is not None:
        if subcontract.parent.contract_id != subcontract.contract_id:
            raise ValidationError("再委託元は同じ契約の再委託先から選んでください。")
        node: Subcontract | None = subcontract.parent
        while node is not None:
            if subcontract.pk is not None and node.pk == subcontract.pk:
                raise ValidationError("再委託の連鎖が循環しています。")
            node = node.parent
    if subcontract.approval == Subcontract.Approval.APPROVED and subcontract.approved_on is None:
        raise ValidationError({"approved_on": "許諾済の場合は許諾日を入力してください。"})
    _save(subcontract, summary="再委託を保存")
    return subcontract


# ---------------------------------------------------------------------------------------------------------------
# Obligations


def _event(
    obligation: Obligation,
    kind: str,
    *,
    actor: User | None,
    evidence: Evidence | None = None,
    due_before: dt.date | None = None,
    due_after: dt.date | None = None,
    note: str = "",
) -> ObligationEvent:
    return ObligationEvent.objects.create(
        municipality_id=obligation.municipality_id,
        obligation=obligation,
        evidence=evidence,
        kind=kind,
        actor=actor,
        due_before=due_before,
        due_after=due_after,
        note=note,
    )


@transaction.atomic
def obligation_create(
    *,
    municipality: Municipality,
    party: Party,
    title: str,
    cadence: str,
    today: dt.date,
    kind: str = CommitmentKind.THIRD_PARTY,
    evidence_expected: str = "",
    contract: Contract | None = None,
    commitment: Commitment | None = None,
    nominal_due: dt.date | None = None,
    actor: User | None = None,
) -> Obligation:
    """A new obligation, first due at ``nominal_due`` or else the end of the current 年度 (half, quarter, month)."""
    for related in (party, contract, commitment):
        if related is not None and related.municipality_id != municipality.pk:
            raise ValidationError("別の団体のデータは指定できません。")
    if not cadence_grammar.is_value(cadence) or not cadence_grammar.from_value(cadence).is_periodic:
        raise ValidationError({"cadence": "保証義務の頻度は周期のあるもの（毎月・年2回・毎年など）を選んでください。"})
    nominal = nominal_due or rules.first_due(today, cadence)
    obligation = Obligation(
        municipality=municipality,
        party=party,
        contract=contract,
        commitment=commitment,
        title=title,
        kind=kind,
        cadence=cadence,
        evidence_expected=evidence_expected,
        nominal_due=nominal,
        next_due=rules.office_due(nominal, cadence),
    )
    _save(obligation, summary="保証義務を登録")
    _event(obligation, ObligationEvent.Kind.CREATED, actor=actor, due_after=obligation.next_due)
    return obligation


@transaction.atomic
def obligation_update(*, obligation: Obligation, actor: User | None = None) -> Obligation:
    """Save edited fields; a changed nominal due date moves the 開庁日 due date with it, and switching an
    obligation off is recorded in its history as its end."""
    was = Obligation.objects.filter(pk=obligation.pk).values("is_active", "next_due").get()
    obligation.next_due = rules.office_due(obligation.nominal_due, obligation.cadence)
    _save(obligation, summary="保証義務を変更")
    if was["is_active"] and not obligation.is_active:
        _event(obligation, ObligationEvent.Kind.RETIRED, actor=actor)
    elif was["next_due"] != obligation.next_due:
        _event(
            obligation,
            ObligationEvent.Kind.RESCHEDULED,
            actor=actor,
            due_before=was["next_due"],
            due_after=obligation.next_due,
        )
    return obligation


# What to ask for when an obligation comes from a report commitment; the admin refines it per party.
EXPECTED_EVIDENCE = {
    CommitmentKind.SELF_INSPECTION: "自己点検の実施結果（実施日・対象・結果の報告書の写し）",
    CommitmentKind.AUDIT: "監査（外部監査を含む）の結果報告の写しと指摘事項への対応状況",
    CommitmentKind.TRAINING: "教育・研修の実施記録（実施日・対象者・受講者数・教材）",
    CommitmentKind.THIRD_PARTY: "委託先における安全管理措置の実施状況報告",
}


def _commitment_title(commitment: Commitment) -> str:
    text = " ".join(commitment.text.split())
    return text if len(text) <= 300 else text[:299] + "…"


@transaction.atomic
def obligations_from_commitments(
    *, municipality: Municipality, today: dt.date, actor: User | None = None
) -> list[Obligation]:
    """One obligation per current report commitment of an assurance kind with a party other than the municipality
    itself, unless one exists already for it (or for its predecessor in an earlier report version)."""
    linked = set(
        Obligation.objects.for_municipality(municipality)
        .filter(commitment__isnull=False)
        .values_list("commitment_id", flat=True)
    )
    created = []
    commitments = (
        Commitment.objects.filter(municipality=municipality)
        .current()
        .of_kind(*OBLIGATION_KINDS)
        .filter(party__isnull=False)
        .exclude(party__kind=Party.Kind.MUNICIPALITY)
        .select_related("party")
        .order_by("report_id", "order", "id")
    )
    for commitment in commitments:
        if commitment.pk in linked or (commitment.previous_id is not None and commitment.previous_id in linked):
            continue
        assert commitment.party is not None
        created.append(
            obligation_create(
                municipality=municipality,
                party=commitment.party,
                title=_commitment_title(commitment),
                kind=commitment.kind,
                cadence=rules.cadence_from_report(commitment.cadence),
                evidence_expected=EXPECTED_EVIDENCE.get(commitment.kind, ""),
                commitment=commitment,
                today=today,
                actor=actor,
            )
        )
    return created


def follow_cadence(*, nominal_due: dt.date, cadence: str, today: dt.date) -> dt.date:
    """The nominal due date after an obligation's cadence changed to ``cadence`` on ``today``: an overdue date
    stays (what is owed stays owed); otherwise the end of the new cadence's current window, if that is sooner."""
    if nominal_due < today:
        return nominal_due
    return min(nominal_due, rules.first_due(today, cadence))


@transaction.atomic
def follow_report_version(*, report: AssessmentReport, actor: User | None, today: dt.date | None = None) -> int:
    """Obligations made from a commitment of the previous version follow its successor in ``report``; when the
    successor states another cadence, the obligation's cadence and due date follow it (audit entry, and an event
    whose note the obligation's page shows). Rows changed."""
    today = today or timezone.localdate()
    successors = followers.successors(report)
    moved = 0
    for obligation in Obligation.objects.filter(
        municipality_id=report.municipality_id, commitment_id__in=list(successors)
    ).select_for_update():
        assert obligation.commitment_id is not None
        successor = successors[obligation.commitment_id]
        cadence = rules.cadence_from_report(successor.cadence)
        before_cadence, due_before = obligation.cadence, obligation.next_due
        obligation.commitment = successor
        if cadence == before_cadence:
            _save(obligation, summary=f"評価書第{report.version}版の約束に付け替え")
            moved += 1
            continue
        obligation.cadence = cadence
        obligation.nominal_due = follow_cadence(nominal_due=obligation.nominal_due, cadence=cadence, today=today)
        obligation.next_due = rules.office_due(obligation.nominal_due, cadence)
        note = (
            f"評価書第{report.version}版で頻度が「{cadence_grammar.label(before_cadence)}」から"
            f"「{cadence_grammar.label(cadence)}」に変わりました。"
        )
        _save(obligation, summary=note)
        _event(
            obligation,
            ObligationEvent.Kind.CADENCE_CHANGED,
            actor=actor,
            due_before=due_before,
            due_after=obligation.next_due,
            note=note,
        )
        moved += 1
    return moved


@transaction.atomic
def evidence_submit(
    *,
    obligation: Obligation,
    file_name: str,
    content: bytes,
    period_from: dt.date,
    period_to: dt.date,
    received_on: dt.date,
    submitted_by: User | None,
    summary: str = "",
) -> Evidence:
    """Receive a document for an obligation (状態: 確認待ち). Refused, with nothing saved, if it holds a 個人番号."""
    if period_to < period_from:
        raise ValidationError({"period_to": "対象期間の終了日は開始日以降の日付を入力してください。"})
    evidence = Evidence(
        municipality_id=obligation.municipality_id,
        obligation=obligation,
        period_from=period_from,
        period_to=period_to,
        received_on=received_on,
        submitted_by=submitted_by,
        summary=summary,
    )
    store_file(
        instance=evidence,
        name=file_name,
        data=content,
        summary="証跡を受領",
        full_clean=True,
    )
    _event(obligation, ObligationEvent.Kind.SUBMITTED, actor=submitted_by, evidence=evidence)
    return evidence


@transaction.atomic
def evidence_review(*, evidence: Evidence, accept: bool, reviewer: User | None, note: str = "") -> Evidence:
    """Conclude on pending evidence. Accepting advances the obligation's due date by one cadence step (onto a
    開庁日); a second overdue period stays owed, so a late obligation stays late until each period is proven."""
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.conclusion != Evidence.Conclusion.PENDING:
        raise ValidationError("この証跡はすでに確認済みです。")
    before = snapshot(evidence)
    evidence.conclusion = Evidence.Conclusion.ACCEPTED if accept else Evidence.Conclusion.INSUFFICIENT
    evidence.conclusion_note = note
    evidence.reviewer = reviewer
    evidence.reviewed_at = timezone.now()
    evidence.full_clean()
    evidence.save()
    record(
        action=Action.TRANSITION,
        municipality_id=evidence.municipality_id,
        obj=evidence,
        summary="証跡を受理" if accept else "証跡の再提出を依頼",
        before={"conclusion": before["conclusion"]},
        after={"conclusion": evidence.conclusion, "conclusion_note": note},
    )
    obligation = Obligation.objects.select_for_update().get(pk=evidence.obligation_id)
    if not accept:
        _event(obligation, ObligationEvent.Kind.RETURNED, actor=reviewer, evidence=evidence, note=note)
        return evidence
    due_before = obligation.next_due
    ob_before = snapshot(obligation)
    obligation.nominal_due = rules.advance(obligation.nominal_due, obligation.cadence)
    obligation.next_due = rules.office_due(obligation.nominal_due, obligation.cadence)
    obligation.save(update_fields=["nominal_due", "next_due"])
    record_update(obligation, before=ob_before, municipality_id=obligation.municipality_id, summary="期限を更新")
    _event(
        obligation,
        ObligationEvent.Kind.ACCEPTED,
        actor=reviewer,
        evidence=evidence,
        due_before=due_before,
        due_after=obligation.next_due,
        note=note,
    )
    return evidence


# ---------------------------------------------------------------------------------------------------------------
# ISMAP register


@transaction.atomic
def cloud_service_save(*, service: CloudService) -> CloudService:
    """Create or update a register row; the expiry follows the ISMAP rule from the audit period's end."""
    if service.audit_period_end is not None:
        service.expires_on = rules.ismap_expiry(service.audit_period_end)
        if service.audit_period_start is not None and service.audit_period_start > service.audit_period_end:
            raise ValidationError({"audit_period_end": "監査の対象期間の末日は開始日以降の日付を入力してください。"})
    service.registration_number = service.registration_number.strip()
    if service.party is not None and service.party.municipality_id != service.municipality_id:
        raise ValidationError("事業者が別の団体のものです。")
    _save(service, summary="クラウドサービスを保存")
    return service


@transaction.atomic
def ismap_settings_save(*, municipality: Municipality, mapping: dict[str, list[str]], warn_days: int) -> IsmapSettings:
    settings_row = ismap_settings_for(municipality)
    settings_row.mapping = normalise_mapping(mapping)
    settings_row.warn_days = warn_days
    _save(settings_row, summary="ISMAPリストの列の対応を保存")
    return settings_row


def ismap_settings_for(municipality: Municipality) -> IsmapSettings:
    """The municipality's settings, unsaved defaults when it has none yet."""
    found = IsmapSettings.objects.for_municipality(municipality).first()
    return found or IsmapSettings(municipality=municipality, mapping=normalise_mapping(None))


@dataclass(frozen=True)
class Outcome:
    """One thing a list comparison raises for a register row; ``changes`` are what importing writes to it."""

    service: CloudService
    kind: str  # IsmapAlert.Kind
    detail: str
    expires_on: dt.date | None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(IsmapAlert.Kind(self.kind).label)


def _list_expiry(entry: ListEntry) -> dt.date | None:
    if entry.audit_period_end is not None:
        return rules.ismap_expiry(entry.audit_period_end)
    return entry.expires_on


def compare(
    *, services: Iterable[CloudService], entries: Iterable[ListEntry], list_date: dt.date, warn_days: int
) -> list[Outcome]:
    """What a list dated ``list_date`` says about each registered service (pure: nothing is saved).

    - not on the list (and not already known removed) → removed;
    - on the list with a later expiry than the register, or back on the list → renewed (the register follows);
    - then, on the (possibly updated) expiry: past it with no renewal pending → expired; within ``warn_days`` →
      expiring. A renewal applied for before the expiry keeps the registration valid, so it raises no expiry.
    """
    by_number = {e.registration_number: e for e in entries}
    outcomes: list[Outcome] = []
    for service in services:
        number = service.registration_number
        if not number:
            continue
        entry = by_number.get(number)
        if entry is None:
            if service.delisted_on is None:
                outcomes.append(
                    Outcome(
                        service,
                        IsmapAlert.Kind.REMOVED,
                        f"登録番号 {number} が {list_date.isoformat()} 付のリストに掲載されていません。",
                        service.expires_on,
                        {"delisted_on": list_date},
                    )
                )
            continue
        expires = service.expires_on
        renewal_applied = service.renewal_applied_on
        list_expiry = _list_expiry(entry)
        if service.delisted_on is not None or (list_expiry and (expires is None or list_expiry > expires)):
            changes: dict[str, Any] = {"delisted_on": None, "renewal_applied_on": None}
            if entry.audit_period_end is not None:
                changes["audit_period_end"] = entry.audit_period_end
            if list_expiry is not None:
                changes["expires_on"] = list_expiry
                expires = list_expiry
            if entry.registered_on is not None and service.registered_on is None:
                changes["registered_on"] = entry.registered_on
            renewal_applied = None
            was = service.expires_on.isoformat() if service.expires_on else "未登録"
            now = list_expiry.isoformat() if list_expiry else "記載なし"
            outcomes.append(Outcome(service, IsmapAlert.Kind.RENEWED, f"有効期限 {was} → {now}", expires, changes))
        if expires is None:
            continue
        if not rules.ismap_is_valid(expires_on=expires, on=list_date, renewal_applied_on=renewal_applied):
            outcomes.append(
                Outcome(service, IsmapAlert.Kind.EXPIRED, f"有効期限 {expires.isoformat()} を過ぎています。", expires)
            )
        elif list_date <= expires <= list_date + dt.timedelta(days=warn_days):
            left = (expires - list_date).days
            outcomes.append(
                Outcome(
                    service,
                    IsmapAlert.Kind.EXPIRING,
                    f"有効期限 {expires.isoformat()} まで {left} 日です。",
                    expires,
                )
            )
    return outcomes


@dataclass
class ImportResult:
    parsed: ParsedList
    outcomes: list[Outcome]
    snapshot: IsmapSnapshot | None  # None on a dry run


def ismap_import(
    *,
    municipality: Municipality,
    content: bytes,
    file_name: str,
    list_date: dt.date,
    dry_run: bool = False,
    imported_by: User | None = None,
) -> ImportResult:
    """Check a published-list file, then (unless ``dry_run``) store it as a dated snapshot with its entries,
    raise the comparison's alerts and bring the register up to date — all or nothing.

    Raises :class:`~piaops.assurance.ismap_list.IsmapListError` with every problem; nothing is saved then. A list
    dated after today (Japan time) is refused: its removals would be dated in the future, and the register would
    show as 有効 a service its own alert calls removed.
    """
    if list_date > timezone.localdate():
        raise IsmapListError(
            [f"リストの日付（{list_date.isoformat()}）が未来の日付です。公表されたリストの日付を入力してください。"]
        )
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        refuse_if_imported(municipality_id=municipality.pk, kind=Kind.ISMAP, sha256=sha256)
    except AlreadyImported as exc:
        raise IsmapListError([str(exc)]) from exc
    settings_row = ismap_settings_for(municipality)
    parsed = parse_list(content, filename=file_name, mapping=settings_row.mapping)
    services = list(CloudService.objects.for_municipality(municipality).order_by("provider", "service_name", "id"))
    outcomes = compare(services=services, entries=parsed.entries, list_date=list_date, warn_days=settings_row.warn_days)
    if dry_run:
        return ImportResult(parsed, outcomes, None)
    with transaction.atomic():
        try:
            claim(
                municipality_id=municipality.pk,
                kind=Kind.ISMAP,
                sha256=sha256,
                file_name=file_name,
                rows=len(parsed.entries),
            )
        except AlreadyImported as exc:
            raise IsmapListError([str(exc)]) from exc
        snap = IsmapSnapshot(
            municipality=municipality,
            list_date=list_date,
            file_name=file_name[-255:],
            sha256=sha256,
            encoding=parsed.encoding,
            mapping=normalise_mapping(settings_row.mapping),
            entry_count=len(parsed.entries),
            imported_by=imported_by,
        )
        snap.file.save(safe_storage_name(file_name, fallback="ismap-list"), ContentFile(content), save=False)
        snap.save()
        IsmapListEntry.objects.bulk_create(
            IsmapListEntry(
                municipality=municipality,
                snapshot=snap,
                line=e.line,
                registration_number=e.registration_number,
                service_name=e.service_name,
                provider=e.provider,
                program=e.program,
                registered_on=e.registered_on,
                expires_on=e.expires_on,
                audit_period_end=e.audit_period_end,
            )
            for e in parsed.entries
        )
        record(
            action=Action.IMPORT,
            municipality_id=municipality.pk,
            obj=snap,
            summary=f"ISMAPリストを取込（{len(parsed.entries)}件）",
            after={"file_name": snap.file_name, "sha256": snap.sha256, "list_date": list_date, "alerts": len(outcomes)},
        )
        for outcome in outcomes:
            IsmapAlert.objects.create(
                municipality=municipality,
                snapshot=snap,
                service=outcome.service,
                kind=outcome.kind,
                detail=outcome.detail,
                expires_on=outcome.expires_on,
            )
            if outcome.changes:
                service = CloudService.objects.get(pk=outcome.service.pk)
                before = snapshot(service)
                for name, value in outcome.changes.items():
                    setattr(service, name, value)
                service.save()
                record_update(
                    service,
                    before=before,
                    municipality_id=municipality.pk,
                    summary=f"ISMAPリスト照合: {IsmapAlert.Kind(outcome.kind).label}",
                )
    return ImportResult(parsed, outcomes, snap)


@transaction.atomic
def ismap_alert_acknowledge(*, alert: IsmapAlert) -> IsmapAlert:
    before = snapshot(alert)
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_at"])
    record_update(alert, before=before, municipality_id=alert.municipality_id, summary="ISMAP照合結果を確認")
    return alert


# ---------------------------------------------------------------------------------------------------------------
# Responsibility matrix


@transaction.atomic
def responsibility_save(*, row: Responsibility) -> Responsibility:
    _save(row, summary="責任分界を保存")
    return row


@transaction.atomic
def responsibility_delete(*, row: Responsibility) -> None:
    record_delete(row, municipality_id=row.municipality_id, summary="責任分界を削除")
    row.delete()


@transaction.atomic
def matrix_prefill(*, municipality: Municipality) -> list[Responsibility]:
    """Fill an empty matrix from the report's Government Cloud wording; a matrix with rows is left alone."""
    from piaops.assurance.matrix import default_rows

    if Responsibility.objects.for_municipality(municipality).exists():
        return []
    created = []
    for order, values in enumerate(default_rows(municipality), start=1):
        row = Responsibility(municipality=municipality, order=order * 10, **values)
        _save(row, summary="責任分界を評価書の記載から作成")
        created.append(row)
    return created
