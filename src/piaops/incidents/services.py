"""Every write of the incidents app: recording, updating, named transitions, routing, consultations, PPC reports.

Each function runs in one transaction, appends a timeline entry where the incident's story changes, and records
the audit trail. Errors a user can fix raise ``IncidentError`` with a Japanese message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from piaops.audittrail.models import Action
from piaops.audittrail.services import record, record_create, record_update, snapshot
from piaops.incidents import ppc, routing
from piaops.incidents.models import Cause, Consultation, Incident, IncidentEvent, IncidentWork, Status
from piaops.lib import versioning
from piaops.lib.dates import local_date
from piaops.tenancy.models import Municipality, OrgUnit, Party, User, Work


class IncidentError(Exception):
    """A request the rules refuse; ``str()`` is the Japanese message for the user."""


class ConflictError(IncidentError, versioning.ConflictError):
    """Someone else saved the incident since the caller loaded it (also a :class:`piaops.lib.versioning.ConflictError`,
    which views of every app catch)."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("start_investigation", "調査・対応を開始", frozenset({Status.REPORTED}), Status.INVESTIGATING),
        Transition("contain", "封じ込め完了", frozenset({Status.REPORTED, Status.INVESTIGATING}), Status.CONTAINED),
        Transition("close", "終結", frozenset({Status.INVESTIGATING, Status.CONTAINED}), Status.CLOSED),
        Transition("reopen", "再開", frozenset({Status.CLOSED, Status.CONTAINED}), Status.INVESTIGATING),
    )
}


def _event(incident: Incident, user: User | None, kind: str, text: str, **extra: Any) -> IncidentEvent:
    return IncidentEvent.objects.create(
        municipality_id=incident.municipality_id,
        incident=incident,
        at=timezone.now(),
        kind=kind,
        text=text,
        actor=user,
        **extra,
    )


def _apply_deadlines(incident: Incident) -> None:
    """Set or clear the PPC due dates from the reportability questions and the day it became known (Japan time).
    A non-reportable incident has none: it is handled and closed internally."""
    if incident.ppc_report_required:
        known_on = local_date(incident.detected_at)
        due = ppc.deadlines(known_on=known_on, unlawful_purpose=incident.unlawful_purpose)
        incident.ppc_prompt_due = due.prompt_due
        incident.ppc_final_due = due.final_due
    else:
        incident.ppc_prompt_due = None
        incident.ppc_final_due = None


def _check_version(incident: Incident, expected_version: int | None) -> None:
    """``incident`` is the row locked by :func:`_locked`, so the check and the save that follows are atomic."""
    if expected_version is not None and incident.version != expected_version:
        raise ConflictError(
            versioning.conflict_message("この事故記録", expected=expected_version, current=incident.version),
            expected=expected_version,
            current=incident.version,
        )


def _locked(incident: Incident) -> Incident:
    return cast("Incident", Incident.objects.select_for_update().get(pk=incident.pk))


@transaction.atomic
def incident_record(
    *,
    municipality: Municipality,
    user: User | None,
    title: str,
    description: str,
    detected_at: dt.datetime,
    occurred_at: dt.datetime | None = None,
    reporting_unit: OrgUnit | None = None,
    systems: str = "",
    works: Iterable[Work] = (),
    personal_info_involved: bool = False,
    leaked: bool = False,
    lost: bool = False,
    damaged: bool = False,
    people_affected: int | None = None,
    unlawful_purpose: bool = False,
    in_network_system: bool = False,
    public_exposure: bool = False,
) -> Incident:
    """Record a new incident, with PPC deadlines when its answers make the PPC report required."""
    incident = Incident(
        municipality=municipality,
        title=title,
        description=description,
        detected_at=detected_at,
        occurred_at=occurred_at,
        reported_at=timezone.now(),
        reporting_unit=reporting_unit,
        systems=systems,
        personal_info_involved=personal_info_involved,
        leaked=leaked,
        lost=lost,
        damaged=damaged,
        people_affected=people_affected,
        unlawful_purpose=unlawful_purpose,
        in_network_system=in_network_system,
        public_exposure=public_exposure,
        created_by=user,
    )
    _apply_deadlines(incident)
    incident.full_clean(exclude=["works"])
    incident.save()
    IncidentWork.objects.bulk_create(
        [IncidentWork(municipality=municipality, incident=incident, work=w) for w in works]
    )
    _event(incident, user, IncidentEvent.Kind.STATUS, "事故の報告を受け付けました。", to_status=Status.REPORTED)
    record_create(incident, municipality_id=municipality.pk)
    return incident


