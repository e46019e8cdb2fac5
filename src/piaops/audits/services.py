"""Writes of the audit programme and audit work. Each is one transaction with its audit-trail entries; status
changes are named transitions with a history row.

Programme: draft ──approve──▶ approved (refused while :func:`piaops.audits.rules.check_programme` is not
approvable). Audit: planned ──start──▶ in_progress ──complete──▶ completed (locked; corrections are new items).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from piaops.assessments.models import Commitment, ReportWork
from piaops.assessments.vocab import CommitmentKind
from piaops.audits import rules
from piaops.audits.models import (
    NONCONFORMING,
    Audit,
    AuditAuditor,
    AuditEvidence,
    AuditItem,
    AuditProgramme,
    AuditStatus,
    AuditType,
    AuditWork,
    ItemResult,
    ProgrammeStatus,
)
from piaops.audittrail.models import Action
from piaops.audittrail.services import record, record_create, record_update, snapshot
from piaops.audittrail.transitions import record_transition
from piaops.core.evidence import store_file, too_large
from piaops.findings.models import Finding, Severity, Source
from piaops.findings.services import finding_create
from piaops.lib.fiscal import add_years, next_office_day, wareki_fiscal_year
from piaops.tenancy.access import POLICY, Perm, has_perm
from piaops.tenancy.models import Municipality, OrgUnit, Party, User, Work

# General items used when no commitment of the assessment reports concerns the audited unit and works.
GENERAL_ITEMS = (
    "特定個人情報ファイルの取扱いが評価書の記載どおりに行われている。",
    "特定個人情報を取り扱う職員の範囲が定められ、アクセス権限が適切に管理されている。",
    "特定個人情報の持出し・廃棄の記録が残されている。",
    "自己点検の結果に基づく改善が実施されている。",
)


# ── Programme ──────────────────────────────────────────────────────────────────────────────────────────────


def programme_create(
    *, municipality: Municipality, fiscal_year: int, title: str = "", by: User | None = None
) -> AuditProgramme:
    if AuditProgramme.objects.filter(municipality=municipality, fiscal_year=fiscal_year).exists():
        raise ValidationError({"fiscal_year": f"{fiscal_year}年度の監査計画は既にあります。"})
    with transaction.atomic():
        programme = AuditProgramme.objects.create(
            municipality=municipality,
            fiscal_year=fiscal_year,
            title=title or f"{wareki_fiscal_year(fiscal_year)} 特定個人情報の取扱いに関する監査計画",
            previous=AuditProgramme.objects.filter(municipality=municipality, fiscal_year=fiscal_year - 1).first(),
        )
        record_create(programme, municipality_id=municipality.pk, summary="監査計画を作成")
    return programme


def programme_copy(*, source: AuditProgramme, fiscal_year: int, by: User | None = None) -> AuditProgramme:
    """A new draft programme with the audits of ``source`` moved to ``fiscal_year`` (dates, scope and auditors).

    An auditor who would now need an independence exception is left out: each 年度 needs its own reason.
    """
    years = fiscal_year - source.fiscal_year
    with transaction.atomic():
        programme = programme_create(municipality=source.municipality, fiscal_year=fiscal_year, by=by)
        programme.previous = source
        programme.save(update_fields=["previous"])
        for old in source.audits.prefetch_related("audit_works", "auditors").order_by("planned_start", "id"):
            new_audit = audit_create(
                programme=programme,
                unit=old.unit,
                works=[aw.work for aw in old.audit_works.all() if aw.work.is_active],
                audit_type=old.audit_type,
                planned_start=add_years(old.planned_start, years),
                planned_end=add_years(old.planned_end, years),
                auditors=[],
                by=by,
            )
            for old_auditor in old.auditors.all():
                try:
                    auditor_assign(audit=new_audit, user=old_auditor.user, by=by)
                except ValidationError:
                    continue  # now in conflict (or no longer an auditor): the programme page shows the gap
        record(
            action=Action.CREATE,
            municipality_id=source.municipality_id,
            obj=programme,
            summary=f"{source.fiscal_year}年度の監査計画を複写",
            after={"copied_from": source.pk},
        )
    return programme


def _editable(programme: AuditProgramme) -> None:
    if programme.status != ProgrammeStatus.DRAFT:
        raise ValidationError("承認済みの監査計画は変更できません。")


def audit_create(
    *,
    programme: AuditProgramme,
    unit: OrgUnit,
    works: list[Work],
    audit_type: str,
    planned_start: dt.date,
    planned_end: dt.date,
    auditors: list[User],
    by: User | None = None,
    today: dt.date | None = None,
    exception_reason: str = "",
    reaudit_of: Finding | None = None,
) -> Audit:
    """Add an audit to a draft programme (a re-audit may also join an approved one)."""
    if reaudit_of is None:
        _editable(programme)
    if unit.municipality_id != programme.municipality_id or any(
        w.municipality_id != programme.municipality_id for w in works
    ):
        raise ValidationError("他の団体の所属・事務は指定できません。")
    if audit_type not in AuditType.values:
        raise ValidationError({"audit_type": "監査の種別を選んでください。"})
    if planned_end < planned_start:
        raise ValidationError({"planned_end": "終了日は開始日以降の日付を入力してください。"})
    with transaction.atomic():
        audit = Audit.objects.create(
            municipality_id=programme.municipality_id,
            programme=programme,
            unit=unit,
            audit_type=audit_type,
            planned_start=planned_start,
            planned_end=planned_end,
            reaudit_of=reaudit_of,
        )
        for w in works:
            AuditWork.objects.create(municipality_id=programme.municipality_id, audit=audit, work=w)
        record(
            action=Action.CREATE,
            municipality_id=programme.municipality_id,
            obj=audit,
            after={**snapshot(audit), "works": [w.pk for w in works]},
            summary="監査を計画に追加" if reaudit_of is None else "再監査を計画",
        )
        for user in auditors:
            auditor_assign(audit=audit, user=user, exception_reason=exception_reason, today=today, by=by)
    return audit


def auditor_assign(
    *, audit: Audit, user: User, exception_reason: str = "", today: dt.date | None = None, by: User | None = None
) -> AuditAuditor:
    """Make ``user`` an auditor of ``audit``. Refused when they belong to the audited unit, unless a reason is given."""
    if user.municipality_id != audit.municipality_id:
        raise ValidationError("他の団体の利用者は指定できません。")
    if not user.grants.filter(role__in=POLICY[Perm.AUDIT_PERFORM]).exists():
        raise ValidationError(f"{user} は監査人の役割を持っていません。")
    today = today or timezone.localdate()
    found = rules.belongs(user, audit.unit, fiscal_year=audit.programme.fiscal_year, today=today)
    if found and not exception_reason.strip():
        names = "、".join(sorted({a.unit.name for a in found}))
        raise ValidationError(
            f"{user} は監査対象の所属（{names}）に所属している（または当該年度に所属していた）ため、"
            "監査人にできません。例外とする場合は理由を入力してください。"
        )
    with transaction.atomic():
        auditor, created = AuditAuditor.objects.get_or_create(
            municipality_id=audit.municipality_id,
            audit=audit,
            user=user,
            defaults={"exception_reason": exception_reason.strip() if found else ""},
        )
        if created:
            record_create(auditor, municipality_id=audit.municipality_id, summary="監査人を指定")
        elif found and exception_reason.strip() and not auditor.exception_reason:
            before = snapshot(auditor)
            auditor.exception_reason = exception_reason.strip()
            auditor.save(update_fields=["exception_reason"])
            record_update(auditor, before=before, municipality_id=audit.municipality_id, summary="独立性の例外理由")
    return auditor


def audit_delete(*, audit: Audit, by: User | None = None) -> None:
    _editable(audit.programme)
    with transaction.atomic():
        record(
            action=Action.DELETE,
            municipality_id=audit.municipality_id,
            obj=audit,
            before=snapshot(audit),
            summary="監査を計画から削除",
        )
        audit.delete()


def programme_propose_onsite(*, programme: AuditProgramme, today: dt.date, by: User | None = None) -> list[Audit]:
    """Give each due unit the programme leaves out a 現地監査: its 書面監査 in the programme becomes on-site, or a
    new on-site audit of all the unit's works (no auditor yet) is added."""
    _editable(programme)
    check = rules.check_programme(programme, today=today)
    made = []
    start = next_office_day(max(today, dt.date(programme.fiscal_year, 6, 1)))
    for unit, _last in check.missing_onsite:
        existing = programme.audits.filter(unit=unit, audit_type=AuditType.DOCUMENT, status=AuditStatus.PLANNED).first()
        if existing is not None:
            with transaction.atomic():
                before = snapshot(existing)
                existing.audit_type = AuditType.ONSITE
                existing.save(update_fields=["audit_type"])
                record_update(
                    existing,
                    before=before,
                    municipality_id=existing.municipality_id,
                    summary="書面監査を現地監査に変更",
                )
            made.append(existing)
            continue
        works = list(Work.objects.filter(municipality_id=unit.municipality_id, is_active=True, units=unit))
        made.append(
            audit_create(
                programme=programme,
                unit=unit,
                works=works,
                audit_type=AuditType.ONSITE,
                planned_start=start,
                planned_end=start,
                auditors=[],
                by=by,
            )
        )
    return made


