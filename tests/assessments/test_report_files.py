"""The report as municipalities hold it: its PDF, Excel and Word forms read exactly like its text (issue 18 §1).

The four forms are made from one source (the reference Section Ⅳ plus a Section Ⅲ sample) and must give the same
tree: sections, items, ratings, parties, commitments with their kinds and cadences."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from piaops.assessments.models import AssessmentReport
from piaops.assessments.parsed import ReportParseError
from piaops.assessments.parser import parse_report
from piaops.assessments.parser.documents import blocks_text, docx_blocks, extract_text, file_kind, xlsx_blocks
from piaops.assessments.services import ReportImportError, report_import
from tests import factories as f
from tests.assessments.parser_support import fixture_text, structure
from tests.assessments.report_files import Part, docx_of, parts_of, pdf_of, xlsx_of
from tests.conftest import World

REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"
SOURCE = fixture_text("section_iii.md") + "\n" + REFERENCE.read_text(encoding="utf-8")
WRITERS = {"pdf": pdf_of, "xlsx": xlsx_of, "docx": docx_of}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    parts = parts_of(SOURCE)
    return {kind: write(parts) for kind, write in WRITERS.items()}


def read(data: bytes) -> str:
    kind = file_kind(data)
    assert kind is not None
    return extract_text(data, kind)


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("name", ["focused_section_iii.md", "basic_section_iv.md"])
def test_each_form_of_the_other_tiers_gives_the_tree_of_the_text(kind: str, name: str) -> None:
    source = fixture_text(name)
    got = parse_report(read(WRITERS[kind](parts_of(source))))
    assert structure(got) == structure(parse_report(source))
    assert got.tier == parse_report(source).tier and got.warnings == []


@pytest.mark.parametrize("kind", WRITERS)
def test_each_form_gives_the_tree_of_the_text(files: dict[str, bytes], kind: str) -> None:
    expected = parse_report(SOURCE)
    got = parse_report(read(files[kind]))
    assert structure(got) == structure(expected)
    assert got.warnings == []
    # The tree is the whole report: both sections, rated Ⅲ risks with their sub-rating, every party of Ⅳ.
    assert [s.number for s in got.sections] == ["Ⅲ", "Ⅳ"]
    paths = [i.number_path for i in got.items()]
    assert "Ⅲ-3-リスク2-ユーザ認証の管理" in paths and "Ⅳ-1-②" in paths
    assert sum(len(b.commitments) for i in got.items() for b in i.blocks) == sum(
        len(b.commitments) for i in expected.items() for b in i.blocks
    )


def test_pdf_page_headers_and_footers_are_dropped_and_cells_kept_whole(files: dict[str, bytes]) -> None:
    text = read(files["pdf"])
    assert "様式4" not in text and "税制課" not in text
    assert not any(line.strip().replace(" ", "").replace("/", "").isdigit() for line in text.splitlines())
    # The label column's cell, wrapped over three lines on the page, is one label again.
    assert "| 必要な情報以外を入手することを防止するための措置の内容 | <p>" in text


def test_excel_reads_merged_headings_labels_merged_down_line_breaks_and_every_visible_sheet() -> None:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    first["A1"] = "Ⅳ その他のリスク対策"
    first.merge_cells("A1:C1")
    first["A2"] = "具体的な方法"
    first.merge_cells("A2:A3")
    first["B2"] = "<札幌市における措置>\n職員に研修を実施する。"
    first["B3"] = "<ガバメントクラウドにおける措置>\n監査を受ける。"
    hidden = book.create_sheet("選択肢")
    hidden["A1"] = "特に力を入れて行っている"
    hidden.sheet_state = "hidden"
    second = book.create_sheet("2")
    second["A1"] = "3. その他のリスク対策"
    second["B1"] = "入退室を管理する。"
    out = io.BytesIO()
    book.save(out)
    assert blocks_text(xlsx_blocks(out.getvalue())).splitlines() == [
        "Ⅳ その他のリスク対策",
        "| 具体的な方法 | <p><札幌市における措置></p> <p>職員に研修を実施する。</p> | "
        "<p><ガバメントクラウドにおける措置></p> <p>監査を受ける。</p> |",
        "| 3. その他のリスク対策 | <p>入退室を管理する。</p> |",
    ]


def test_word_reads_paragraphs_and_tables_in_order_with_merged_cells_once() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Ⅳ その他のリスク対策")
    table = document.add_table(rows=3, cols=2)
    heading = table.cell(0, 0).merge(table.cell(0, 1))
    heading.text = "1. 監査"
    table.cell(1, 0).text = "具体的な内容"
    table.cell(1, 1).text = "毎年監査を行う。"
    label = table.cell(1, 0).merge(table.cell(2, 0))
    assert label.text.startswith("具体的な内容")
    table.cell(2, 1).text = "監査結果を報告する。"
    document.add_paragraph("3. その他のリスク対策")
    out = io.BytesIO()
    document.save(out)
    lines = blocks_text(docx_blocks(out.getvalue())).splitlines()
    assert lines == [
        "Ⅳ その他のリスク対策",
        "1. 監査",
        "| 具体的な内容 | <p>毎年監査を行う。</p> | <p>監査結果を報告する。</p> |",
        "3. その他のリスク対策",
    ]


def _image_only_pdf() -> bytes:
    import weasyprint

    return bytes(weasyprint.HTML(string='<div style="width:50mm;height:30mm;background:#000"></div>').write_pdf())


def _encrypted(pdf: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="himitsu", owner_password="himitsu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda files: _image_only_pdf(), "文字情報のない PDF です"),
        (lambda files: _encrypted(files["pdf"]), "パスワードで保護された PDF"),
        (lambda files: b"%PDF-1.7\n\x00\x01 garbage " * 40, "PDF として読み取れません"),
        (lambda files: files["xlsx"][: len(files["xlsx"]) // 2], "ZIP・Office 形式のファイルとして読み取れません"),
        (lambda files: b"PK\x03\x04" + files["docx"][4:3000], "読み取れません"),
        (lambda files: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "パスワード付きの Office ファイル"),
    ],
    ids=["image-only", "encrypted", "garbage", "truncated-xlsx", "damaged-docx", "ole"],
)
def test_unreadable_files_are_refused_in_japanese(files: dict[str, bytes], make: object, message: str) -> None:
    data = make(files)  # type: ignore[operator]
    with pytest.raises(ReportParseError) as caught:
        kind = file_kind(data)
        assert kind is not None
        extract_text(data, kind)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda files: _image_only_pdf(), "文字情報のない PDF です"),
        (lambda files: _encrypted(files["pdf"]), "パスワードで保護された PDF"),
        (lambda files: b"%PDF-1.7\n\x00\x01 garbage " * 40, "PDF として読み取れません"),
    ],
    ids=["image-only", "encrypted", "garbage"],
)
def test_the_import_refuses_those_pdfs_cleanly_and_saves_nothing(
    world: World, files: dict[str, bytes], make: object, message: str
) -> None:
    """Done when: garbage, encrypted and image-only PDFs are refused cleanly — through the import every door uses."""
    data = make(files)  # type: ignore[operator]
    with pytest.raises(ReportImportError) as caught:
        report_import(municipality=world.a, works=[f.work(world.a)], data=data, filename="r.pdf", user=None)
    assert message in caught.value.message
    assert not AssessmentReport.objects.exists()


# --- through the import service (web, CLI and API share it) --------------------------------------------------


@pytest.mark.parametrize("kind", WRITERS)
def test_importing_a_file_stores_the_same_report_as_its_text(world: World, files: dict[str, bytes], kind: str) -> None:
    work = f.work(world.a)
    report = report_import(municipality=world.a, works=[work], data=files[kind], filename=f"r.{kind}", user=None)
    text = report_import(
        municipality=world.b, works=[f.work(world.b)], data=SOURCE.encode(), filename="r.md", user=None
    )
    assert report.source_encoding == kind
    assert [(i.number_path, i.selected_choice) for i in report.items.order_by("pk")] == [
        (i.number_path, i.selected_choice) for i in text.items.order_by("pk")
    ]
    assert sorted(c.text for c in report.commitments.all()) == sorted(c.text for c in text.commitments.all())


def test_a_my_number_anywhere_in_the_workbook_is_refused_and_nothing_saved(world: World) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for n, line in enumerate(SOURCE.splitlines(), start=1):
        sheet.cell(row=n, column=1, value=line)
    # Not in the report text at all: a comment on a cell.
    sheet["A1"].comment = Comment("確認用 123456789018", "職員")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ReportImportError) as caught:
        report_import(municipality=world.a, works=[f.work(world.a)], data=out.getvalue(), filename="r.xlsx", user=None)
    assert "個人番号" in caught.value.message and "123456789018" not in caught.value.message
    assert not AssessmentReport.objects.exists()


def test_a_my_number_in_the_pdf_text_is_refused(world: World) -> None:
    parts = parts_of(SOURCE)
    parts.insert(0, Part(text="問合せ 番号 1234 5678 9018"))
    with pytest.raises(ReportImportError) as caught:
        report_import(municipality=world.a, works=[f.work(world.a)], data=pdf_of(parts), filename="r.pdf", user=None)
    assert "個人番号" in caught.value.message and "9018" not in caught.value.message
    assert not AssessmentReport.objects.exists()


def test_the_upload_page_takes_the_pdf_itself(world: World, as_admin: Client, files: dict[str, bytes]) -> None:
    work = f.work(world.a)
    body = as_admin.post(
        "/assessments/import/",
        {"file": SimpleUploadedFile("hyoukasho.pdf", files["pdf"]), "works": [work.pk], "tier": "full"},
    ).content.decode()
    assert "まだ保存していません" in body and "Ⅲ-2-リスク1" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    as_admin.post("/assessments/import/save/", {"token": token})
    assert AssessmentReport.objects.get().source_encoding == "pdf"


CHANGES = """
(別添3) 変更箇所

