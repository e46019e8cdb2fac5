from __future__ import annotations

import pytest

from piaops.assessments.matching import Key, match_commitments, normalise_party, unmatched_old

pytestmark = pytest.mark.engine_independent


def k(text: str, *, path: str = "Ⅳ-1-②", party: str = "札幌市", source: str = "") -> Key:
    return Key(item_path=path, party=normalise_party(party), text=text, source_text=source)


def test_width_spaces_and_commas_do_not_make_a_change() -> None:
    [m] = match_commitments(
        [k("監査結果に応じ、フォローアップを行う。")], [k("監査結果に応じ ,フォローアップを行う。")]
    )
    assert (m.old_index, m.change) == (0, "unchanged")


def test_an_edited_sentence_is_changed_and_linked_to_its_predecessor() -> None:
    old = [k("現地監査を定期的に行う。"), k("監査結果、フォローアップの結果は、番号制度総括部門に報告する。")]
    new = [k("監査結果及びフォローアップの結果は、番号制度総括部門に速やかに報告する。")]
    [m] = match_commitments(old, new)
    assert (m.old_index, m.change) == (1, "changed")
    assert unmatched_old(old, [m]) == [0]


def test_a_different_party_never_continues_a_promise() -> None:
    [m] = match_commitments(
        [k("定期的に自己点検を実施する。", party="中間サーバー・プラットフォーム")], [k("定期的に自己点検を実施する。")]
    )
    assert m.change == "new"


def test_a_moved_item_keeps_its_promise_unchanged() -> None:
    [m] = match_commitments([k("研修を実施する。", path="Ⅳ-2")], [k("研修を実施する。", path="Ⅳ-2-①")])
    assert (m.old_index, m.change) == (0, "unchanged")


def test_an_unrelated_sentence_is_new() -> None:
    [m] = match_commitments([k("現地監査を定期的に行う。")], [k("外部の監査法人による監査を受ける。")])
    assert m.change == "new"


def test_a_refined_predecessor_is_also_compared_by_its_source_text() -> None:
    old = [k("自己点検を毎年行う", source="各職場において自己点検票による確認を行う。")]
    [m] = match_commitments(old, [k("各職場において自己点検票による確認を行う。")])
    assert (m.old_index, m.change) == (0, "unchanged")


def test_each_predecessor_is_used_once_best_pair_first() -> None:
    old = [k("初任時に研修を実施する。"), k("一定期間ごとに研修を実施する。")]
    new = [k("一定期間ごとに研修を実施し記録する。"), k("初任時に研修を実施し記録する。")]
    matches = match_commitments(old, new)
    assert [(m.old_index, m.change) for m in matches] == [(1, "changed"), (0, "changed")]


def test_party_names_are_compared_without_brackets_and_suffix() -> None:
    assert normalise_party("＜札幌市における措置＞") == normalise_party("札幌市")
    assert normalise_party("【eLTAXシステム認定委託先事業者における措置】") == "eltaxシステム認定委託先事業者"


def test_an_extended_sentence_is_changed_but_a_short_common_phrase_is_not_enough() -> None:
    old = [k("現地監査を定期的に行う。")]
    [m] = match_commitments(old, [k("現地監査を、3年度に1回以上すべての所属に対して定期的に行う。")])
    assert (m.old_index, m.change) == (0, "changed")
    [m] = match_commitments(
        old, [k("委託先に対して、契約に定める事項の遵守状況を書面で毎年度確認し、定期的に報告を受ける。")]
    )
    assert m.change == "new"
