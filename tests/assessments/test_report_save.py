from __future__ import annotations

import datetime as dt

import pytest

from piaops.assessments.models import AssessmentReport, Commitment, MeasureBlock
from piaops.assessments.parsed import ParseWarning
from piaops.assessments.services import ReportImportError, report_plan, report_save
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Party, Work
from tests import factories as f
from tests.assessments import builders as b
from tests.conftest import World


@pytest.fixture
def tax_work(world: World) -> Work:
    return f.work(world.a, units=(world.tax_a,))


def test_it_saves_the_whole_tree_with_ratings_and_commitments(world: World, tax_work: Work) -> None:
    f.party(world.a, "札幌市")
    report = b.save(world.a, [tax_work], b.reference(), user=world.admin_a)

    assert report.version == 1 and report.previous is None
    assert report.status == AssessmentReport.Status.PUBLISHED
    assert list(report.works.all()) == [tax_work]
    assert [s.number for s in report.sections.all()] == ["Ⅳ"]
    items = list(report.items.order_by("order"))
    assert [(i.number_path, i.selected_choice) for i in items] == [
        ("Ⅳ-1-①", "十分に行っている"),
        ("Ⅳ-1-②", "十分に行っている"),
        ("Ⅳ-2", "十分に行っている"),
    ]
    assert items[0].choices == b.RATINGS
    texts = list(report.commitments.order_by("order").values_list("item__number_path", "party_name", "text"))
    assert texts == [
        ("Ⅳ-1-①", "札幌市", b.SELF_CHECK),
        ("Ⅳ-1-①", "中間サーバー・プラットフォーム", b.J_LIS_SELF_CHECK),
        ("Ⅳ-1-②", "札幌市", b.AUDIT_ALL),
        ("Ⅳ-1-②", "札幌市", b.AUDIT_ONSITE),
        ("Ⅳ-2", "札幌市", b.TRAINING),
    ]
    first = report.commitments.order_by("order").first()
    assert first is not None and first.kind == "self_inspection" and first.cadence == "annual"
    assert first.source_text == first.text and first.start_line == 10
    assert set(report.commitments.values_list("change", flat=True)) == {Commitment.Change.NEW}


def test_it_matches_parties_by_name_and_keeps_the_label_of_unknown_ones(world: World, tax_work: Work) -> None:
    sapporo = f.party(world.a, "札幌市")
    report = b.save(world.a, [tax_work], b.reference())
    blocks = list(MeasureBlock.objects.filter(report=report).order_by("order"))
    assert blocks[0].party == sapporo
    assert blocks[1].party is None and blocks[1].party_label == "中間サーバー・プラットフォームにおける措置"
    assert report.commitments.filter(party=sapporo).count() == 4


def test_it_matches_the_intermediate_server_party_by_its_kind(world: World, tax_work: Work) -> None:
    jlis = f.party(world.a, "地方公共団体情報システム機構", kind=Party.Kind.INTERMEDIATE_SERVER)
    f.party(world.b, "中間サーバー・プラットフォーム", kind=Party.Kind.INTERMEDIATE_SERVER)
    report = b.save(world.a, [tax_work], b.reference())
    assert report.blocks.get(party_name="中間サーバー・プラットフォーム").party == jlis


def test_a_new_version_supersedes_the_old_one_and_marks_its_commitments(world: World, tax_work: Work) -> None:
    v1 = b.save(world.a, [tax_work], b.reference())
    owned = v1.commitments.get(text=b.TRAINING)
    owned.owner_unit = world.tax_a
    owned.save()
    revised = b.reference(
        self_check=b.SELF_CHECK.replace("自己点検票による確認", "自己点検票による確認を毎年度"),
        audit_rating="特に力を入れて行っている",
        audit_texts=(b.AUDIT_ALL,),
        extra_training="eラーニングによる研修を毎年度実施する。",
    )
    v2 = b.save(world.a, [tax_work], revised, published_on=dt.date(2025, 6, 1))

    v1.refresh_from_db()
    assert (v2.version, v2.previous, v2.series) == (2, v1, v1.series)
    assert v1.status == AssessmentReport.Status.SUPERSEDED
    assert list(AssessmentReport.objects.current().filter(municipality=world.a)) == [v2]
    marks = {c.text: (c.change, c.previous.text if c.previous else None) for c in v2.commitments.all()}
    assert marks[b.J_LIS_SELF_CHECK] == ("unchanged", b.J_LIS_SELF_CHECK)
    assert marks[b.AUDIT_ALL] == ("unchanged", b.AUDIT_ALL)
    new_self_check = b.SELF_CHECK.replace("自己点検票による確認", "自己点検票による確認を毎年度")
    assert marks[new_self_check] == ("changed", b.SELF_CHECK)
    assert marks["eラーニングによる研修を毎年度実施する。"] == ("new", None)
    assert v2.commitments.get(text=b.TRAINING).owner_unit == world.tax_a


