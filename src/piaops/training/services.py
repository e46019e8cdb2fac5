"""Writes of the training app. Each change and its audit-trail entry commit together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from piaops.audittrail import services as audit
from piaops.audittrail.models import Action
from piaops.tenancy.models import Municipality, Person
from piaops.training.models import Course, Rating, RatingDecision, Record, Requirement, Result, Session


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
    recorded_by: Any = None,
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
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
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
    decided_by: Any,
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
        decided_by=decided_by if getattr(decided_by, "pk", None) else None,
    )
    decision.full_clean()
    decision.save()
    summary = "Ⅳ-2の評価を決定" + ("（提案と異なる評価）" if rating != suggested else "")
    audit.record_create(decision, municipality_id=municipality.pk, summary=summary)
    return decision
