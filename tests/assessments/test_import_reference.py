"""Importing the real reference report through the parser, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from piaops.assessments.exports import export_text
from piaops.assessments.models import AssessmentReport, Commitment
from piaops.assessments.parser import parse_report
from piaops.assessments.services import ReportImportError, report_import, report_preview
from piaops.tenancy.models import Party, Work
from tests import factories as f
from tests.conftest import World

REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"


def reference_bytes() -> bytes:
    return REFERENCE.read_bytes()


@pytest.fixture
def work(world: World) -> Work:
    return f.work(world.a, units=(world.tax_a,))


def structure(report: AssessmentReport) -> list[tuple[object, ...]]:
    """What an import stores, without ids: items, ratings, blocks and commitments. (A block's label column is
    left out: the text export writes 「内容」 where the source had no label, a presentational difference.)"""
    rows: list[tuple[object, ...]] = []
    for item in report.items.order_by("order"):
        blocks = [(b.party_label, b.party_name, b.text, b.party_id) for b in item.blocks.order_by("order")]
        commitments = [(c.party_name, c.text, c.kind, c.cadence) for c in item.commitments.order_by("order")]
        rows.append(
            (item.section.number, item.number_path, item.title, item.choices, item.selected_choice, blocks, commitments)
        )
    return rows


def test_the_reference_report_imports_as_its_tree_of_commitments(world: World, work: Work) -> None:
    sapporo = f.party(world.a, "札幌市")
    jlis = f.party(world.a, "地方公共団体情報システム機構", kind=Party.Kind.INTERMEDIATE_SERVER)
    report = report_import(
        municipality=world.a, works=[work], data=reference_bytes(), filename="sapporo.md", user=world.admin_a
    )
    assert report.source_encoding.lower().startswith("utf")
    assert report.source_text == REFERENCE.read_text(encoding="utf-8").lstrip("\ufeff")
    assert [(i.number_path, i.selected_choice) for i in report.items.order_by("order")] == [
        ("Ⅳ-1-①", "十分に行っている"),
        ("Ⅳ-1-②", "十分に行っている"),
        ("Ⅳ-2", "十分に行っている"),
        ("Ⅳ-3", ""),
    ]
    audit = report.commitments.filter(item__number_path="Ⅳ-1-②", party_name="札幌市").order_by("order")
    assert [c.text for c in audit][1:3] == [
        "監査はすべての個人番号利用事務について実施する。",
        "現地監査を定期的に行う。",
    ]
    assert set(audit.values_list("kind", flat=True)) == {"audit"}
    assert report.commitments.count() == len(parse_report(REFERENCE.read_text(encoding="utf-8")).commitments())
    assert set(report.commitments.filter(party_name="札幌市").values_list("party", flat=True)) == {sapporo.pk}
    assert set(report.blocks.filter(party_name="中間サーバー・プラットフォーム").values_list("party", flat=True)) == {
        jlis.pk
    }
    eltax = report.blocks.filter(party_name="eLTAXシステム認定委託先事業者")
    assert eltax.exists() and not eltax.filter(party__isnull=False).exists()
    training = report.commitments.get(item__number_path="Ⅳ-2", party_name="札幌市")
    assert (training.kind, training.cadence, training.start_line) == ("training", "initial", 13)


FIXTURES = sorted((Path(__file__).parent / "data").glob("*.*"))


@pytest.mark.parametrize("source", [REFERENCE, *FIXTURES], ids=lambda p: p.name)
def test_text_export_imports_back_as_the_same_structure(world: World, work: Work, source: Path) -> None:
    f.party(world.a, "札幌市")
    first = report_import(municipality=world.a, works=[work], data=source.read_bytes(), filename="a.md", user=None)
    exported = export_text(first)
    second = report_import(
        municipality=world.a, works=[work], data=exported.encode("utf-8"), filename="export.txt", user=None
    )
    assert structure(second) == structure(first)
    assert [(s.number, s.title) for s in second.sections.order_by("order")] == [
        (s.number, s.title) for s in first.sections.order_by("order")
    ]
    assert (second.title, second.published_on, second.version) == (first.title, first.published_on, 2)
    assert set(second.commitments.values_list("change", flat=True)) == {Commitment.Change.UNCHANGED}
    assert parse_report(exported).warnings == []


def test_a_cp932_file_is_read(world: World, work: Work) -> None:
    report = report_import(
        municipality=world.a, works=[work], data=REFERENCE.read_text(encoding="utf-8").encode("cp932"),
        filename="sjis.txt", user=None,
    )  # fmt: skip
    assert report.source_encoding.lower() in {"cp932", "shift_jis"}
    assert report.items.count() == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "\u7a7a\u3067\u3059"),  # 空です
        ("議事録\n本日の会議は終了しました。\n".encode(), ""),
        (b"%PDF-1.7\n\x00\x01binary", "PDF"),
    ],
)
def test_a_file_that_is_not_a_report_is_refused_in_japanese_and_nothing_is_saved(
    world: World, work: Work, data: bytes, message: str
) -> None:
    with pytest.raises(ReportImportError) as caught:
        report_import(municipality=world.a, works=[work], data=data, filename="x.txt", user=None)
    assert message in caught.value.message
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)
    assert not AssessmentReport.objects.exists()


def test_a_my_number_in_the_file_is_refused_naming_the_line_not_the_number(world: World, work: Work) -> None:
    text = REFERENCE.read_text(encoding="utf-8").replace(
        "自己点検票による確認を行う。", "自己点検票（123456789018）による確認を行う。"
    )
    with pytest.raises(ReportImportError) as caught:
        report_import(municipality=world.a, works=[work], data=text.encode(), filename="x.txt", user=None)
    assert "8行目" in caught.value.message and "123456789018" not in caught.value.message
    assert not AssessmentReport.objects.exists()


def test_a_damaged_part_is_imported_with_line_numbered_warnings(world: World, work: Work) -> None:
    text = REFERENCE.read_text(encoding="utf-8").replace(
        "| ②監査 | <p>[十分に行っている]", "| ②監査 | <p>[十分にやっている]"
    )
    read, plan = report_preview(municipality=world.a, works=[work], data=text.encode(), filename="x.txt")
    assert plan.warnings and plan.warnings[0].line == 9
    assert not AssessmentReport.objects.exists()
    report = report_import(municipality=world.a, works=[work], data=text.encode(), filename="x.txt", user=None)
    assert report.import_warnings[0]["line"] == 9
    assert report.commitments.count() == plan.counts["commitments"]


def test_the_preview_reports_what_would_be_saved_without_saving(world: World, work: Work) -> None:
    f.party(world.a, "札幌市")
    read, plan = report_preview(municipality=world.a, works=[work], data=reference_bytes(), filename="a.md")
    assert plan.version == 1 and plan.previous is None
    assert plan.counts["items"] == 4 and plan.counts["rated"] == 3
    matched = {p.name: p.party is not None for p in plan.parties}
    assert matched["札幌市"] is True and matched["ガバメントクラウド"] is False
    assert not AssessmentReport.objects.exists()


def test_the_preview_of_a_revision_counts_commitment_changes_against_the_current_version(
    world: World, work: Work
) -> None:
    from piaops.assessments import demo

    report_import(municipality=world.a, works=[work], data=reference_bytes(), filename="v1.md", user=None)
    _, plan = report_preview(municipality=world.a, works=[work], data=demo.revised_text().encode(), filename="v2.md")
    total = plan.counts["commitments"]
    assert plan.version == 2
    assert plan.changes == {"new": 1, "changed": 1, "unchanged": total - 2, "removed": 0}
