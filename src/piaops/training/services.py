"""Writes of the training app. Each change and its audit-trail entry commit together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from piaops.assessments import followers
from piaops.assessments.models import AssessmentReport
from piaops.audittrail import services as audit
from piaops.audittrail.models import Action
from piaops.lib import cadence as cadence_grammar
from piaops.tenancy.models import Municipality, Person, User
from piaops.training.models import Course, Rating, RatingDecision, Record, Requirement, Result, Session, Trigger


def _save(obj: Course | Session | Requirement, *, summary: str) -> None:
    """Create or update ``obj`` with its audit entry (the caller holds the transaction)."""
    if obj.pk is None:
        obj.full_clean()
        obj.save()
        audit.record_create(obj, municipality_id=obj.municipality_id, summary=summary)
        return
    before = audit.snapshot(type(obj).objects.get(pk=obj.pk))
    obj.full_clean()
    obj.save()
    audit.record_update(obj, before=before, municipality_id=obj.municipality_id, summary=summary)


def timing_from_cadence(value: str) -> dict[str, Any] | None:
    """Requirement timing fields for a cadence of the one grammar (:mod:`piaops.lib.cadence`); None when the
    cadence does not say when to train (随時, 定期的に, unstated).

    年N回 (N dividing 12) is N windows of the 年度; any other period is every N months (隔年 = 24); 初任時 and
    新規着任時 are their triggers."""
    if not value or not cadence_grammar.is_value(value):
        return None
    c = cadence_grammar.from_value(value)
    if c == cadence_grammar.INITIAL:
        return {"trigger": Trigger.INITIAL}
    if c == cadence_grammar.ON_ASSIGNMENT:
        return {"trigger": Trigger.ON_ASSIGNMENT}
    if c.every_months is None:
        return None
    if c.per_year is not None and c.per_year <= 12 and c.divides_fiscal_year:
        return {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": c.per_year}
    if c.per_year is not None and c.per_year > 12:
        return {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": 12}  # 月2回, 毎週: tracked monthly
    return {"trigger": Trigger.EVERY_MONTHS, "every_months": c.every_months}


_PERIODIC_TRIGGERS = (Trigger.PER_FISCAL_YEAR, Trigger.EVERY_MONTHS)


def _timing_for(requirement: Requirement, values: list[str]) -> dict[str, Any] | None:
    """The timing the successor's cadences give a requirement of this kind: a periodic requirement takes the
    first period stated; an initial / on-assignment one keeps its trigger while the text still states it."""
    for value in values:
        timing = timing_from_cadence(value)
        if timing is None:
            continue
        if requirement.trigger in _PERIODIC_TRIGGERS and timing["trigger"] in _PERIODIC_TRIGGERS:
            return timing
        if timing["trigger"] == requirement.trigger:
            return timing
    return None


@transaction.atomic
def follow_report_version(*, report: AssessmentReport, actor: User | None) -> int:
    """Requirements made from a commitment of the previous version follow its successor in ``report``; a changed
    cadence changes their timing (audit entry, and ``cadence_note`` shown on the requirements page). When the
    successor no longer states the requirement's kind of timing, the timing stays and the note says so. Rows
    changed."""
    successors = followers.successors(report)
    moved = 0
    for requirement in Requirement.objects.filter(
        municipality_id=report.municipality_id, commitment_id__in=list(successors)
    ).select_for_update():
        assert requirement.commitment_id is not None
        successor = successors[requirement.commitment_id]
        values = list(successor.cadences) or ([successor.cadence] if successor.cadence else [])
        before = requirement.timing_text()
        requirement.commitment = successor
        timing = _timing_for(requirement, values)
        if timing is None:
            stated = "・".join(cadence_grammar.label(v) for v in values) or "記載なし"
            requirement.cadence_note = (
                f"評価書第{report.version}版の頻度（{stated}）はこの要件の時期を定めていません。"
                "時期を確認してください。"
            )
        else:
            for field, value in timing.items():
                setattr(requirement, field, value)
            after = requirement.timing_text()
            if after != before:
                requirement.cadence_note = (
                    f"評価書第{report.version}版で時期が「{before}」から「{after}」に変わりました。"
                )
        _save(requirement, summary=requirement.cadence_note or f"評価書第{report.version}版の約束に付け替え")
        moved += 1
    return moved


@transaction.atomic
def course_save(*, course: Course) -> Course:
    _save(course, summary="研修を登録" if course.pk is None else "研修を更新")
    return course


@transaction.atomic
def session_save(*, session: Session) -> Session:
    if session.course.municipality_id != session.municipality_id:
        raise ValidationError("研修が見つかりません。")
    _save(session, summary="研修の実施回を登録" if session.pk is None else "研修の実施回を更新")
    return session


@transaction.atomic
def requirement_save(*, requirement: Requirement, courses: Iterable[Course]) -> Requirement:
    """Save a requirement and the courses that satisfy it (the course list is part of the audit entry)."""
    courses = list(courses)
    if not courses:
        raise ValidationError("対象研修を1つ以上選んでください。")
    if any(c.municipality_id != requirement.municipality_id for c in courses):
        raise ValidationError("研修が見つかりません。")
    is_new = requirement.pk is None
    requirement.cadence_note = ""  # an admin who saves the requirement has seen the note of a report change
    before_ids = [] if is_new else sorted(requirement.courses.values_list("pk", flat=True))
    _save(requirement, summary="受講要件を登録" if is_new else "受講要件を更新")
    requirement.courses.set(courses)
    after_ids = sorted(c.pk for c in courses)
    if before_ids != after_ids:
        audit.record(
            action=Action.UPDATE,
            municipality_id=requirement.municipality_id,
            obj=requirement,
            summary="受講要件の対象研修を設定",
            before={"courses": before_ids},
            after={"courses": after_ids},
        )
    return requirement


def result_for(course: Course, *, result: str | None, score: int | None) -> str:
    """The result to store: given, or derived from the score and the course's pass mark."""
    if result:
        return result
    if course.has_test and score is not None and course.pass_mark is not None:
        return Result.PASSED if score >= course.pass_mark else Result.FAILED
    return Result.COMPLETED


