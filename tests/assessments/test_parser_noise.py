"""Text extracted from published PDFs, with the noise seen in real extractions, reads like the clean form."""

from __future__ import annotations

import re

import pytest

from piaops.assessments.parsed import ParsedReport
from piaops.assessments.parser import parse_report
from tests.assessments.parser_support import fixture_text, reference_text, structure

pytestmark = pytest.mark.engine_independent


def _section_iv(report: ParsedReport) -> list[object]:
    return [s for s in structure(report) if s[0] == "Ⅳ"]


@pytest.fixture(scope="module")
def reference() -> ParsedReport:
    return parse_report(reference_text())


def test_a_pdf_extraction_with_every_kind_of_noise_reads_like_the_clean_form(reference: ParsedReport) -> None:
    # The fixture has page footers ("1 / 72", "65 / 72 ページ") and the department name above each, one footer
    # in the middle of a choice list, wrapped label columns, a value and its brackets on separate lines, a
    # missing "]", choices in the order 1) 3) 2), full-width digits, letters, brackets and spaces, 【】 markers,
    # a 項目一覧 and a change log citing "Ⅳ−1 ②" with U+2212.
    report = parse_report(fixture_text("sapporo_section_iv_pdf.txt"))
    assert _section_iv(report) == structure(reference)
    assert report.warnings == []
    assert [s.number for s in report.sections] == ["表紙", "Ⅳ", "別添3"]


def test_the_cover_of_the_pdf_extraction_is_read() -> None:
    report = parse_report(fixture_text("sapporo_section_iv_pdf.txt"))
    assert report.title == "特定個人情報保護評価書(全項目評価書)"
    assert report.report_number == "7"
    assert report.work_name == "地方税の賦課徴収に関する事務 全項目評価書"
    assert (report.form_version, report.tier) == ("平成30年5月 様式4", "full")
    assert report.published_on == "2025-02-14"
    assert report.approved_on == ""  # the field is present but empty (地方公共団体)


def test_footers_and_running_department_lines_are_not_text() -> None:
    report = parse_report(fixture_text("sapporo_section_iv_pdf.txt"))
    everything = "\n".join(s.text for s in report.sections)
    assert "/ 72" not in everything
    assert "税制課" not in everything
    # The table of contents stays in the cover's text instead of becoming empty sections.
    assert "Ⅴ 開示請求、問合せ" in report.sections[0].text


def test_a_sentence_broken_by_a_page_footer_is_one_commitment(reference: ParsedReport) -> None:
    text = reference_text().replace(
        "原則としてガバメントクラウドに起因する事象の場合は、",
        "原則としてガバメントクラウドに起因する\n財政局税政部\n14 / 72\n財政局税政部\n事象の場合は、",
    )
    text = text.replace("3. その他のリスク対策", "財政局税政部\n13 / 72 ページ\n財政局税政部\n3. その他のリスク対策")
    text = text.replace(
        "<ガバメントクラウドにおける措置>\n", "<ガバメントクラウドにおける措置>\n財政局税政部\n15 / 72\n"
    )
    report = parse_report(text)
    assert structure(report) == structure(reference)


def test_the_change_log_keeps_the_item_reference_with_an_ascii_hyphen() -> None:
    report = parse_report(fixture_text("sapporo_section_iv_pdf.txt"))
    change_log = report.sections[-1]
    assert change_log.title == "変更箇所"
    assert "Ⅳ-1 ② 具体的な内容" in change_log.text


def test_item_headings_written_with_a_u2212_path_are_read() -> None:
    text = reference_text().replace("| ②監査 |", "| Ⅳ−1 ②監査 |").replace("| ①自己点検 |", "| Ⅳ−1　①自己点検 |")
    paths = [i.number_path for i in parse_report(text).items()]
    assert paths == ["Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-2", "Ⅳ-3"]


def test_full_width_digits_and_spaces_read_like_ascii(reference: ParsedReport) -> None:
    text = reference_text().translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    text = re.sub(r"(?<=[。、]) (?=[０-９])", "\u3000", text).replace("| ", "|\u3000")
    assert "１\u3000監査はすべて" in text or "１ 監査はすべて" in text
    report = parse_report(text)
    assert structure(report) == structure(reference)


def test_choices_in_the_order_1_3_2_are_put_in_form_order() -> None:
    text = reference_text().replace(
        "1) 特に力を入れて行っている 2) 十分に行っている 3) 十分に行っていない",
        "1) 特に力を入れて行っている 3) 十分に行っていない 2) 十分に行っている",
    )
    for item in parse_report(text).items()[:3]:
        assert item.choices == ["特に力を入れて行っている", "十分に行っている", "十分に行っていない"]
        assert item.selected == "十分に行っている"


@pytest.mark.parametrize(
    "rating",
    [
        "[\n十分に行っている\n]\n<選択肢>",  # value and brackets each on a line
        "[ 十分に行っている\n<選択肢>",  # "]" missing
        "十分に行っている ]\n<選択肢>",  # "[" missing
        "[\n十分に行っている ]\n<選択肢>",
    ],
)
def test_the_selected_value_is_found_however_its_brackets_are_broken(rating: str) -> None:
    text = (
        "Ⅳ その他のリスク対策\n1.監査\n①自己点検\n"
        + rating
        + "\n1) 特に力を入れて行っている\n2) 十分に行っている\n3) 十分に行っていない\n"
    )
    (item,) = parse_report(text).items()
    assert (item.number_path, item.selected) == ("Ⅳ-1-①", "十分に行っている")


