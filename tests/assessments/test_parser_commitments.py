"""The explicit rules that turn a party's text into commitments: splitting, kinds, cadences, party names."""

from __future__ import annotations

import pytest

from piaops.assessments.parser.commitments import (
    KIND_RULES,
    WEAK_KIND_RULES,
    cadences,
    classify,
    extract,
    item_kind,
    normalise_party,
)

pytestmark = pytest.mark.engine_independent


def _texts(text: str) -> list[str]:
    return [c.text for c in extract(text, [(0, 1)])]


def test_numbered_points_are_one_commitment_each_and_the_lead_in_is_left_out() -> None:
    text = "確認を実施する。内容は以下のとおり。 1 監査を行う。 2 現地監査を行う。 3 報告する。"
    assert _texts(text) == ["確認を実施する。", "監査を行う。", "現地監査を行う。", "報告する。"]


@pytest.mark.parametrize(
    "text",
    [
        "①点検を行う。②結果を報告する。",
        "(1) 点検を行う。 (2) 結果を報告する。",
        "・点検を行う。 ・結果を報告する。",
        "・点検を行う。\n・結果を報告する。",
    ],
)
def test_circled_parenthesised_and_bulleted_points_are_split(text: str) -> None:
    assert _texts(text.replace("\n", "")) == ["点検を行う。", "結果を報告する。"]


def test_without_points_sentences_are_split_but_not_inside_brackets() -> None:
    text = "職員(会計年度任用職員等を含む。)に研修を行う。記録を残す。"
    assert _texts(text) == ["職員(会計年度任用職員等を含む。)に研修を行う。", "記録を残す。"]


@pytest.mark.parametrize(
    "text",
    [
        "令和 6 年 4 月から点検を行う。",  # digits in a date are no list
        "1 点検を行う。",  # a lone "1 " is no list
        "中間サーバー・プラットフォームで点検を行う。",  # "・" inside a word is no bullet
    ],
)
def test_things_that_only_look_like_points_do_not_split(text: str) -> None:
    assert len(_texts(text)) == 1


def test_nested_lists_split_on_the_outer_list() -> None:
    text = "1 点検は次による。①年1回行う。②記録する。 2 監査を行う。"
    assert _texts(text) == ["点検は次による。①年1回行う。②記録する。", "監査を行う。"]


def test_a_commitment_spans_the_lines_it_came_from() -> None:
    text = "1 点検を行う。 2 監査を行う。"
    (first, second) = extract(text, [(0, 10), (len("1 点検を行う。 2 監"), 11)])
    assert (first.span.start_line, first.span.end_line) == (10, 10)
    assert (second.span.start_line, second.span.end_line) == (10, 11)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("監査の際に自己点検票による確認を行う。", "self_inspection"),  # self-inspection wins over audit
        ("各課でセルフチェックを行う。", "self_inspection"),
        ("外部監査を受検する。", "audit"),
        ("指摘事項のフォローアップを行う。", "audit"),
        ("全職員に研修を行う。", "training"),
        ("情報セキュリティの啓発を行う。", "training"),
        ("漏えい等の事案が発生した場合は直ちに報告する。", "incident"),
        ("障害が発生する場合の対応を定める。", "incident"),
        ("サーバ室の入退室を記録する。", "physical"),
        ("書類は施錠できる書庫に保管する。", "physical"),
        ("委託先と契約を締結する。", "third_party"),
        ("ISMAPに登録されたサービスから調達する。", "third_party"),
        ("操作ログを定期的に確認する。", "operations"),
        ("疑義が生じる場合は関係者で協議を行う。", "other"),
    ],
)
def test_each_kind_rule(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_the_item_subject_wins_over_who_and_where_but_not_over_activities() -> None:
    assert (
        classify("認定委託先事業者はセキュリティ対策の見直しを行う。", default="self_inspection") == "self_inspection"
    )
    assert classify("認定委託先事業者はセキュリティ対策の見直しを行う。") == "third_party"
    assert classify("研修を行う。", default="audit") == "training"
    assert (item_kind("自己点検"), item_kind("監査"), item_kind("従業者に対する教育・啓発"), item_kind("その他")) == (
        "self_inspection",
        "audit",
        "training",
        "",
    )


def test_every_kind_rule_is_exercised() -> None:
    kinds = {str(k) for k, _ in (*KIND_RULES, *WEAK_KIND_RULES)}
    assert kinds == {"self_inspection", "audit", "training", "incident", "physical", "third_party", "operations"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("毎年実施する。", ["annual"]),
        ("年度ごとに実施する。", ["annual"]),
        ("年1回実施する。", ["annual"]),
        ("年2回実施する。", ["semiannual"]),
        ("初任時に研修を行う。", ["initial"]),
        ("採用時に研修を行う。", ["initial"]),
        ("新規着任時に研修を行う。", ["on_assignment"]),
        ("新規要員着任時に研修を行う。", ["on_assignment"]),
        ("異動時に権限を見直す。", ["on_assignment"]),
        ("定期的に点検する。", ["periodic"]),
        ("随時点検する。", ["as_needed"]),
        ("年次(年2回)及び随時(新規要員着任時)実施する。", ["semiannual", "on_assignment"]),
        ("四半期ごとに報告させる。", ["quarterly"]),  # not 年2回, though it contains 半期ごと
        ("初任時及び毎年研修を行う。", ["initial", "annual"]),
        ("初任時及び一定期間ごとに研修を行う。", ["initial", "periodic"]),
        ("研修を行う。", []),
    ],
)
def test_each_cadence_rule(text: str, expected: list[str]) -> None:
    assert cadences(text) == expected
    (commitment,) = extract(text, [(0, 1)])
    # The scheduling cadence is the first with a period, else the first stated (full grammar: tests/lib).
    periodic = [c for c in expected if c not in ("initial", "on_assignment", "as_needed", "periodic")]
    assert commitment.cadence == (periodic or expected or [""])[0]
    assert commitment.cadences == expected


@pytest.mark.parametrize(
    ("label", "name", "kind"),
    [
        ("札幌市における措置", "札幌市", "municipality"),
        ("本市における措置", "本市", "municipality"),
        ("中間サーバー・プラットフォームにおける措置", "中間サーバー・プラットフォーム", "intermediate_server"),
        ("中間サーバ・プラットフォームにおける措置", "中間サーバー・プラットフォーム", "intermediate_server"),
        ("中間サーバー・ソフトウェアにおける措置", "中間サーバー・ソフトウェア", ""),
        ("eLTAXシステム認定委託先事業者における措置", "eLTAXシステム認定委託先事業者", "eltax_contractor"),
        ("ELTAX認定委託先事業者における措置", "eLTAXシステム認定委託先事業者", "eltax_contractor"),
        ("エルタックスシステムの認定委託先事業者の措置", "eLTAXシステム認定委託先事業者", "eltax_contractor"),
        ("ガバメントクラウドにおける措置", "ガバメントクラウド", "government_cloud"),
        ("ガバメント・クラウドでの措置", "ガバメントクラウド", "government_cloud"),
        ("番号連携システムにおける措置", "番号連携システム", ""),
    ],
)
def test_party_names_are_normalised(label: str, name: str, kind: str) -> None:
    assert normalise_party(label) == (name, kind)
