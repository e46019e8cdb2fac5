"""A rating whose brackets or choice list extraction broke is recovered or reported with its line — never a
commitment (issue 18 §2)."""

from __future__ import annotations

import pytest

from piaops.assessments.parser import parse_report

pytestmark = pytest.mark.engine_independent

HEAD = "Ⅳ その他のリスク対策\n1. 監査\n①自己点検\n"
RATED = "[十分に行っている] <選択肢> 1) 特に力を入れて行っている 2) 十分に行っている 3) 十分に行っていない\n"
BODY = "具体的なチェック方法 <札幌市における措置> 毎年自己点検を行う。\n"


@pytest.mark.parametrize(
    ("rating", "line"),
    [
        ("[ 十分に行っている\n", 4),  # no "]", no <選択肢>
        ("[\n十分に行っている\n", 4),  # "[" alone, the value on the next line, no "]"
        ("[\n十分に行っている\n]\n1) 特に力を入れて行っている\n3) 十分に行っていない\n2) 十分に行っている\n", 4),
        ("十分に行っている ]\n", 4),  # no "["
        ("[十分に行っている]\n", 4),  # whole brackets, the choice list lost
    ],
    ids=["no-close", "split-no-close", "choices-without-marker", "no-open", "no-choice-list"],
)
def test_a_broken_rating_is_recovered_with_a_line_numbered_warning(rating: str, line: int) -> None:
    report = parse_report(HEAD + rating + BODY)
    item = report.items()[0]
    assert (item.number_path, item.selected) == ("Ⅳ-1-①", "十分に行っている")
    assert item.choices == ["特に力を入れて行っている", "十分に行っている", "十分に行っていない"]
    assert [c.text for b in item.blocks for c in b.commitments] == ["毎年自己点検を行う。"]
    assert [(w.line, "括弧か選択肢が欠けています" in w.message) for w in report.warnings] == [(line, True)]


def test_the_rating_and_the_text_on_one_broken_line_are_told_apart() -> None:
    report = parse_report(HEAD + "<札幌市における措置> [十分に行っている 毎年自己点検を行う。\n")
    item = report.items()[0]
    assert item.selected == "十分に行っている"
    assert [c.text for b in item.blocks for c in b.commitments] == ["毎年自己点検を行う。"]
    assert [w.line for w in report.warnings] == [4]


def test_a_second_broken_value_is_left_out_with_a_warning_not_stored_as_a_commitment() -> None:
    report = parse_report(HEAD + RATED + "<札幌市における措置> 毎年自己点検を行う。\n[ 十分に行っていない\n")
    item = report.items()[0]
    assert item.selected == "十分に行っている"
    assert [c.text for b in item.blocks for c in b.commitments] == ["毎年自己点検を行う。"]
    assert [(w.line, "読み飛ばしました" in w.message) for w in report.warnings] == [(6, True)]


def test_a_bracket_in_running_text_stays_text() -> None:
    report = parse_report(HEAD + RATED + "<札幌市における措置> 手順書[別紙]に従い、毎年自己点検を行う。\n")
    assert [c.text for b in report.items()[0].blocks for c in b.commitments] == [
        "手順書[別紙]に従い、毎年自己点検を行う。"
    ]
    assert report.warnings == []