def test_a_choice_wrapped_over_two_lines_is_one_choice() -> None:
    text = (
        "Ⅳ その他のリスク対策\n1.監査\n②監査 [ 特に力を入れて行っている ]\n<選択肢>\n"
        "1) 特に力を入れて行って\nいる\n2) 十分に行っている\n3) 十分に行っていない\n"
    )
    (item,) = parse_report(text).items()
    assert item.choices == ["特に力を入れて行っている", "十分に行っている", "十分に行っていない"]
    assert item.selected == "特に力を入れて行っている"


def test_a_label_line_in_the_middle_of_a_sentence_does_not_split_the_block() -> None:
    text = (
        "Ⅳ その他のリスク対策\n1.監査\n①自己点検 [十分に行っている] <選択肢> 1) 特に力を入れて行っている "
        "2) 十分に行っている 3) 十分に行っていない\n"
        "<札幌市における措置> 札幌市で毎年実施している個人番号利用事務監査の際に、各職場に\n"
        "具体的なチェック方法\n"
        "おいて、自己点検票による確認を行う。\n"
    )
    (item,) = parse_report(text).items()
    (block,) = item.blocks
    assert block.party_name == "札幌市"
    assert (
        block.text == "札幌市で毎年実施している個人番号利用事務監査の際に、各職場において、自己点検票による確認を行う。"
    )
    assert block.field_label == ""


@pytest.mark.parametrize("word", ["従業者", "従業員", "職員"])
def test_the_training_item_is_item_2_whichever_word_names_the_staff(word: str, reference: ParsedReport) -> None:
    text = reference_text().replace("従業員に対する教育・啓発", f"{word}に対する教育・啓発")
    report = parse_report(text)
    item = next(i for i in report.items() if i.number_path == "Ⅳ-2")
    assert item.title == f"{word}に対する教育・啓発"
    assert item.selected == "十分に行っている"
    assert {c.kind for b in item.blocks for c in b.commitments} == {"training"}
    assert report.warnings == []


@pytest.mark.parametrize("word", ["従業者", "職員"])
def test_a_wrapped_training_label_is_put_back_together_for_every_staff_word(word: str) -> None:
    text = (
        f"Ⅳ その他のリスク対策\n2. {word}に対する教育・啓発\n{word}に対する教 [ 十分に行っている ]\n育・啓発 <選択肢>\n"
        "1) 特に力を入れて行っている\n2) 十分に行っている\n3) 十分に行っていない\n"
        "具体的な <札幌市における措置> 職員に対して、初任時に研修を実施する。\n方法\n"
    )
    (item,) = parse_report(text).items()
    assert (item.number_path, item.question, item.selected) == ("Ⅳ-2", f"{word}に対する教育・啓発", "十分に行っている")
    (block,) = item.blocks
    assert (block.field_label, block.text) == ("具体的な方法", "職員に対して、初任時に研修を実施する。")
    assert block.commitments[0].cadence == "initial"


@pytest.mark.parametrize("name", ["特定個人情報保護委員会", "個人情報保護委員会"])
def test_the_approval_date_is_read_under_the_old_and_the_new_commission_name(name: str) -> None:
    text = fixture_text("sapporo_section_iv_pdf.txt").replace(
        "特定個人情報保護委員会 承認日 【行政機関等のみ】", f"{name}　承認日　【行政機関等のみ】　平成２７年３月３１日"
    )
    report = parse_report(text)
    assert report.approved_on == "2015-03-31"
    assert report.published_on == "2025-02-14"
    assert [s.number for s in report.sections] == ["表紙", "Ⅳ", "別添3"]


def test_half_width_katakana_and_commas_between_japanese_words_are_normalised(reference: ParsedReport) -> None:
    text = reference_text().replace("フォローアップ", "ﾌｫﾛｰｱｯﾌﾟ").replace("監査結果、", "監査結果,")
    assert structure(parse_report(text)) == structure(reference)


def test_content_that_happens_to_sit_next_to_page_footers_is_kept() -> None:
    # "<札幌市における措置>" ends three pages here, but it is content: only lines printed next to the footers
    # (almost) every time they occur are running headers.
    pages = [f"<札幌市における措置>\n{n} / 9\n第{n}の措置として、入退室を管理する。" for n in range(1, 4)]
    text = "Ⅳ その他のリスク対策\n3. その他のリスク対策\n" + "\n".join(pages) + "\n<札幌市における措置>\n研修を行う。\n"
    (item,) = parse_report(text).items()
    assert [b.party_name for b in item.blocks] == ["札幌市"] * 4
    assert [c.kind for b in item.blocks for c in b.commitments] == ["physical"] * 3 + ["training"]


def test_markdown_headings_bold_and_full_width_periods_are_read(reference: ParsedReport) -> None:
    text = reference_text().replace("IV その他のリスク対策 ※", "## **Ⅳ．その他のリスク対策** ※")
    text = text.replace("3. その他のリスク対策", "### 3．その他のリスク対策")
    report = parse_report(text)
    assert structure(report) == structure(reference)
    assert report.warnings == []
