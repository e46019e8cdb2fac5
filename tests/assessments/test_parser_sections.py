"""Section Ⅲ risk items, sections kept as text, refusal of what is not a report, and damage as warnings."""

from __future__ import annotations

import pytest

from piaops.assessments.parsed import ReportParseError
from piaops.assessments.parser import parse_report, render_text
from tests.assessments.parser_support import fixture_text, reference_text, structure

pytestmark = pytest.mark.engine_independent

III_CHOICES = ["特に力を入れている", "十分である", "課題が残されている"]


def test_section_iii_is_read_into_risk_items_per_process() -> None:
    report = parse_report(fixture_text("section_iii.md"))
    assert report.warnings == []
    assert [(i.number_path, i.selected) for i in report.items()] == [
        ("Ⅲ-2-リスク1", "十分である"),
        ("Ⅲ-2-リスク2", "特に力を入れている"),
        ("Ⅲ-2-その他", ""),
        ("Ⅲ-3-リスク2", "十分である"),
        ("Ⅲ-3-リスク2-ユーザ認証の管理", "行っている"),
    ]
    risk = report.items()[0]
    assert risk.title == "目的外の入手が行われるリスク"
    assert risk.group_title == "特定個人情報の入手(情報提供ネットワークシステムを通じた入手を除く。)"
    assert (risk.question, risk.choices) == ("リスクへの対策は十分か", III_CHOICES)
    assert [b.field_label for b in risk.blocks] == [
        "対象者以外の情報の入手を防止するための措置の内容",
        "必要な情報以外を入手することを防止するための措置の内容",
    ]
    assert report.items()[-1].choices == ["行っている", "行っていない"]


def test_section_iii_blocks_split_by_party_and_by_point() -> None:
    report = parse_report(fixture_text("section_iii.md"))
    use = next(i for i in report.items() if i.number_path == "Ⅲ-3-リスク2")
    assert [(b.party_name, [c.text for c in b.commitments]) for b in use.blocks] == [
        ("札幌市", ["生体認証とパスワードによる二要素認証を行う。", "異動時にアクセス権限を見直す。"]),
        (
            "中間サーバー・プラットフォーム",
            ["操作ログを記録し、定期的に確認する。", "不正な操作を検知した場合は直ちに報告する。"],
        ),
    ]
    assert [c.cadence for b in use.blocks for c in b.commitments] == ["", "on_assignment", "periodic", ""]
    bullets = next(i for i in report.items() if i.number_path == "Ⅲ-2-リスク2").blocks[0]
    assert [c.text for c in bullets.commitments] == [
        "郵送で受け付けた申告書は、開封から登録まで担当者を限定している。",
        "窓口では職員が本人確認を行う。",
    ]
    # Text without a party marker is the assessing body's own.
    assert (bullets.party_label, bullets.party_name, bullets.party_kind) == ("", "", "municipality")


def test_section_iii_from_a_pdf_extraction_reads_like_the_table_form() -> None:
    pdf = parse_report(fixture_text("section_iii_pdf.txt"))
    assert structure(pdf) == structure(parse_report(fixture_text("section_iii.md")))
    assert pdf.warnings == []


def test_section_iii_round_trips_through_the_text_export() -> None:
    first = parse_report(fixture_text("section_iii_pdf.txt"))
    assert structure(parse_report(render_text(first))) == structure(first)


OTHER_SECTIONS = """特定個人情報保護評価書(全項目評価書)
Ⅰ 基本情報
1 特定個人情報ファイルを取り扱う事務
①事務の名称 地方税の賦課徴収に関する事務
Ⅱ 特定個人情報ファイルの概要
1 特定個人情報ファイル名
地方税ファイル
Ⅴ 開示請求、問合せ
1 特定個人情報の開示・訂正・利用停止請求
①請求先 札幌市総務局行政部行政情報課
Ⅵ 評価実施手続
3 第三者点検
①実施日 令和6年12月1日
(別添3) 変更箇所
変更日 項目
"""


def test_sections_without_items_are_kept_as_text() -> None:
    report = parse_report(OTHER_SECTIONS)
    assert [(s.number, s.title) for s in report.sections] == [
        ("表紙", "表紙"),
        ("Ⅰ", "基本情報"),
        ("Ⅱ", "特定個人情報ファイルの概要"),
        ("Ⅴ", "開示請求、問合せ"),
        ("Ⅵ", "評価実施手続"),
        ("別添3", "変更箇所"),
    ]
    assert all(not s.items for s in report.sections)
    assert report.sections[3].text == "1 特定個人情報の開示・訂正・利用停止請求\n①請求先 札幌市総務局行政部行政情報課"
    assert report.work_name == "地方税の賦課徴収に関する事務"
    assert (report.title, report.tier) == ("特定個人情報保護評価書(全項目評価書)", "full")
    again = parse_report(render_text(report))
    assert [(s.number, s.title, s.text) for s in again.sections] == [
        (s.number, s.title, s.text) for s in report.sections
    ]


