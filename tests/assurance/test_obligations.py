from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from piaops.assessments.models import AssessmentReport, Commitment, Item, Section
from piaops.assurance import services
from piaops.assurance.models import Evidence, Obligation, ObligationEvent
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Party
from tests import factories as f
from tests.assurance.helpers import obligation
from tests.conftest import World

D = dt.date


@pytest.fixture
def jlis(world: World) -> Party:
    return f.party(world.a, "地方公共団体情報システム機構", Party.Kind.INTERMEDIATE_SERVER)


def _submit(o: Obligation, *, content: bytes = b"report", name: str = "report.txt") -> Evidence:
    return services.evidence_submit(
        obligation=o,
        file_name=name,
        content=content,
        period_from=D(2025, 4, 1),
        period_to=D(2026, 3, 31),
        received_on=D(2026, 4, 10),
        submitted_by=None,
    )


def test_a_new_obligation_is_due_on_an_office_day(world: World, jlis: Party) -> None:
    o = obligation(world.a, jlis, due=D(2026, 5, 3))  # a Sunday in ゴールデンウィーク
    assert o.nominal_due == D(2026, 5, 3) and o.next_due == D(2026, 5, 7)
    assert o.events.get().kind == ObligationEvent.Kind.CREATED


def test_accepted_evidence_advances_the_due_date_by_the_cadence(world: World, jlis: Party) -> None:
    o = obligation(world.a, jlis, due=D(2026, 9, 30), cadence="semiannual")
    evidence = _submit(o)
    assert Obligation.objects.get(pk=o.pk).next_due == D(2026, 9, 30)  # submitting alone moves nothing
    services.evidence_review(evidence=evidence, accept=True, reviewer=world.admin_a, note="確認した")
    o.refresh_from_db()
    assert o.nominal_due == D(2027, 3, 31) and o.next_due == D(2027, 3, 31)
    evidence.refresh_from_db()
    assert evidence.conclusion == Evidence.Conclusion.ACCEPTED and evidence.reviewer == world.admin_a
    event = o.events.get(kind=ObligationEvent.Kind.ACCEPTED)
    assert (event.due_before, event.due_after) == (D(2026, 9, 30), D(2027, 3, 31))


def test_the_nominal_date_keeps_its_day_when_a_due_date_moved_to_an_office_day(world: World, jlis: Party) -> None:
    o = obligation(world.a, jlis, due=D(2026, 12, 29), cadence="annual")  # 年末年始 → 2027-01-04
    assert o.next_due == D(2027, 1, 4)
    services.evidence_review(evidence=_submit(o), accept=True, reviewer=None)
    o.refresh_from_db()
    assert o.nominal_due == D(2027, 12, 29) and o.next_due == D(2028, 1, 4)


def test_insufficient_evidence_leaves_the_obligation_overdue(world: World, jlis: Party) -> None:
    o = obligation(world.a, jlis, due=D(2026, 6, 30))
    services.evidence_review(evidence=_submit(o), accept=False, reviewer=world.admin_a, note="署名がない")
    assert list(Obligation.objects.for_municipality(world.a).overdue(D(2026, 7, 10))) == [o]
    assert o.events.filter(kind=ObligationEvent.Kind.RETURNED).exists()


def test_evidence_is_reviewed_only_once(world: World, jlis: Party) -> None:
    o = obligation(world.a, jlis, due=D(2026, 6, 30))
    evidence = _submit(o)
    services.evidence_review(evidence=evidence, accept=True, reviewer=None)
    with pytest.raises(ValidationError, match="すでに確認済み"):
        services.evidence_review(evidence=evidence, accept=True, reviewer=None)
    o.refresh_from_db()
    assert o.next_due == D(2027, 6, 30)  # advanced once, not twice


def test_evidence_keeps_its_file_and_sha256(world: World, jlis: Party) -> None:
    evidence = _submit(obligation(world.a, jlis, due=D(2026, 6, 30)), content=b"abc")
    assert evidence.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert evidence.file.read() == b"abc" and evidence.size == 3


def test_a_file_with_a_my_number_is_refused_and_nothing_is_saved(world: World, jlis: Party) -> None:
    o = obligation(world.a, jlis, due=D(2026, 6, 30))
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        _submit(o, content="氏名,番号\n札幌太郎,1234 5678 9018\n".encode("cp932"), name="名簿.csv")
    message = " ".join(info.value.messages)
    assert "名簿.csv" in message and "2行目" in message and "9018" not in message
    assert not Evidence.objects.exists() and AuditEntry.objects.count() == before