def record_problems(
    *, person: Person, course: Course, session: Session | None, completed_on: dt.date, today: dt.date
) -> list[str]:
    """Why a record cannot be stored (Japanese messages); empty when it can."""
    problems = []
    if completed_on > today:
        problems.append("受講日が未来の日付です。")
    if person.employed_from and completed_on < person.employed_from:
        problems.append(f"受講日が任用開始日（{person.employed_from.isoformat()}）より前です。")
    if person.employed_to and completed_on > person.employed_to:
        problems.append(f"受講日が任用終了日（{person.employed_to.isoformat()}）より後です。")
    if session is not None and session.course_id != course.pk:
        problems.append("実施回が研修と一致しません。")
    if not course.is_active:
        problems.append("この研修は無効です。")
    return problems


@transaction.atomic
def record_create(
    *,
    person: Person,
    course: Course,
    completed_on: dt.date,
    today: dt.date,
    session: Session | None = None,
    result: str | None = None,
    score: int | None = None,
    evidence: str = "",
    recorded_by: User | None = None,
) -> Record:
    """Record one attendance by hand. Refuses dates outside the person's employment and future dates."""
    if not (person.municipality_id == course.municipality_id):
        raise ValidationError("研修が見つかりません。")
    problems = record_problems(person=person, course=course, session=session, completed_on=completed_on, today=today)
    if problems:
        raise ValidationError(problems)
    rec = Record(
        municipality_id=person.municipality_id,
        person=person,
        course=course,
        session=session,
        completed_on=completed_on,
        result=result_for(course, result=result, score=score),
        score=score,
        evidence=evidence,
        recorded_by=recorded_by,
    )
    rec.full_clean()
    rec.save()
    audit.record_create(rec, municipality_id=rec.municipality_id, summary="受講記録を登録")
    return rec


@transaction.atomic
def rating_decide(
    *,
    municipality: Municipality,
    fiscal_year: int,
    as_of: dt.date,
    suggested: int,
    rating: int,
    reason: str,
    figures: dict[str, Any],
    decided_by: User | None,
) -> RatingDecision:
    """Adopt a Ⅳ-2 rating. A rating other than the suggestion needs a reason."""
    if rating not in Rating.values:
        raise ValidationError("評価を選んでください。")
    if rating != suggested and not reason.strip():
        raise ValidationError("提案と異なる評価を採用する場合は理由を入力してください。")
    decision = RatingDecision(
        municipality=municipality,
        fiscal_year=fiscal_year,
        as_of=as_of,
        suggested=suggested,
        rating=rating,
        reason=reason,
        figures=figures,
        decided_by=decided_by,
    )
    decision.full_clean()
    decision.save()
    summary = "Ⅳ-2の評価を決定" + ("（提案と異なる評価）" if rating != suggested else "")
    audit.record_create(decision, municipality_id=municipality.pk, summary=summary)
    return decision