def test_the_import_and_the_supersede_are_in_the_audit_trail(world: World, tax_work: Work) -> None:
    v1 = b.save(world.a, [tax_work], b.reference(), user=world.admin_a)
    v2 = b.save(world.a, [tax_work], b.reference(audit_texts=(b.AUDIT_ALL,)))
    entries = list(AuditEntry.objects.for_municipality(world.a).order_by("seq"))
    assert [(e.action, e.object_id) for e in entries] == [
        (Action.IMPORT, str(v1.pk)),
        (Action.TRANSITION, str(v1.pk)),
        (Action.IMPORT, str(v2.pk)),
    ]
    assert entries[1].after == {"status": "superseded"}
    assert entries[2].after["counts"]["commitments"] == 4
    assert entries[2].after["changes"] == {"new": 0, "changed": 0, "unchanged": 4}


def test_it_refuses_the_same_file_twice(world: World, tax_work: Work) -> None:
    b.save(world.a, [tax_work], b.reference(), sha="a" * 64)
    with pytest.raises(ReportImportError, match="既に取り込まれています"):
        b.save(world.a, [tax_work], b.reference(), sha="a" * 64)
    assert AssessmentReport.objects.count() == 1


def test_it_keeps_parser_warnings_with_their_line_numbers(world: World, tax_work: Work) -> None:
    parsed = b.reference(warnings=[ParseWarning(line=17, message="選択肢の閉じ括弧がありません")])
    report = b.save(world.a, [tax_work], parsed)
    assert report.import_warnings == [{"line": 17, "message": "選択肢の閉じ括弧がありません"}]


def test_the_next_full_reassessment_is_five_years_after_publication(world: World, tax_work: Work) -> None:
    report = b.save(world.a, [tax_work], b.reference(), published_on=dt.date(2023, 3, 1))
    assert report.next_full_reassessment_due == dt.date(2028, 3, 1)


def test_an_unpublished_import_is_a_draft(world: World, tax_work: Work) -> None:
    report = b.save(world.a, [tax_work], b.reference(), published_on=None)
    assert report.status == AssessmentReport.Status.DRAFT


def test_it_refuses_a_work_of_another_municipality(world: World) -> None:
    other = f.work(world.b)
    with pytest.raises(ReportImportError, match="他の団体"):
        report_plan(municipality=world.a, works=[other], parsed=b.reference())


def test_it_refuses_a_parse_result_without_items(world: World, tax_work: Work) -> None:
    parsed = b.reference()
    parsed.sections[0].items = []
    with pytest.raises(ReportImportError, match="評価項目を読み取れませんでした"):
        report_plan(municipality=world.a, works=[tax_work], parsed=parsed)


def test_a_concurrent_first_import_of_the_same_series_is_refused_cleanly(world: World, tax_work: Work) -> None:
    plan = report_plan(municipality=world.a, works=[tax_work], parsed=b.reference())
    b.save(world.a, [tax_work], b.reference())  # another request won the race after ``plan`` was made
    with pytest.raises(ReportImportError, match="同時に取り込まれました"):
        report_save(
            municipality=world.a, works=[tax_work], plan=plan, text="x", encoding="utf-8", sha256="b" * 64,
            filename="x.md", user=None,
        )  # fmt: skip
    assert AssessmentReport.objects.count() == 1
