"""Writes of findings and follow-ups. Every status change is a named transition with a history row and an audit
entry from the same actor (``record_transition``), in one transaction.

Transitions::

    open ──plan──▶ planned ──complete──▶ completed ──verify(accept)──▶ verified
                     ▲                        │
                     └────verify(reopen)──────┘
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from piaops.assessments.models import Commitment
from piaops.audittrail.services import record_create, record_update, snapshot
from piaops.audittrail.transitions import record_transition
from piaops.findings.models import (
    Finding,
    FindingStatus,
    FollowUp,
    ProgressUpdate,
    Severity,
    Source,
)
from piaops.lib.fiscal import is_office_day
from piaops.lib.versioning import ConflictError, claim_version, conflict_message
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import OrgUnit, User


def can_verify(user: User, finding: Finding) -> bool:
    """Who accepts (or reopens) a completed follow-up, on the pages and in the API alike: auditors for audit
    findings; for self-inspection findings the 番号制度総括部門 (``SELFCHECK_MANAGE``), whose process the
    self-inspection is, or an auditor, because the audit (Ⅳ-1②) follows up the self-inspection's improvement plans
    and lists them in its programme. A unit never verifies itself, nor does a viewer."""
    if finding.source == Source.AUDIT:
        return access.has_perm(user, Perm.AUDIT_PERFORM)
    return access.has_perm(user, Perm.SELFCHECK_MANAGE) or access.has_perm(user, Perm.AUDIT_PERFORM)


def _check_due(due_date: dt.date) -> None:
    if not is_office_day(due_date):
        raise ValidationError({"due_date": "完了予定日は開庁日（土日・祝日・年末年始以外）を指定してください。"})


def finding_create(
    *,
    unit: OrgUnit,
    fiscal_year: int,
    title: str,
    source: Source | str,
    by: User | None = None,
    description: str = "",
    evidence: str = "",
    severity: Severity | str = Severity.MEDIUM,
    commitment: Commitment | None = None,
    source_type: str = "",
    source_id: int | None = None,
) -> Finding:
    """A new open finding. With ``source_type``/``source_id`` it is created once per source row (idempotent)."""
    with transaction.atomic():
        if source_id is not None:
            existing = Finding.objects.filter(
                municipality_id=unit.municipality_id, source_type=source_type, source_id=source_id
            ).first()
            if existing is not None:
                return cast("Finding", existing)
        finding = Finding.objects.create(
            municipality_id=unit.municipality_id,
            unit=unit,
            fiscal_year=fiscal_year,
            title=title,
            description=description,
            evidence=evidence,
            severity=severity,
            commitment=commitment,
            source=source,
            source_type=source_type,
            source_id=source_id,
        )
        record_create(finding, municipality_id=unit.municipality_id, summary="指摘事項を登録")
        record_transition(
            finding,  # a model's _meta is a ClassVar, the Protocol's is not
            to=FindingStatus.OPEN,
            by=by,
            initial=True,
        )
    return finding


FOLLOWUP = "この改善計画"


def followup_plan(
    *,
    finding: Finding,
    plan: str,
    due_date: dt.date,
    by: User | None = None,
    actions: str = "",
    responsible: str = "",
    expected_version: int | None = None,
) -> FollowUp:
    """Propose (or revise) the improvement plan. An open finding becomes 改善中.

    ``expected_version`` is the version of the plan the user edited, ``0`` when they saw none yet: if someone saved
    (or first proposed) a plan since, this raises :class:`~piaops.lib.versioning.ConflictError` and saves nothing.
    None: no check.
    """
    if not plan.strip():
        raise ValidationError({"plan": "改善計画を入力してください。"})
    _check_due(due_date)
    with transaction.atomic():
        # The finding's row lock orders two first proposals (the second then finds the first's plan).
        finding.status = Finding.objects.select_for_update().values_list("status", flat=True).get(pk=finding.pk)
        if finding.status == FindingStatus.VERIFIED:
            raise ValidationError("確認済みの指摘事項の改善計画は変更できません。")
        followup = FollowUp.objects.filter(finding=finding).first()
        if followup is None:
            if expected_version:
                raise ConflictError(
                    conflict_message(FOLLOWUP, expected=expected_version, current=None), expected=expected_version
                )
            followup = FollowUp.objects.create(
                municipality_id=finding.municipality_id,
                finding=finding,
                plan=plan,
                actions=actions,
                responsible=responsible,
                due_date=due_date,
            )
            record_create(followup, municipality_id=finding.municipality_id, summary="改善計画を登録")
        else:
            if expected_version == 0:  # the user proposed a first plan, but one was proposed meanwhile
                raise ConflictError(
                    conflict_message(FOLLOWUP, expected=None, current=followup.version),
                    expected=0,
                    current=followup.version,
                )
            version = claim_version(FollowUp, pk=followup.pk, expected_version=expected_version, what=FOLLOWUP)
            followup.refresh_from_db()
            before = snapshot(followup)
            followup.plan, followup.actions, followup.responsible, followup.due_date = (
                plan,
                actions,
                responsible,
                due_date,
            )
            followup.version = version
            followup.save(update_fields=["plan", "actions", "responsible", "due_date"])
            record_update(followup, before=before, municipality_id=finding.municipality_id, summary="改善計画を変更")
        if finding.status == FindingStatus.OPEN:
            record_transition(
                finding,  # a model's _meta is a ClassVar, the Protocol's is not
                to=FindingStatus.PLANNED,
                by=by,
            )
            finding.save(update_fields=["status"])
    return followup


def followup_progress(*, followup: FollowUp, note: str, on: dt.date, by: User | None = None) -> ProgressUpdate:
    if not note.strip():
        raise ValidationError({"note": "進捗の内容を入力してください。"})
    with transaction.atomic():
        update = ProgressUpdate.objects.create(
            municipality_id=followup.municipality_id, followup=followup, on=on, note=note, by=by
        )
        record_create(update, municipality_id=followup.municipality_id, summary="改善の進捗を報告")
    return update


def followup_complete(*, followup: FollowUp, completed_on: dt.date, note: str, by: User | None = None) -> FollowUp:
    """The unit reports the plan done; the finding waits for verification."""
    finding = followup.finding
    if finding.status != FindingStatus.PLANNED:
        raise ValidationError("改善中の指摘事項だけ完了報告できます。")
    if not note.strip():
        raise ValidationError({"note": "完了報告の内容を入力してください。"})
    with transaction.atomic():
        followup.version = claim_version(FollowUp, pk=followup.pk, expected_version=None, what=FOLLOWUP)
        before = snapshot(followup)
        followup.completed_on, followup.completion_note = completed_on, note
        followup.save(update_fields=["completed_on", "completion_note"])
        record_update(followup, before=before, municipality_id=followup.municipality_id, summary="改善の完了報告")
        record_transition(
            finding,  # a model's _meta is a ClassVar, the Protocol's is not
            to=FindingStatus.COMPLETED,
            by=by,
            note=note,
        )
        finding.save(update_fields=["status"])
    return followup


def followup_verify(*, followup: FollowUp, accept: bool, by: User | None = None, note: str = "") -> FollowUp:
    """Accept the completion (確認済) or reopen it (back to 改善中, with a reason)."""
    finding = followup.finding
    if finding.status != FindingStatus.COMPLETED:
        raise ValidationError("完了報告済みの指摘事項だけ確認できます。")
    if not accept and not note.strip():
        raise ValidationError({"note": "差し戻す理由を入力してください。"})
    with transaction.atomic():
        followup.version = claim_version(FollowUp, pk=followup.pk, expected_version=None, what=FOLLOWUP)
        before = snapshot(followup)
        if accept:
            followup.verified_at = timezone.now()
            followup.verified_by = by
            to = FindingStatus.VERIFIED
        else:
            followup.completed_on = None
            to = FindingStatus.PLANNED
        followup.save()
        record_update(followup, before=before, municipality_id=followup.municipality_id, summary="改善の確認")
        record_transition(
            finding,  # a model's _meta is a ClassVar, the Protocol's is not
            to=to,
            by=by,
            note=note,
        )
        finding.save(update_fields=["status"])
    return followup
