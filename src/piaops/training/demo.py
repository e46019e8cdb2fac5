"""Demo step: courses (one built on IPA's material), the report's requirements, and an imperfect history.

Runs after ``piaops.tenancy.demo`` and uses the people and assignments it created. The J-LIS intermediate-server
operators are the one group it adds itself when the tenant has none (they exist only for their training).
History: most people took the initial course in time, some late, a few never; the yearly course is sometimes
skipped or failed first; new arrivals (hires and transfers) mostly but not always read the handout.
Idempotent and deterministic.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

from piaops.assessments.models import Commitment
from piaops.assessments.vocab import CommitmentKind
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.lib.fiscal import add_months, fiscal_year, fiscal_year_start
from piaops.tenancy.models import Assignment, EmploymentType, Municipality, OrgUnit, Party, Person, Work
from piaops.training.models import Course, Delivery, Record, Requirement, Result, Session, Topic, Trigger
from piaops.training.periods import period_of

SEED = 20260406


@transaction.atomic
def build(*, municipality: Municipality, people: int, today: dt.date) -> None:
    if Course.objects.for_municipality(municipality).exists():
        return
    rng = random.Random(SEED + municipality.pk)
    courses = _courses(municipality, today)
    party = _intermediate_server_party(municipality)
    _operators(municipality, party, today, rng)
    work = Work.objects.for_municipality(municipality).filter(name__contains="地方税").first()
    _requirements(municipality, courses, party, work)
    sessions = _sessions(municipality, courses, today)
    count = _history(municipality, courses, sessions, party, today, rng)
    record(
        action=Action.CREATE,
        municipality_id=municipality.pk,
        object_type="training.Record",
        summary=f"デモデータ：研修 {len(courses)} 件・受講要件 5 件・受講記録 {count} 件を作成",
    )


def _courses(m: Municipality, today: dt.date) -> dict[str, Course]:
    ipa_date = dt.date(fiscal_year(today), 3, 1) if today.month >= 4 else dt.date(today.year - 1, 3, 1)
    specs: list[dict[str, Any]] = [
        dict(
            code="PRV-INIT",
            title="個人情報保護・番号制度 初任者研修",
            topics=[Topic.PRIVACY, Topic.MY_NUMBER, Topic.OPERATIONS],
            material_title="特定個人情報の取扱いの手引",
            material_version="第5版",
            material_source="番号制度推進課",
            delivery=Delivery.CLASSROOM,
            duration_minutes=90,
            has_test=True,
            pass_mark=70,
        ),
        dict(
            code="PRV-EL",
            title="個人情報保護・番号制度 e-ラーニング（初任者向け）",
            topics=[Topic.PRIVACY, Topic.MY_NUMBER],
            material_title="特定個人情報の取扱いの手引（e-ラーニング版）",
            material_version="第5版",
            material_source="番号制度推進課",
            delivery=Delivery.ELEARNING,
            duration_minutes=45,
            has_test=True,
            pass_mark=80,
        ),
        dict(
            code="SEC-ANNUAL",
            title="情報セキュリティ年次研修（地方税事務従事者）",
            topics=[Topic.SECURITY, Topic.PRIVACY, Topic.INCIDENT],
            material_title="情報セキュリティ教育資料",
            material_version=f"{fiscal_year(today)}年度版",
            material_source="情報システム課",
            delivery=Delivery.ELEARNING,
            duration_minutes=60,
            has_test=True,
            pass_mark=70,
        ),
        dict(
            code="TRANSFER",
            title="着任者向け（新規採用・異動） 特定個人情報取扱い説明資料",
            topics=[Topic.OPERATIONS, Topic.MY_NUMBER],
            material_title="所属別取扱手順書",
            material_version="令和8年4月版",
            material_source="番号制度推進課",
            delivery=Delivery.HANDOUT,
            duration_minutes=30,
        ),
        dict(
            code="MIDSRV-SEC",
            title="中間サーバー・プラットフォーム 運用規則・情報セキュリティ教育",
            topics=[Topic.SECURITY, Topic.OPERATIONS],
            material_title="情報セキュリティ教育用資料（IPA）を基にしたセキュリティ教育資料",
            material_version=f"{ipa_date.year}年版",
            material_source="独立行政法人情報処理推進機構（IPA）",
            material_date=ipa_date,
            delivery=Delivery.CLASSROOM,
            duration_minutes=120,
        ),
    ]
    out = {}
    for spec in specs:
        course = Course(municipality=m, **spec)
        course.save()
        out[course.code] = course
    return out


def _intermediate_server_party(m: Municipality) -> Party:
    party = Party.objects.for_municipality(m).filter(kind=Party.Kind.INTERMEDIATE_SERVER).first()
    if party is None:
        party = Party.objects.create(
            municipality=m, name="地方公共団体情報システム機構（中間サーバー）", kind=Party.Kind.INTERMEDIATE_SERVER
        )
    return party


def _operators(m: Municipality, party: Party, today: dt.date, rng: random.Random) -> None:
    """J-LIS operators of the intermediate server, if the roster has none: 8 people, two of them new this half."""
    if party.people.exists():
        return
    unit = (
        OrgUnit.objects.for_municipality(m).filter(is_it=True).first()
        or OrgUnit.objects.for_municipality(m).order_by("path").first()
    )
    if unit is None:
        return
    half_start = period_of(today, 2).start
    for i in range(8):
        start = (
            fiscal_year_start(fiscal_year(today) - 2) if i < 6 else half_start + dt.timedelta(days=rng.randint(0, 20))
        )
        start = min(start, today)
        person = Person.objects.create(
            municipality=m,
            staff_number=f"JLIS-{i + 1:03d}",
            name=f"中間サーバー運用要員{i + 1:02d}",
            employment_type=EmploymentType.CONTRACTOR,
            party=party,
            employed_from=start,
        )
        Assignment.objects.create(
            municipality=m, person=person, unit=unit, start_date=start, handles_specific_personal_info=True
        )


def _requirements(m: Municipality, c: dict[str, Course], party: Party, work: Work | None) -> None:
    # The municipality's own staff; contractors (J-LIS operators included) are trained by their employer.
    staff = [t for t in EmploymentType.values if t != EmploymentType.CONTRACTOR]
    specs: list[tuple[dict[str, Any], list[str]]] = [
        (
            dict(
                name="初任時研修（会計年度任用職員等を含む）",
                trigger=Trigger.INITIAL,
                within_days=30,
                employment_types=staff,
            ),
            ["PRV-INIT", "PRV-EL"],
        ),
        (
            dict(
                name="情報セキュリティ年次研修（地方税賦課徴収事務）",
                trigger=Trigger.EVERY_MONTHS,
                every_months=12,
                grace_days=30,
                work=work,
                employment_types=staff,
            ),
            ["SEC-ANNUAL"],
        ),
        (
            dict(
                name="着任時の所属別取扱い説明（新規採用・異動）",
                trigger=Trigger.ON_ASSIGNMENT,
                within_days=14,
                employment_types=staff,
            ),
            ["TRANSFER"],
        ),
        (
            dict(
                name="中間サーバー運用要員 年次教育（年2回）",
                trigger=Trigger.PER_FISCAL_YEAR,
                times_per_year=2,
                grace_days=14,
                party=party,
                handling_only=False,
            ),
            ["MIDSRV-SEC"],
        ),
        (
            dict(
                name="中間サーバー運用要員 随時教育（新規要員着任時）",
                trigger=Trigger.ON_ASSIGNMENT,
                within_days=7,
                party=party,
                handling_only=False,
            ),
            ["MIDSRV-SEC"],
        ),
    ]
    # The J-LIS operators' requirements carry out the report's promise 「年次(年2回)及び随時(新規要員着任時)」: linked,
    # they follow its cadence when a new version of the report changes it.
    promise = (
        Commitment.objects.filter(municipality=m, text__contains="年次(年2回)")
        .current()
        .of_kind(CommitmentKind.TRAINING)
        .first()
    )
    for fields, codes in specs:
        req = Requirement(municipality=m, **fields)
        if fields.get("party") == party:
            req.commitment = promise
        req.save()
        req.courses.set([c[code] for code in codes])


# (course, days into the month, place, trainer, months held: None = every month)
SESSIONS: list[tuple[str, int, str, str, tuple[int, ...] | None]] = [
    ("PRV-INIT", 9, "本庁舎 研修室", "番号制度推進課", None),
    ("MIDSRV-SEC", 14, "中間サーバー拠点", "J-LIS", (5, 11)),
]


def _sessions(m: Municipality, c: dict[str, Course], today: dt.date) -> dict[tuple[int, dt.date], Session]:
    """Classroom sessions of the initial course every month, and of the J-LIS course twice a year."""
    out: dict[tuple[int, dt.date], Session] = {}
    day = fiscal_year_start(fiscal_year(today) - 3)
    while day <= today:
        for code, offset, place, trainer, months in SESSIONS:
            if months is None or day.month in months:
                session = Session.objects.create(
                    municipality=m, course=c[code], date=day + dt.timedelta(days=offset), place=place, trainer=trainer
                )
                out[(c[code].pk, session.date)] = session
        day = add_months(day, 1)
    return out


def _history(
    m: Municipality,
    c: dict[str, Course],
    sessions: dict[tuple[int, dt.date], Session],
    party: Party,
    today: dt.date,
    rng: random.Random,
) -> int:
    assignments: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.for_municipality(m).filter(handles_specific_personal_info=True).order_by("start_date"):
        assignments[a.person_id].append(a)
    people = {p.pk: p for p in Person.objects.for_municipality(m).filter(pk__in=list(assignments))}
    records: list[Record] = []

    def add(
        person: Person, course: Course, day: dt.date, result: str = Result.COMPLETED, score: int | None = None
    ) -> None:
        if day > today or (person.employed_from and day < person.employed_from):
            return
        if person.employed_to and day > person.employed_to:
            return
        if course.has_test and score is None:
            score = rng.randint(course.pass_mark or 0, 100)
            result = Result.PASSED
        records.append(
            Record(
                municipality=m,
                person=person,
                course=course,
                session=sessions.get((course.pk, day)),
                completed_on=day,
                result=result,
                score=score,
                source=Record.Source.IMPORT if course.delivery == Delivery.ELEARNING else Record.Source.MANUAL,
            )
        )

    for person_id, items in assignments.items():
        person = people[person_id]
        first = items[0].start_date
        if person.party_id == party.pk:
            _operator_history(person, first, today, c["MIDSRV-SEC"], add, rng)
            continue
        draw = rng.random()
        initial = c["PRV-EL"] if person.employment_type == EmploymentType.FISCAL_YEAR else c["PRV-INIT"]
        if draw < 0.84:
            add(person, initial, first + dt.timedelta(days=rng.randint(2, 26)))
        elif draw < 0.92:
            add(person, initial, first + dt.timedelta(days=rng.randint(35, 70)))  # late
        # else: never took it (the overview flags them)
        year_day = add_months(first, rng.randint(9, 12))
        while year_day <= today:
            if rng.random() < 0.9:
                if rng.random() < 0.06:
                    add(person, c["SEC-ANNUAL"], year_day, Result.FAILED, rng.randint(30, 69))
                    add(person, c["SEC-ANNUAL"], year_day + dt.timedelta(days=7))
                else:
                    add(person, c["SEC-ANNUAL"], year_day)
            year_day = add_months(year_day, 12) + dt.timedelta(days=rng.randint(-20, 10))
        for item in items:
            if rng.random() < 0.85:
                add(person, c["TRANSFER"], item.start_date + dt.timedelta(days=rng.randint(0, 12)))
    Record.objects.bulk_create(records, batch_size=2000)
    return len(records)


def _operator_history(
    person: Person, first: dt.date, today: dt.date, course: Course, add: Callable[..., None], rng: random.Random
) -> None:
    """Operators: the newcomer course within a week (mostly), then once per half (one half missed now and then)."""
    if rng.random() < 0.85:
        add(person, course, first + dt.timedelta(days=rng.randint(1, 6)))
    period = period_of(first, 2)
    while period.start <= today:
        if rng.random() < 0.88:
            add(person, course, period.start + dt.timedelta(days=rng.randint(30, 120)))
        period = period_of(period.end + dt.timedelta(days=1), 2)