UPDATABLE_FIELDS = (
    "title",
    "description",
    "occurred_at",
    "detected_at",
    "systems",
    "personal_info_involved",
    "leaked",
    "lost",
    "damaged",
    "people_affected",
    "in_network_system",
    "unlawful_purpose",
    "public_exposure",
)


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    user: User | None,
    expected_version: int | None,
    works: Iterable[Work] | None = None,
    **fields: Any,
) -> Incident:
    """Change the facts of an incident. ``expected_version`` is the version the user edited (None: don't check)."""
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    incident = _locked(incident)
    _check_version(incident, expected_version)
    before = snapshot(incident)
    for name, value in fields.items():
        setattr(incident, name, value)
    _apply_deadlines(incident)
    incident.full_clean(exclude=["works"])
    incident.version += 1
    incident.save()
    if works is not None:
        IncidentWork.objects.filter(incident=incident).delete()
        IncidentWork.objects.bulk_create(
            [IncidentWork(municipality_id=incident.municipality_id, incident=incident, work=w) for w in works]
        )
    record_update(incident, before=before, municipality_id=incident.municipality_id)
    return incident


@transaction.atomic
def incident_add_note(*, incident: Incident, user: User | None, text: str) -> IncidentEvent:
    if not text.strip():
        raise IncidentError("経過の内容を入力してください。")
    event = _event(incident, user, IncidentEvent.Kind.NOTE, text.strip())
    record_create(event, municipality_id=incident.municipality_id)
    return event


def available_transitions(incident: Incident) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if incident.status in t.sources]