def programme_approve(*, programme: AuditProgramme, today: dt.date, by: User | None = None) -> rules.ProgrammeCheck:
    """Approve the programme. Refused (with the names of what is missing) while coverage is incomplete or an
    auditor's independence conflict has no recorded reason."""
    _editable(programme)
    check = rules.check_programme(programme, today=today)
    errors = []
    if not programme.audits.exists():
        errors.append("監査が1件も計画されていません。")
    if check.missing_works:
        errors.append(
            "監査の対象になっていない個人番号利用事務があります: " + "、".join(w.name for w in check.missing_works)
        )
    for c in check.unexcused:
        errors.append(f"独立性: {c.auditor.user} は {c.audit.unit.name} に所属しています（例外の理由が必要です）。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        programme.status = ProgrammeStatus.APPROVED
        programme.approved_at = timezone.now()
        programme.approved_by = by
        programme.save(update_fields=["status", "approved_at", "approved_by"])
        record(
            action=Action.TRANSITION,
            municipality_id=programme.municipality_id,
            obj=programme,
            summary="監査計画を承認",
            before={"status": ProgrammeStatus.DRAFT},
            after={"status": ProgrammeStatus.APPROVED, "check": check.as_dict()},
        )
    return check


def is_auditor_of(user: User, audit: Audit) -> bool:
    """Whether ``user`` may work on ``audit`` (start, record, complete, correct, plan a re-audit): they hold
    ``Perm.AUDIT_PERFORM`` and are one of its auditors. The pages and the API ask this one question."""
    return has_perm(user, Perm.AUDIT_PERFORM) and audit.auditors.filter(user=user).exists()


# ── Audit work ─────────────────────────────────────────────────────────────────────────────────────────────


# Statements about the audit programme itself (who audits what, how often) bind the 番号制度総括部門 and the
# auditors, not the audited unit: 「監査はすべての個人番号利用事務について実施する」 is not a unit's item.
PROGRAMME_WORDS = ("すべての個人番号利用事務", "全ての個人番号利用事務", "監査計画")
_NUMBERING = "0123456789０１２３４５６７８９ 　.．)）(（"


def is_auditable_at_unit(commitment: Commitment) -> bool:
    """Whether a unit can be audited on ``commitment``: a measure of the municipality itself (its own party, or
    no party named), not another party's (J-LIS, eLTAX, a contractor: checked through their own evidence), and
    not a programme-level statement about audits (kind 監査, or words that describe the audit programme)."""
    party = commitment.party
    if party is not None and party.kind != Party.Kind.MUNICIPALITY:
        return False
    if commitment.kind == CommitmentKind.AUDIT:
        return False
    text = commitment.text
    return not (any(word in text for word in PROGRAMME_WORDS) or text.lstrip(_NUMBERING).startswith("監査"))


def relevant_commitments(audit: Audit) -> list[Commitment]:
    """Current commitments of the reports covering the audit's works that the audited unit carries out (no owner
    unit, or one in the unit's subtree or above it) and can be audited on (:func:`is_auditable_at_unit`)."""
    report_ids = ReportWork.objects.filter(work__in=audit.works.all()).values("report_id")
    unit = audit.unit
    above = [int(p) for p in unit.path.strip("/").split("/") if p]
    candidates = (
        Commitment.objects.current()
        .filter(municipality_id=audit.municipality_id, report_id__in=report_ids)
        .filter(Q(owner_unit__isnull=True) | Q(owner_unit__path__startswith=unit.path) | Q(owner_unit_id__in=above))
        .select_related("party")
        .order_by("report_id", "order")
    )
    return [c for c in candidates if is_auditable_at_unit(c)]


def audit_start(*, audit: Audit, by: User | None = None) -> Audit:
    """Begin the audit: build the checklist (commitments, else general items). The programme must be approved."""
    if audit.status != AuditStatus.PLANNED:
        raise ValidationError("予定の監査だけ開始できます。")
    if audit.programme.status != ProgrammeStatus.APPROVED:
        raise ValidationError("監査計画の承認前には監査を開始できません。")
    with transaction.atomic():
        commitments = relevant_commitments(audit)
        rows: list[tuple[Commitment | None, str]] = [(c, c.text) for c in commitments]
        rows = rows or [(None, t) for t in GENERAL_ITEMS]
        AuditItem.objects.bulk_create(
            AuditItem(municipality_id=audit.municipality_id, audit=audit, order=i, commitment=c, text=text)
            for i, (c, text) in enumerate(rows, start=1)
        )
        audit.started_at = timezone.now()
        record_transition(
            audit,  # a model's _meta is a ClassVar, the Protocol's is not
            to=AuditStatus.IN_PROGRESS,
            by=by,
            note=f"監査項目 {len(rows)} 件",
        )
        audit.save(update_fields=["status", "started_at"])
    return audit


def item_record(
    *, item: AuditItem, result: str, notes: str = "", working_paper: str = "", by: User | None = None
) -> AuditItem:
    if item.audit.status != AuditStatus.IN_PROGRESS:
        raise ValidationError("実施中の監査だけ結果を記録できます。完了した監査は訂正として記録してください。")
    if result and result not in ItemResult.values:
        raise ValidationError({"result": "結果を選んでください。"})
    if result in NONCONFORMING and not notes.strip():
        raise ValidationError({"notes": "不適合の場合は所見を入力してください。"})
    with transaction.atomic():
        before = snapshot(item)
        item.result, item.notes, item.working_paper = result, notes, working_paper
        item.updated_at = timezone.now()
        item.save()
        record_update(item, before=before, municipality_id=item.municipality_id, summary="監査項目の結果を記録")
    return item


def evidence_add(*, item: AuditItem, upload: UploadedFile, by: User | None = None) -> AuditEvidence:
    """Attach a file to an item of an audit in progress (:func:`piaops.core.evidence.store_file`)."""
    name = upload.name or "file"
    if item.audit.status != AuditStatus.IN_PROGRESS:
        raise ValidationError("実施中の監査だけ証跡を追加できます。")
    error = too_large(name, upload.size)
    if error is not None:
        raise error
    evidence = AuditEvidence(municipality_id=item.municipality_id, item=item, uploaded_by=by)
    store_file(instance=evidence, name=name, data=upload.read(), summary="監査調書の証跡を登録")
    return evidence


SEVERITY = {ItemResult.MAJOR: Severity.HIGH, ItemResult.MINOR: Severity.LOW}


def _finding_for(item: AuditItem, *, by: User | None) -> Finding:
    audit = item.audit
    hashes = [f"{e.name} (SHA-256 {e.sha256})" for e in item.evidence.all()]
    return finding_create(
        unit=audit.unit,
        fiscal_year=audit.programme.fiscal_year,
        title=f"{ItemResult(item.result).label}: {item.text[:120]}",
        source=Source.AUDIT,
        by=by,
        description=item.notes,
        evidence="\n".join(filter(None, [item.working_paper, *hashes])),
        severity=SEVERITY[ItemResult(item.result)],
        commitment=item.commitment,
        source_type="audits.item",
        source_id=item.pk,
    )


def audit_complete(*, audit: Audit, summary: str = "", by: User | None = None) -> list[Finding]:
    """Lock the audit; every non-conformity becomes a finding. Refused while an item has no result."""
    if audit.status != AuditStatus.IN_PROGRESS:
        raise ValidationError("実施中の監査だけ完了できます。")
    items = list(audit.items.current().prefetch_related("evidence"))
    blank = [i.order for i in items if not i.result]
    if blank:
        raise ValidationError(f"結果が未記録の監査項目があります（項目 {', '.join(map(str, blank))}）。")
    with transaction.atomic():
        findings = [_finding_for(i, by=by) for i in items if i.is_nonconforming]
        audit.completed_at = timezone.now()
        audit.summary = summary
        record_transition(
            audit,  # a model's _meta is a ClassVar, the Protocol's is not
            to=AuditStatus.COMPLETED,
            by=by,
            note=f"指摘事項 {len(findings)} 件",
        )
        audit.save(update_fields=["status", "completed_at", "summary"])
    return findings


def audit_reopen(*, audit: Audit, reason: str, by: User | None = None) -> Audit:
    """Re-open a completed audit (the governance division, with a reason): it is 実施中 again, its items can be
    recorded, and it must be completed again. Who, when and why are in the status history and the trail (an event
    from 完了 is always a re-opening); findings already made stay (one per item, so completing again adds none)."""
    if audit.status != AuditStatus.COMPLETED:
        raise ValidationError("完了した監査だけ再開できます。")
    if not reason.strip():
        raise ValidationError({"reason": "再開の理由を入力してください。"})
    with transaction.atomic():
        audit.completed_at = None
        record_transition(
            audit,  # a model's _meta is a ClassVar, the Protocol's is not
            to=AuditStatus.IN_PROGRESS,
            by=by,
            note=f"再開の理由: {reason.strip()}",
        )
        audit.save(update_fields=["status", "completed_at"])
    return audit


def item_correct(
    *, item: AuditItem, result: str, notes: str, reason: str, working_paper: str = "", by: User | None = None
) -> AuditItem:
    """After completion: a new item that corrects ``item`` (which stays as it was). A new non-conformity makes a
    finding; the finding of the corrected item stays (its follow-up decides)."""
    if item.audit.status != AuditStatus.COMPLETED:
        raise ValidationError("完了した監査の項目だけ訂正できます（実施中はそのまま修正してください）。")
    if item.corrections.exists():
        raise ValidationError("この項目は既に訂正されています。最新の項目を訂正してください。")
    if result not in ItemResult.values:
        raise ValidationError({"result": "結果を選んでください。"})
    if not reason.strip():
        raise ValidationError({"reason": "訂正の理由を入力してください。"})
    if result in NONCONFORMING and not notes.strip():
        raise ValidationError({"notes": "不適合の場合は所見を入力してください。"})
    with transaction.atomic():
        new = AuditItem.objects.create(
            municipality_id=item.municipality_id,
            audit=item.audit,
            order=item.order,
            commitment=item.commitment,
            text=item.text,
            result=result,
            notes=notes,
            working_paper=working_paper,
            corrects=item,
            correction_reason=reason,
            updated_at=timezone.now(),
        )
        record_create(new, municipality_id=item.municipality_id, summary="完了した監査の項目を訂正")
        if new.is_nonconforming:
            _finding_for(new, by=by)
    return new


def reaudit_schedule(
    *, finding: Finding, planned_start: dt.date, audit_type: str = AuditType.ONSITE, by: User | None = None
) -> Audit:
    """Schedule a re-audit of a finding's unit in the programme of the 年度 of ``planned_start``."""
    from piaops.lib.fiscal import fiscal_year

    fy = fiscal_year(planned_start)
    programme = AuditProgramme.objects.filter(municipality_id=finding.municipality_id, fiscal_year=fy).first()
    if programme is None:
        programme = programme_create(municipality=finding.unit.municipality, fiscal_year=fy, by=by)
    source = (
        Audit.objects.filter(items__pk=finding.source_id).first()
        if finding.source_type == "audits.item" and finding.source_id is not None
        else None
    )
    works = list(source.works.all()) if source else []
    return audit_create(
        programme=programme,
        unit=finding.unit,
        works=works,
        audit_type=audit_type,
        planned_start=planned_start,
        planned_end=planned_start,
        auditors=[],
        by=by,
        reaudit_of=finding,
    )


def reaudit_plan(
    *, finding: Finding, planned_start: dt.date, auditor: User, exception_reason: str = "", by: User | None = None
) -> Audit:
    """Schedule a re-audit of ``finding`` (:func:`reaudit_schedule`) with ``auditor`` as its auditor
    (:func:`auditor_assign`): both, or neither."""
    with transaction.atomic():
        audit = reaudit_schedule(finding=finding, planned_start=planned_start, by=by)
        auditor_assign(audit=audit, user=auditor, exception_reason=exception_reason, by=by)
    return audit