| 変更日 | 項目 | 変更前の記載 | 変更後の記載 | 提出時期 | 提出時期に係る説明 |
|---|---|---|---|---|---|
| 令和6年10月1日 | Ⅳ-1②具体的な内容 | (記載なし) | <ガバメントクラウドにおける措置>を追加 | 事前 | 重要な変更にあたる |
| 令和7年2月14日 | Ⅰ 2. ②システムの機能 | 住民税システム | 標準準拠システム | 事後 | 重要な変更にあたらない |
"""
EXPECTED_CHANGES = [
    (
        "2024-10-01",
        "Ⅳ-1②具体的な内容",
        "(記載なし)",
        "<ガバメントクラウドにおける措置>を追加",
        "事前",
        "重要な変更にあたる",
    ),
    ("2025-02-14", "Ⅰ 2. ②システムの機能", "住民税システム", "標準準拠システム", "事後", "重要な変更にあたらない"),
]


def _changes(text: str) -> list[tuple[str, ...]]:
    return [(c.changed_on, c.item, c.before, c.after, c.timing, c.explanation) for c in parse_report(text).changes]


@pytest.mark.parametrize("kind", ["text", *WRITERS])
def test_the_change_log_rows_are_structured_change_records_in_every_form(kind: str) -> None:
    source = SOURCE + CHANGES
    text = source if kind == "text" else read(WRITERS[kind](parts_of(source)))
    assert _changes(text) == EXPECTED_CHANGES
    assert structure(parse_report(text)) == structure(parse_report(source))


def test_a_change_log_extracted_as_plain_text_keeps_date_timing_and_explanation() -> None:
    [change] = parse_report(fixture_text("sapporo_section_iv_pdf.txt")).changes
    assert (change.changed_on, change.timing, change.explanation) == ("2024-10-01", "事前", "重要な変更にあたる")
    assert change.item.startswith("Ⅳ-1 ② 具体的な内容")


def test_the_change_records_are_stored_and_shown_beside_the_computed_diff(world: World, as_admin: Client) -> None:
    work = f.work(world.a)
    first = report_import(municipality=world.a, works=[work], data=SOURCE.encode(), filename="v1.md", user=None)
    second = report_import(
        municipality=world.a, works=[work], data=xlsx_of(parts_of(SOURCE + CHANGES)), filename="v2.xlsx", user=None
    )
    assert first.change_records.count() == 0
    assert [
        (str(c.changed_on), c.item, c.before, c.after, c.timing, c.explanation) for c in second.change_records.all()
    ] == EXPECTED_CHANGES
    page = as_admin.get(f"/assessments/{second.pk}/diff/").content.decode()
    assert (
        "評価書に記載された変更箇所（別添3）" in page
        and "標準準拠システム" in page
        and "重要な変更にあたらない" in page
    )
