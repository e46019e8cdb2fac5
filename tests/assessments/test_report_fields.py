"""The labelled fields of Ⅰ 基本情報, Ⅱ ファイルの概要 (しきい値判断項目), Ⅴ 開示請求・問合せ and Ⅵ 評価実施手続 as
structured data on the version (issue 18 §2): read alike from the text, PDF, XLSX and DOCX forms, stored, typed by
``AssessmentReport.profile()`` and shown on the report page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from piaops.assessments.parsed import ParsedField, ParsedReport
from piaops.assessments.parser import parse_report
from piaops.assessments.parser.documents import extract_text, file_kind
from piaops.assessments.parser.fields import FIELD_KEYS
from piaops.assessments.profile import Band, Entrustment, band, profile_of
from piaops.assessments.services import report_import
from piaops.assessments.vocab import FieldKey
from tests import factories as f
from tests.assessments.parser_support import structure
from tests.assessments.report_files import docx_of, parts_of, pdf_of, xlsx_of
from tests.conftest import World

DATA = Path(__file__).parents[2] / "src/piaops/assessments/data"
WRITERS = {"pdf": pdf_of, "xlsx": xlsx_of, "docx": docx_of}
FULL = "residents_registry_full.md"
FOCUSED = "child_allowance_focused.md"
BASIC = "long_term_care_basic.md"


def source(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def fields(report: ParsedReport) -> list[tuple[str, str, str, str, str, list[str]]]:
    return [(x.section, x.group, x.label, x.value, x.key, x.choices) for x in report.fields]


def read(data: bytes) -> str:
    kind = file_kind(data)
    assert kind is not None
    return extract_text(data, kind)


@pytest.fixture(scope="module")
def forms() -> dict[tuple[str, str], str]:
    """(report, form) → the text the reader gives: the whole report of every tier in every form."""
    out: dict[tuple[str, str], str] = {}
    for name in (FULL, FOCUSED, BASIC):
        parts = parts_of(source(name))
        out[(name, "text")] = source(name)
        for kind, write in WRITERS.items():
            out[(name, kind)] = read(write(parts))
    return out


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("name", [FULL, FOCUSED, BASIC])
def test_every_form_gives_the_same_fields_and_tree(forms: dict[tuple[str, str], str], name: str, kind: str) -> None:
    expected = parse_report(forms[(name, "text")])
    got = parse_report(forms[(name, kind)])
    assert fields(got) == fields(expected)
    assert structure(got) == structure(expected)
    assert got.warnings == [] and expected.warnings == []
    assert profile_of(got.fields) == profile_of(expected.fields)


def test_the_full_report_reads_every_section_of_the_form() -> None:
    report = parse_report(source(FULL))
    assert [s.number for s in report.sections] == ["表紙", "Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ"]
    assert {x.section for x in report.fields} == {"Ⅰ", "Ⅱ", "Ⅴ", "Ⅵ"}
    p = profile_of(report.fields)
    assert p.business_name == "住民基本台帳に関する事務"
    assert p.business_content.startswith("住民基本台帳法に基づき") and "個人番号の指定" in p.business_content
    assert p.systems == ("住民記録システム", "中間サーバー")
    assert p.file_name == "住民基本台帳ファイル"
    assert p.subjects == Band("30万人以上", 300_000, None)
    assert p.persons == Band("100万人以上1,000万人未満", 1_000_000, 10_000_000)
    # No しきい値 取扱者数 in a 全項目評価書: the file's 使用者数 stands for it.
    assert p.handlers == Band("500人以上1,000人未満", 500, 1_000)
    assert p.entrusted is True
    assert p.entrustments == (
        Entrustment("住民記録システムの運用保守", "株式会社札幌情報サービス"),
        Entrustment("住民票の写し等の交付窓口業務", "北海道窓口サポート株式会社"),
    )
    assert "提供を行っている" in p.provision
    assert p.recipients == ("地方公共団体情報システム機構", "札幌市保健福祉局")
    assert p.disclosure_office.startswith("札幌市総務局行政部行政情報課")
    assert p.disclosure_method.startswith("指定様式による書面")
    assert p.inquiry_contact.startswith("札幌市市民文化局") and p.inquiry_handling.startswith("問合せの受付時")
    assert p.threshold_on == dt.date(2023, 11, 1)
    assert p.threshold_result == "基礎項目評価及び全項目評価の実施が義務付けられる"
    assert p.hearing_method.startswith("札幌市ホームページ") and p.hearing_period.startswith("令和5年11月15日")
    assert p.hearing_opinions == "意見はなかった。"
    # 「①実施日」 appears twice: under 基礎項目評価 and under 第三者点検; the heading tells them apart.
    assert p.review_on == dt.date(2024, 1, 22)
    assert p.review_method.startswith("札幌市情報公開") and p.review_result.startswith("適合性")
    # Lines point into the source; a rated field keeps the 様式's choices.
    subjects = next(x for x in report.fields if x.key == "subjects")
    assert source(FULL).splitlines()[subjects.line - 1].startswith("| ③対象人数")
    assert subjects.choices[-1] == "30万人以上" and len(subjects.choices) == 5
    entrustment = next(x for x in report.fields if x.key == "entrustment")
    assert entrustment.choices == ["委託する", "委託しない"]  # the count "(2) 件" after them is not a choice


def test_the_basic_tier_reads_its_threshold_items_and_result() -> None:
    p = profile_of(parse_report(source(BASIC)).fields)
    assert p.subjects == Band("1,000人以上1万人未満", 1_000, 10_000)
    assert p.handlers == Band("500人未満", None, 500)
    assert p.serious_accident is False
    assert p.threshold_result == "基礎項目評価の実施が義務付けられる"


def test_the_focused_tier_reads_its_sections_by_title_not_number() -> None:
    """開示請求、問合せ is Ⅳ and 評価実施手続 Ⅴ in a 重点項目評価書."""
    report = parse_report(source(FOCUSED))
    p = profile_of(report.fields)
    assert p.subjects == Band("10万人以上30万人未満", 100_000, 300_000)
    assert p.handlers == Band("500人未満", None, 500)
    assert p.disclosure_office == "子ども未来局子育て支援課"
    assert p.threshold_result == "基礎項目評価及び重点項目評価の実施が義務付けられる"
    assert {x.section for x in report.fields if x.key == "threshold_result"} == {"Ⅴ"}


def test_a_report_without_those_sections_has_an_empty_profile() -> None:
    report = parse_report(source("sapporo_local_tax_section_iv.md"))
    assert report.fields == [] and profile_of(report.fields).is_empty


# The しきい値 bands of 特定個人情報保護評価指針 第6 1 as the 様式 words them; each with counts on both sides.
BANDS = [
    ("1,000人未満(任意実施)", [(999, True), (1_000, False)]),
    ("1,000人以上1万人未満", [(999, False), (1_000, True), (9_999, True), (10_000, False)]),
    ("1万人以上10万人未満", [(9_999, False), (10_000, True), (99_999, True), (100_000, False)]),
    ("10万人以上30万人未満", [(99_999, False), (100_000, True), (299_999, True), (300_000, False)]),
    ("30万人以上", [(299_999, False), (300_000, True), (10_000_000, True)]),
    ("500人以上", [(499, False), (500, True)]),
    ("500人未満", [(499, True), (500, False)]),
    ("1,000万人以上", [(9_999_999, False), (10_000_000, True)]),
]


@pytest.mark.parametrize(("label", "vectors"), BANDS)
def test_a_band_holds_the_counts_on_its_side_of_each_bound(label: str, vectors: list[tuple[int, bool]]) -> None:
    b = band(label)
    assert b is not None and b.label == label
    assert [(n, b.contains(n)) for n, _ in vectors] == vectors


def test_a_value_without_a_bound_is_no_band() -> None:
    assert band("") is None and band("記載なし") is None


def test_every_field_key_is_a_stored_choice() -> None:
    assert set(FIELD_KEYS) == set(FieldKey.values)


def test_a_field_of_another_heading_is_not_mistaken_for_a_known_one() -> None:
    """「①方法」 is the 意見の聴取's or the 第三者点検's only under their headings."""
    text = "Ⅵ 評価実施手続\n\n| 4. 個人情報保護委員会の承認 | |\n|---|---|\n| ①方法 | <p>書面</p> |\n"
    assert [(x.label, x.key) for x in parse_report(text).fields] == [("方法", "")]


# --- stored on the version, read by profile(), shown on the page ---------------------------------------------


def test_importing_stores_the_fields_and_profile_reads_them(world: World) -> None:
    pdf = pdf_of(parts_of(source(FULL)))
    report = report_import(municipality=world.a, works=[f.work(world.a)], data=pdf, filename="r.pdf", user=None)
    parsed = parse_report(source(FULL))
    stored = [(x.section, x.group, x.label, x.value, x.key, x.choices) for x in report.fields.order_by("order")]
    assert stored == fields(parsed)
    assert report.profile() == profile_of(parsed.fields)
    assert report.profile().subjects == Band("30万人以上", 300_000, None)
    assert all(x.municipality_id == world.a.pk for x in report.fields.all())


def test_the_report_page_shows_the_fields(world: World, as_viewer: Client, as_outsider: Client) -> None:
    report = report_import(
        municipality=world.a, works=[f.work(world.a)], data=source(FULL).encode(), filename="r.md", user=None
    )
    body = as_viewer.get(f"/assessments/{report.pk}/").content.decode()
    assert "Ⅵ 評価実施手続の記載項目" in body
    assert '<th scope="row">委託先名</th><td>株式会社札幌情報サービス' in body
    assert "<dt>対象人数（しきい値）</dt><dd>30万人以上</dd>" in body
    assert "適合性及び妥当性に問題はないとの答申を得た。" in body
    assert as_outsider.get(f"/assessments/{report.pk}/").status_code == 404


def test_parsed_field_is_what_profile_of_reads() -> None:
    row = ParsedField(section="Ⅱ", group="", label="取扱者数", value="500人以上", line=1, key="handlers")
    assert profile_of([row]).handlers == Band("500人以上", 500, None)


@pytest.mark.parametrize("name", [FULL, FOCUSED, BASIC])
def test_the_text_export_writes_the_fields_back(name: str) -> None:
    from piaops.assessments.parser import render_text

    parsed = parse_report(source(name))
    again = parse_report(render_text(parsed))
    assert fields(again) == fields(parsed)
    assert structure(again) == structure(parsed)


def test_the_exports_of_a_stored_report_keep_the_fields(world: World) -> None:
    from piaops.assessments.exports import export_json, export_text

    report = report_import(
        municipality=world.a, works=[f.work(world.a)], data=source(FULL).encode(), filename="r.md", user=None
    )
    assert fields(parse_report(export_text(report))) == fields(parse_report(source(FULL)))
    exported = export_json(report)["fields"]
    assert [(x["key"], x["value"]) for x in exported if x["key"] == "subjects"] == [("subjects", "30万人以上")]
    assert len(exported) == len(parse_report(source(FULL)).fields)


# --- the import previews (web, several files, `--dry-run --json`) list the fields before anything is saved ---------


def test_the_web_preview_lists_the_fields(world: World, as_admin: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    work = f.work(world.a, "住民基本台帳に関する事務")
    upload = SimpleUploadedFile("juki.docx", docx_of(parts_of(source(FULL))))
    body = as_admin.post("/assessments/import/", {"file": upload, "works": [work.pk], "tier": "full"}).content.decode()
    assert "まだ保存していません" in body and "記載項目（" in body
    assert '<th scope="row">対象人数</th><td>30万人以上</td>' in body
    assert '<th scope="row">結果</th><td>適合性及び妥当性に問題はないとの答申を得た。</td>' in body
    batch = as_admin.post(
        "/assessments/import/batch/", {"reports": [SimpleUploadedFile("juki.xlsx", xlsx_of(parts_of(source(FULL))))]}
    ).content.decode()
    assert "取込予定（確認のみ）" in batch
    assert '<th scope="row">委託先名</th><td>北海道窓口サポート株式会社</td>' in batch


def test_the_dry_run_json_lists_the_fields(world: World, tmp_path: Path) -> None:
    import io
    import json

    from django.core.management import call_command

    f.work(world.a, "住民基本台帳に関する事務")
    path = tmp_path / "juki.md"
    path.write_text(source(FULL), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "assessment_import", str(path), "--municipality", "011002", "--work", "住民基本台帳に関する事務",
        "--dry-run", "--json", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    listed = json.loads(out.getvalue())["fields"]
    assert [(x["section"], x["label"], x["value"]) for x in listed] == [
        (x.section, x.label, x.value) for x in parse_report(source(FULL)).fields
    ]
    assert next(x for x in listed if x["key"] == "subjects")["choices"][-1] == "30万人以上"
