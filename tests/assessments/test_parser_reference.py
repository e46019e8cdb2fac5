"""The real Section Ⅳ of 札幌市's local-tax assessment report parses into exactly what it says."""

from __future__ import annotations

import pytest

from piaops.assessments.parsed import ParsedItem, ParsedMeasureBlock, ParsedReport
from piaops.assessments.parser import parse_report
from tests.assessments.parser_support import reference_text

pytestmark = pytest.mark.engine_independent

IV_CHOICES = ["特に力を入れて行っている", "十分に行っている", "十分に行っていない"]
ALL_PARTIES = ["札幌市", "中間サーバー・プラットフォーム", "eLTAXシステム認定委託先事業者", "ガバメントクラウド"]


@pytest.fixture(scope="module")
def report() -> ParsedReport:
    return parse_report(reference_text())


def _item(report: ParsedReport, path: str) -> ParsedItem:
    return next(i for i in report.items() if i.number_path == path)


def _block(item: ParsedItem, party: str) -> ParsedMeasureBlock:
    return next(b for b in item.blocks if b.party_name == party)


def test_it_reads_section_iv_with_exactly_its_four_items(report: ParsedReport) -> None:
    assert [(s.number, s.title) for s in report.sections] == [("Ⅳ", "その他のリスク対策 ※")]
    assert [(i.number_path, i.title) for i in report.items()] == [
        ("Ⅳ-1-①", "自己点検"),
        ("Ⅳ-1-②", "監査"),
        ("Ⅳ-2", "従業員に対する教育・啓発"),
        ("Ⅳ-3", "その他のリスク対策"),
    ]
    assert report.warnings == []


def test_the_three_rated_items_are_rated_sufficient_among_three_choices(report: ParsedReport) -> None:
    for path in ("Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-2"):
        item = _item(report, path)
        assert item.choices == IV_CHOICES
        assert item.selected == "十分に行っている"
    other = _item(report, "Ⅳ-3")
    assert (other.choices, other.selected, other.question) == ([], "", "")


def test_each_item_has_the_parties_written_in_it(report: ParsedReport) -> None:
    parties = {i.number_path: [b.party_name for b in i.blocks] for i in report.items()}
    assert parties == {
        "Ⅳ-1-①": ALL_PARTIES[:3],
        "Ⅳ-1-②": ALL_PARTIES,
        "Ⅳ-2": ALL_PARTIES[:3],
        "Ⅳ-3": ALL_PARTIES,
    }
    kinds = {b.party_name: b.party_kind for b in _item(report, "Ⅳ-3").blocks}
    assert kinds == {
        "札幌市": "municipality",
        "中間サーバー・プラットフォーム": "intermediate_server",
        "eLTAXシステム認定委託先事業者": "eltax_contractor",
        "ガバメントクラウド": "government_cloud",
    }


def test_the_four_numbered_audit_points_of_sapporo_are_four_commitments(report: ParsedReport) -> None:
    block = _block(_item(report, "Ⅳ-1-②"), "札幌市")
    texts = [c.text for c in block.commitments]
    assert texts[-4:] == [
        "監査はすべての個人番号利用事務について実施する。",
        "現地監査を定期的に行う。",
        "監査結果に応じフォローアップを行う。",
        "監査結果、フォローアップの結果は、番号制度総括部門に報告する。",
    ]
    # The sentence introducing the list is a promise of its own (a yearly audit); "内容は以下のとおり。" is not.
    assert texts[0].startswith("札幌市で毎年実施している個人番号利用事務監査で")
    assert len(texts) == 5
    assert [c.kind for c in block.commitments] == ["audit"] * 5
    assert [c.cadence for c in block.commitments] == ["annual", "", "periodic", "", ""]


def test_the_intermediate_server_training_is_twice_a_year_and_on_new_assignment(report: ParsedReport) -> None:
    (training,) = _block(_item(report, "Ⅳ-2"), "中間サーバー・プラットフォーム").commitments
    assert training.kind == "training"
    assert training.cadences == ["semiannual", "on_assignment"]
    assert training.cadence == "semiannual"


def test_sapporo_trains_at_first_appointment_and_periodically(report: ParsedReport) -> None:
    (training,) = _block(_item(report, "Ⅳ-2"), "札幌市").commitments
    assert training.cadences == ["initial", "periodic"]
    # "(会計年度任用職員等を含む。)" does not end the sentence.
    assert training.text.endswith("その記録を残している。")


def test_commitment_kinds_follow_the_item_and_the_words(report: ParsedReport) -> None:
    assert {c.kind for b in _item(report, "Ⅳ-1-①").blocks for c in b.commitments} == {"self_inspection"}
    cloud = [c.kind for c in _block(_item(report, "Ⅳ-3"), "ガバメントクラウド").commitments]
    assert cloud == ["third_party", "incident", "incident", "other"]
    assert [c.kind for c in _block(_item(report, "Ⅳ-3"), "札幌市").commitments] == ["physical"]


def test_spans_point_at_the_source_lines(report: ParsedReport) -> None:
    lines = reference_text().splitlines()
    for item in report.items():
        for block in item.blocks:
            for c in block.commitments:
                source = "".join(lines[c.span.start_line - 1 : c.span.end_line])
                assert c.text[:10] in source, (item.number_path, c.text)
    other = _item(report, "Ⅳ-3")
    assert lines[other.span.start_line - 1] == "3. その他のリスク対策"
    assert other.span.end_line == len(lines)


def test_the_field_labels_are_kept_with_their_blocks(report: ParsedReport) -> None:
    labels = {i.number_path: {b.field_label for b in i.blocks} for i in report.items()}
    assert labels == {
        "Ⅳ-1-①": {"具体的なチェック方法"},
        "Ⅳ-1-②": {"具体的な内容"},
        "Ⅳ-2": {"具体的な方法"},
        "Ⅳ-3": {""},
    }