@transaction.atomic
def incident_transition(
    *, incident: Incident, user: User | None, name: str, note: str = "", expected_version: int | None = None
) -> Incident:
    """Apply the named transition (``TRANSITIONS``); closing needs a routed party and the PPC reports made."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise IncidentError("その状態変更はありません。")
    incident = _locked(incident)
    _check_version(incident, expected_version)
    if incident.status not in transition.sources:
        raise IncidentError(f"「{incident.get_status_display()}」の事故に「{transition.label}」はできません。")
    if transition.target == Status.CLOSED:
        if incident.routing_rule == "" or incident.consultation_required:
            raise IncidentError("対応する主体が決まっていないため終結できません。原因の所在を判定してください。")
        if incident.ppc_report_required and (
            incident.ppc_final_reported_on is None or incident.ppc_final_reported_on > timezone.localdate()
        ):
            raise IncidentError("個人情報保護委員会への確報が済んでいないため終結できません。")
    source = incident.status
    incident.status = transition.target
    incident.version += 1
    incident.save(update_fields=["status", "version"])
    text = transition.label + (f"：{note.strip()}" if note.strip() else "")
    _event(incident, user, IncidentEvent.Kind.STATUS, text, from_status=source, to_status=transition.target)
    record(
        action=Action.TRANSITION,
        municipality_id=incident.municipality_id,
        obj=incident,
        summary=transition.label,
        before={"status": source},
        after={"status": transition.target},
    )
    return incident


def _party_of_kind(incident: Incident, kind: str) -> Party:
    party = (
        Party.objects.for_municipality(incident.municipality_id)
        .filter(kind=kind, is_active=True)
        .order_by("pk")
        .first()
    )
    if party is None:
        raise IncidentError(
            f"対応する主体（{Party.Kind(kind).label}）が登録されていません。先に措置主体・関係事業者に登録してください。"
        )
    return cast("Party", party)


@transaction.atomic
def incident_route(
    *, incident: Incident, user: User | None, cause: str, rationale: str, contract_clause: str = ""
) -> Incident:
    """Decide who must act from the cause (``routing.ROUTING_TABLE``) and record why.

    An unknown or disputed cause routes to a consultation (協議); ``consultation_record`` settles it.
    """
    if not rationale.strip():
        raise IncidentError("判断の理由を入力してください。")
    try:
        route = routing.decide(cause)
    except ValueError as exc:
        raise IncidentError(str(exc)) from exc
    incident = _locked(incident)
    before = snapshot(incident)
    incident.cause = cause
    incident.routing_rule = route.rule
    incident.routed_party = _party_of_kind(incident, route.party_kind) if route.party_kind else None
    incident.consultation_required = route.consultation
    incident.routing_rationale = rationale.strip()
    incident.contract_clause = contract_clause.strip()
    incident.version += 1
    incident.save()
    who = incident.routed_party.name if incident.routed_party else "協議により決定"
    _event(
        incident,
        user,
        IncidentEvent.Kind.ROUTING,
        f"原因の所在：{Cause(cause).label}。対応：{who}。{route.responsibility} 理由：{incident.routing_rationale}",
    )
    record_update(incident, before=before, municipality_id=incident.municipality_id, summary="対応主体の判定")
    return incident


@transaction.atomic
def consultation_record(
    *,
    incident: Incident,
    user: User | None,
    held_on: dt.date,
    participants: str,
    record_text: str,
    agreed_cause: str,
    outcome: str = "",
) -> Consultation:
    """Record a 協議 and route the incident by the cause agreed there (still unknown → consultation continues)."""
    if not incident.consultation_required:
        raise IncidentError("この事故は協議の対象になっていません。")
    consultation = Consultation(
        municipality_id=incident.municipality_id,
        incident=incident,
        held_on=held_on,
        participants=participants,
        record=record_text,
        agreed_cause=agreed_cause,
        outcome=outcome,
    )
    consultation.full_clean()
    consultation.save()
    record_create(consultation, municipality_id=incident.municipality_id)
    _event(
        incident, user, IncidentEvent.Kind.CONSULTATION, f"{held_on.isoformat()} 協議（{participants}）：{record_text}"
    )
    incident_route(
        incident=incident,
        user=user,
        cause=agreed_cause,
        rationale=f"{held_on.isoformat()}の協議による。{outcome}".strip(),
        contract_clause=incident.contract_clause,
    )
    return consultation


@transaction.atomic
def ppc_report_record(*, incident: Incident, user: User | None, kind: str, reported_on: dt.date) -> Incident:
    """Record the day the 速報 (``kind="prompt"``) or 確報 (``"final"``) was made to the PPC."""
    decision = incident.reportability
    if not decision.required:
        raise IncidentError(f"この事故は個人情報保護委員会への報告の対象外です（{'／'.join(decision.reasons)}）。")
    if kind not in {"prompt", "final"}:
        raise IncidentError("報告の種類は速報か確報を選んでください。")
    incident = _locked(incident)
    known_on = local_date(incident.detected_at)
    if reported_on < known_on:
        raise IncidentError("報告日は発覚日以降の日付を入力してください。")
    if reported_on > timezone.localdate():
        raise IncidentError("報告日に未来の日付は入力できません。報告した後で記録してください。")
    if kind == "final" and incident.ppc_prompt_reported_on is None:
        raise IncidentError("確報の前に速報の報告日を記録してください。")
    before = snapshot(incident)
    field = "ppc_prompt_reported_on" if kind == "prompt" else "ppc_final_reported_on"
    setattr(incident, field, reported_on)
    incident.version += 1
    incident.save(update_fields=[field, "version"])
    label = "速報" if kind == "prompt" else "確報"
    due = incident.ppc_prompt_due if kind == "prompt" else incident.ppc_final_due
    late = "（期限超過）" if due and reported_on > due else ""
    _event(
        incident,
        user,
        IncidentEvent.Kind.PPC,
        f"個人情報保護委員会へ{label}を報告しました（{reported_on.isoformat()}）{late}",
    )
    record_update(incident, before=before, municipality_id=incident.municipality_id, summary=f"{label}の報告")
    return incident