def test_overdue_lists_only_active_obligations_past_due(world: World, jlis: Party) -> None:
    late = obligation(world.a, jlis, due=D(2026, 6, 1), title="遅れている")
    obligation(world.a, jlis, due=D(2026, 8, 3), title="まだ")
    retired = obligation(world.a, jlis, due=D(2026, 6, 1), title="終了した")
    retired.is_active = False
    services.obligation_update(obligation=retired, actor=world.admin_a)
    assert retired.events.filter(kind=ObligationEvent.Kind.RETIRED, actor=world.admin_a).exists()
    other = f.party(world.b, "他団体の委託先", Party.Kind.CONTRACTOR)
    obligation(world.b, other, due=D(2026, 6, 1), title="他団体")
    assert list(Obligation.objects.for_municipality(world.a).overdue(D(2026, 7, 1))) == [late]
    assert list(Obligation.objects.for_municipality(world.a).due_within(D(2026, 7, 21), 14)) == [
        Obligation.objects.get(title="まだ")
    ]


def _report(world: World, jlis: Party) -> list[Commitment]:
    m = world.a
    report = AssessmentReport.objects.create(municipality=m, series="税", title="地方税に関する事務 全項目評価書")
    section = Section.objects.create(municipality=m, report=report, number="Ⅳ")
    item = Item.objects.create(municipality=m, report=report, section=section, number_path="Ⅳ-1-①")
    sapporo = f.party(m, "札幌市", Party.Kind.MUNICIPALITY)
    specs = [
        (jlis, "self_inspection", "periodic", "運用に携わる職員及び事業者に対し、定期的に自己点検を実施する"),
        (jlis, "training", "semiannual", "運用規則や情報セキュリティに関する教育を年2回実施する"),
        (sapporo, "self_inspection", "annual", "各職場で自己点検票による確認を行う"),  # the municipality itself
        (jlis, "physical", "", "入退室管理"),  # not an assurance kind
        (None, "audit", "", "措置主体のない約束"),
    ]
    return [
        Commitment.objects.create(municipality=m, report=report, item=item, party=p, kind=k, cadence=c, text=t, order=i)
        for i, (p, k, c, t) in enumerate(specs)
    ]


def test_obligations_are_taken_from_the_reports_commitments_once(world: World, jlis: Party) -> None:
    commitments = _report(world, jlis)
    created = services.obligations_from_commitments(municipality=world.a, today=D(2026, 11, 25))
    assert [o.commitment for o in created] == commitments[:2]
    inspection, training = created
    assert inspection.cadence == "annual" and inspection.next_due == D(2027, 3, 31)
    assert training.cadence == "semiannual" and training.kind == "training"
    assert "教育・研修の実施記録" in training.evidence_expected
    assert services.obligations_from_commitments(municipality=world.a, today=D(2026, 11, 25)) == []
    assert (
        AuditEntry.objects.filter(
            municipality=world.a, action=Action.CREATE, object_type="assurance.Obligation"
        ).count()
        == 2
    )


def test_an_obligation_refuses_another_municipalitys_party(world: World) -> None:
    other = f.party(world.b, "他団体の委託先", Party.Kind.CONTRACTOR)
    with pytest.raises(ValidationError):
        obligation(world.a, other, due=D(2026, 6, 30))


def test_moving_the_due_date_by_hand_is_kept_in_the_history(world: World, jlis: Party) -> None:
    o = obligation(world.a, jlis, due=D(2026, 6, 30))
    o.nominal_due = D(2026, 7, 19)  # a Sunday; 7/20 is 海の日
    services.obligation_update(obligation=o)
    o.refresh_from_db()
    assert o.next_due == D(2026, 7, 21)
    event = o.events.get(kind=ObligationEvent.Kind.RESCHEDULED)
    assert (event.due_before, event.due_after) == (D(2026, 6, 30), D(2026, 7, 21))


@pytest.mark.parametrize(
    ("due", "received", "after"),
    [
        (D(2026, 9, 30), D(2026, 9, 20), D(2027, 3, 31)),  # on time
        (D(2026, 9, 30), D(2027, 1, 20), D(2027, 3, 31)),  # 上期 evidence in January: the 下期 is still this 年度's
        (D(2026, 9, 30), D(2027, 3, 30), D(2027, 3, 31)),  # very late: still the 下期 window, not 2027-09
    ],
)
def test_late_evidence_of_a_twice_yearly_obligation_keeps_the_fiscal_years_windows(
    world: World, jlis: Party, due: D, received: D, after: D
) -> None:
    o = obligation(world.a, jlis, due=due, cadence="semiannual")
    evidence = services.evidence_submit(
        obligation=o,
        file_name="上期.txt",
        content=b"report",
        period_from=D(2026, 4, 1),
        period_to=D(2026, 9, 30),
        received_on=received,
        submitted_by=None,
    )
    services.evidence_review(evidence=evidence, accept=True, reviewer=world.admin_a)
    o.refresh_from_db()
    assert o.next_due == after
