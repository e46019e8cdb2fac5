"""A new report version that changes a commitment's cadence: the obligations and training requirements made from
it follow (audit entry, and a note on their page), instead of keeping the old cycle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from piaops.assessments.models import AssessmentReport
from piaops.assessments.services import report_import
from piaops.assurance import services
from piaops.assurance.models import Obligation, ObligationEvent
from piaops.audittrail.models import AuditEntry
from piaops.tenancy.models import Party, Work
from piaops.training.models import Course, Requirement, Trigger
from piaops.training.services import timing_from_cadence
from tests import factories as f
from tests.conftest import World

D = dt.date
REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"
TWICE = "年次(年2回)及び随時(新規要員着任時)"


def _import(world: World, text: str, version_name: str) -> AssessmentReport:
    work = Work.objects.for_municipality(world.a).filter(name="地方税賦課徴収事務").first() or f.work(world.a)
    return report_import(
        municipality=world.a,
        works=[work],
        data=text.encode(),
        filename=version_name,
        user=world.admin_a,
        published_on=D(2026, 4, 1),
    )


@pytest.fixture
def first(world: World) -> AssessmentReport:
    f.party(world.a, "中間サーバー・プラットフォーム", Party.Kind.INTERMEDIATE_SERVER)
    f.party(world.a, "札幌市", Party.Kind.MUNICIPALITY)
    return _import(world, REFERENCE.read_text(encoding="utf-8"), "v1.md")


def _training_commitment(report: AssessmentReport):  # type: ignore[no-untyped-def]
    return report.commitments.get(text__contains="情報セキュリティに関する教育を")


@pytest.mark.parametrize(
    ("replacement", "cadence", "label", "times"),
    [
        ("四半期ごと及び随時(新規要員着任時)", "quarterly", "四半期ごと", 4),
        ("毎年度及び随時(新規要員着任時)", "annual", "毎年（年度ごと）", 1),
        ("年3回及び随時(新規要員着任時)", "per_year_3", "年3回", 3),
    ],
)
def test_obligation_and_requirement_follow_a_changed_cadence(
    world: World, first: AssessmentReport, client: Client, replacement: str, cadence: str, label: str, times: int
) -> None:
    old = _training_commitment(first)
    assert old.cadences == ["semiannual", "on_assignment"]
    (obligation,) = [
        o
        for o in services.obligations_from_commitments(municipality=world.a, today=D(2026, 5, 10))
        if o.commitment_id == old.pk
    ]
    assert (obligation.cadence, obligation.nominal_due) == ("semiannual", D(2026, 9, 30))
    course = Course.objects.create(municipality=world.a, code="J", title="運用者教育")
    requirement = Requirement.objects.create(
        municipality=world.a, name="運用者教育", trigger=Trigger.PER_FISCAL_YEAR, times_per_year=2, commitment=old
    )
    requirement.courses.set([course])
    on_arrival = Requirement.objects.create(
        municipality=world.a, name="着任時教育", trigger=Trigger.ON_ASSIGNMENT, within_days=30, commitment=old
    )

    text = REFERENCE.read_text(encoding="utf-8").replace(TWICE, replacement)
    second = _import(world, text, "v2.md")

    new = _training_commitment(second)
    obligation.refresh_from_db()
    assert obligation.commitment_id == new.pk and obligation.cadence == cadence
    event = obligation.events.get(kind=ObligationEvent.Kind.CADENCE_CHANGED)
    assert f"「年2回」から「{label}」" in event.note and "第2版" in event.note
    assert AuditEntry.objects.filter(object_type="assurance.Obligation", summary=event.note).exists()
    requirement.refresh_from_db()
    assert (requirement.commitment_id, requirement.times_per_year) == (new.pk, times)
    assert "第2版" in requirement.cadence_note
    assert AuditEntry.objects.filter(object_type="training.Requirement", summary=requirement.cadence_note).exists()
    on_arrival.refresh_from_db()  # the text still states 新規要員着任時: nothing to change
    assert on_arrival.commitment_id == new.pk and on_arrival.cadence_note == ""

    client.force_login(world.admin_a)
    page = client.get(reverse("assurance:obligation_detail", args=[obligation.pk])).content.decode()
    assert event.note in page
    page = client.get(reverse("training:requirements")).content.decode()
    assert requirement.cadence_note in page


def test_an_unchanged_cadence_only_moves_the_link(world: World, first: AssessmentReport) -> None:
    services.obligations_from_commitments(municipality=world.a, today=D(2026, 5, 10))
    text = REFERENCE.read_text(encoding="utf-8").replace("運用規則(接続運用規程等)や", "運用規則や")
    second = _import(world, text, "v2.md")
    new = _training_commitment(second)
    obligation = Obligation.objects.get(commitment=new)
    assert obligation.cadence == "semiannual" and obligation.nominal_due == D(2026, 9, 30)
    assert not obligation.events.filter(kind=ObligationEvent.Kind.CADENCE_CHANGED).exists()


def test_an_occasion_the_new_text_drops_leaves_a_note_not_a_change(world: World, first: AssessmentReport) -> None:
    old = _training_commitment(first)
    req = Requirement.objects.create(
        municipality=world.a, name="着任時教育", trigger=Trigger.ON_ASSIGNMENT, within_days=30, commitment=old
    )
    second = _import(world, REFERENCE.read_text(encoding="utf-8").replace(TWICE, "四半期ごと"), "v2.md")
    req.refresh_from_db()
    assert req.commitment == _training_commitment(second) and req.trigger == Trigger.ON_ASSIGNMENT
    assert "四半期ごと" in req.cadence_note and "確認してください" in req.cadence_note


@pytest.mark.parametrize(
    ("nominal", "today", "cadence", "after"),
    [
        (D(2027, 3, 31), D(2026, 5, 10), "semiannual", D(2026, 9, 30)),  # sooner window of the new cadence
        (D(2026, 9, 30), D(2026, 5, 10), "annual", D(2026, 9, 30)),  # never later than what was due
        (D(2026, 4, 30), D(2026, 5, 10), "annual", D(2026, 4, 30)),  # overdue stays overdue
        (D(2026, 9, 30), D(2026, 5, 10), "quarterly", D(2026, 6, 30)),
    ],
)
def test_the_due_date_after_a_cadence_change(nominal: D, today: D, cadence: str, after: D) -> None:
    assert services.follow_cadence(nominal_due=nominal, cadence=cadence, today=today) == after


@pytest.mark.parametrize(
    ("value", "timing"),
    [
        ("annual", {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": 1}),
        ("semiannual", {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": 2}),
        ("quarterly", {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": 4}),
        ("per_year_3", {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": 3}),
        ("monthly", {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": 12}),
        ("per_month_2", {"trigger": Trigger.PER_FISCAL_YEAR, "times_per_year": 12}),  # tracked monthly
        ("biennial", {"trigger": Trigger.EVERY_MONTHS, "every_months": 24}),
        ("every_3_fiscal_years", {"trigger": Trigger.EVERY_MONTHS, "every_months": 36}),
        ("every_5_months", {"trigger": Trigger.EVERY_MONTHS, "every_months": 5}),
        ("initial", {"trigger": Trigger.INITIAL}),
        ("on_assignment", {"trigger": Trigger.ON_ASSIGNMENT}),
        ("as_needed", None),
        ("periodic", None),
        ("", None),
    ],
)
def test_a_cadence_gives_a_training_requirement_its_timing(value: str, timing: dict[str, object] | None) -> None:
    assert timing_from_cadence(value) == timing
