from __future__ import annotations

import pytest

from piaops.assessments.models import AssessmentReport, Commitment
from piaops.assessments.services import RefineError, commitment_merge, commitment_split, commitment_update
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Work
from tests import factories as f
from tests.assessments import builders as b
from tests.conftest import World


@pytest.fixture
def report(world: World) -> AssessmentReport:
    return b.save(world.a, [f.work(world.a)], b.reference())


def entries(world: World) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_municipality(world.a).exclude(action=Action.IMPORT).order_by("seq"))


def test_editing_a_commitment_marks_it_refined_and_keeps_the_source(world: World, report: AssessmentReport) -> None:
    c = report.commitments.get(text=b.TRAINING)
    commitment_update(
        commitment=c, user=world.admin_a, text="初任時に研修を行う", kind="training", cadence="annual",
        owner_unit=world.tax_a,
    )  # fmt: skip
    c.refresh_from_db()
    assert (c.text, c.cadence, c.owner_unit, c.refined) == ("初任時に研修を行う", "annual", world.tax_a, True)
    assert c.source_text == b.TRAINING and c.start_line == 30
    [entry] = entries(world)
    assert entry.action == Action.UPDATE and entry.object_id == str(c.pk)
    assert entry.after["text"] == "初任時に研修を行う" and entry.before["text"] == b.TRAINING


def test_it_refuses_a_unit_of_another_municipality(world: World, report: AssessmentReport) -> None:
    c = report.commitments.first()
    assert c is not None
    with pytest.raises(RefineError, match="他の団体"):
        commitment_update(commitment=c, user=world.admin_a, owner_unit=world.root_b)


def test_it_refuses_a_my_number_in_the_text(world: World, report: AssessmentReport) -> None:
    c = report.commitments.first()
    assert c is not None
    with pytest.raises(RefineError, match="個人番号"):
        commitment_update(commitment=c, user=world.admin_a, text="対象者 1234 5678 9018 の確認")
    c.refresh_from_db()
    assert not c.refined


def test_splitting_keeps_the_link_to_the_source_and_the_order(world: World, report: AssessmentReport) -> None:
    c = report.commitments.get(text=b.TRAINING)
    first, second = commitment_split(
        commitment=c, user=world.admin_a, texts=["初任時に研修を実施する。", "研修の記録を残す。"]
    )
    assert [x.text for x in report.commitments.filter(item=c.item).order_by("order")] == [
        "初任時に研修を実施する。",
        "研修の記録を残す。",
    ]
    for piece in (first, second):
        piece.refresh_from_db()
        assert piece.source_text == b.TRAINING and (piece.start_line, piece.end_line) == (30, 30)
        assert piece.refined and piece.block_id == c.block_id
    orders = list(report.commitments.order_by("order").values_list("order", flat=True))
    assert orders == list(range(6))
    assert [e.action for e in entries(world)] == [Action.UPDATE, Action.CREATE]


def test_splitting_needs_two_pieces(world: World, report: AssessmentReport) -> None:
    c = report.commitments.first()
    assert c is not None
    with pytest.raises(RefineError, match="2つ以上"):
        commitment_split(commitment=c, user=world.admin_a, texts=["一つだけ", "  "])


def test_merging_joins_texts_sources_and_lines(world: World, report: AssessmentReport) -> None:
    audit = list(report.commitments.filter(item__number_path="Ⅳ-1-②").order_by("order"))
    gone_pk = audit[1].pk
    kept = commitment_merge(commitments=list(reversed(audit)), user=world.admin_a)
    assert kept.pk == audit[0].pk
    kept.refresh_from_db()
    assert kept.text == b.AUDIT_ALL + b.AUDIT_ONSITE
    assert kept.source_text == f"{b.AUDIT_ALL}\n{b.AUDIT_ONSITE}"
    assert (kept.start_line, kept.end_line) == (20, 21) and kept.refined
    assert not Commitment.objects.filter(pk=gone_pk).exists()
    assert [(e.action, e.object_id) for e in entries(world)] == [
        (Action.DELETE, str(gone_pk)),
        (Action.UPDATE, str(audit[0].pk)),
    ]


def test_merging_across_items_is_refused(world: World, report: AssessmentReport) -> None:
    a, c = report.commitments.get(text=b.AUDIT_ALL), report.commitments.get(text=b.TRAINING)
    with pytest.raises(RefineError, match="同じ評価項目"):
        commitment_merge(commitments=[a, c], user=world.admin_a)
    assert report.commitments.count() == 5


def test_a_superseded_version_cannot_be_refined(world: World, report: AssessmentReport) -> None:
    work = Work.objects.get(municipality=world.a)
    b.save(world.a, [work], b.reference(audit_texts=(b.AUDIT_ALL,)))
    old = report.commitments.get(text=b.AUDIT_ALL)
    with pytest.raises(RefineError, match="旧版"):
        commitment_update(commitment=old, user=world.admin_a, text="変更")


def test_merging_moves_references_to_the_kept_commitment(world: World, report: AssessmentReport) -> None:
    # Any row pointing at a merged-away commitment follows it (here: a commitment of another series whose
    # ``previous`` was linked to it by hand; in the full system also checklist items and findings).
    other = b.save(world.a, [f.work(world.a, "住民基本台帳に関する事務")], b.reference())
    audit = list(report.commitments.filter(item__number_path="Ⅳ-1-②").order_by("order"))
    follower = other.commitments.get(text=b.AUDIT_ONSITE)
    Commitment.objects.filter(pk=follower.pk).update(previous=audit[1])
    kept = commitment_merge(commitments=audit, user=world.admin_a)
    follower.refresh_from_db()
    assert follower.previous_id == kept.pk
    entry = AuditEntry.objects.filter(action=Action.UPDATE, summary="統合した約束への参照を付け替え").get()
    assert entry.after["rows"] == {"assessments.Commitment": 1}


@pytest.mark.parametrize(
    ("cadence", "accepted"),
    [("quarterly", True), ("every_3_fiscal_years", True), ("per_year_3", True), ("", True), ("yearly", False)],
)
def test_an_admin_sets_any_cadence_of_the_grammar(
    world: World, report: AssessmentReport, cadence: str, accepted: bool
) -> None:
    c = report.commitments.get(text=b.TRAINING)
    if not accepted:
        with pytest.raises(RefineError, match="頻度"):
            commitment_update(commitment=c, user=world.admin_a, cadence=cadence)
        return
    commitment_update(commitment=c, user=world.admin_a, cadence=cadence)
    c.refresh_from_db()
    assert c.cadence == cadence and c.cadences == ([cadence] if cadence else [])