def test_a_whole_report_keeps_every_section_next_to_the_parsed_ones() -> None:
    text = OTHER_SECTIONS.replace(
        "Ⅴ 開示請求", fixture_text("section_iii.md") + "\n" + reference_text() + "\nⅤ 開示請求"
    )
    report = parse_report(text)
    assert [s.number for s in report.sections] == ["表紙", "Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ", "別添3"]
    assert len(report.items()) == 9
    assert structure(parse_report(render_text(report))) == structure(report)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n  \n",
        "議事録\n令和6年度第1回 個人情報保護審議会\n1 開会\n2 議題\n",
        "氏名,所属,受講日\n山田太郎,税政課,2025-04-01\n",
        "# README\n\nThis is not an assessment report.\n",
        "<選択肢> 1) はい 2) いいえ",
    ],
)
def test_it_refuses_text_that_is_not_an_assessment_report(text: str) -> None:
    with pytest.raises(ReportParseError) as caught:
        parse_report(text)
    assert "評価書" in caught.value.message


def test_an_unknown_selected_value_is_kept_and_warned_with_its_line() -> None:
    text = reference_text().replace("<p>[十分に行っている] <選択肢>", "<p>[十分にやっている] <選択肢>", 1)
    report = parse_report(text)
    item = report.items()[0]
    assert item.selected == "十分にやっている"
    assert [(w.line, "選択肢にありません" in w.message) for w in report.warnings] == [(7, True)]
    assert [i.number_path for i in report.items()] == ["Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-2", "Ⅳ-3"]


def test_a_rated_item_without_its_choices_is_warned_and_the_rest_is_read() -> None:
    lines = reference_text().splitlines()
    lines[8] = "| ②監査 | <p>(評価欄が読み取れません)</p> |"
    report = parse_report("\n".join(lines))
    assert [i.number_path for i in report.items()] == ["Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-2", "Ⅳ-3"]
    assert report.items()[1].choices == []
    assert [w.line for w in report.warnings] == [9]
    # The unreadable rating text is kept (as text of no party); the parties' blocks are all there.
    audit = report.items()[1]
    assert [b.party_name for b in audit.blocks] == [
        "",
        *[b.party_name for b in parse_report(reference_text()).items()[1].blocks],
    ]
    assert audit.blocks[0].text == "(評価欄が読み取れません)"


def test_a_duplicated_item_heading_is_warned_and_its_text_kept() -> None:
    lines = reference_text().splitlines()
    lines.insert(9, lines[8])  # "| ②監査 | …" twice
    report = parse_report("\n".join(lines))
    assert [i.number_path for i in report.items()] == ["Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-2", "Ⅳ-3"]
    assert [w.line for w in report.warnings] == [10, 10]
    assert any("重複" in w.message for w in report.warnings)
    assert report.items()[1].selected == "十分に行っている"


def test_an_empty_party_block_is_warned() -> None:
    text = reference_text().replace(
        "<p><eLTAXシステム認定委託先事業者における措置> 技術基準により、認定委託先事業者は、"
        "システムに係わる職員に対し、セキュリティ対策についての教育及び研修を実施することが定められている。</p>",
        "<p><eLTAXシステム認定委託先事業者における措置></p>",
    )
    report = parse_report(text)
    block = report.items()[2].blocks[-1]
    assert (block.party_name, block.text, block.commitments) == ("eLTAXシステム認定委託先事業者", "", [])
    assert [w.line for w in report.warnings] == [13]


def test_risks_in_scrambled_order_keep_their_own_numbers() -> None:
    lines = fixture_text("section_iii.md").splitlines()
    risk1, risk2 = lines[4:8], lines[8:11]
    text = "\n".join([*lines[:4], *risk2, *risk1, *lines[11:]])
    report = parse_report(text)
    paths = [i.number_path for i in report.items()]
    assert paths[:2] == ["Ⅲ-2-リスク2", "Ⅲ-2-リスク1"]
    by_path = {i.number_path: i.selected for i in report.items()}
    assert (by_path["Ⅲ-2-リスク1"], by_path["Ⅲ-2-リスク2"]) == ("十分である", "特に力を入れている")
