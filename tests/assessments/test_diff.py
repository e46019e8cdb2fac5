from __future__ import annotations

from piaops.assessments.diff import report_diff
from tests import factories as f
from tests.assessments import builders as b
from tests.conftest import World


def test_the_diff_lists_changed_items_ratings_and_commitment_marks(world: World) -> None:
    work = f.work(world.a)
    v1 = b.save(world.a, [work], b.reference())
    v2 = b.save(
        world.a,
        [work],
        b.reference(
            audit_rating="特に力を入れて行っている",
            audit_texts=(b.AUDIT_ALL,),
            extra_training="eラーニングによる研修を毎年度実施する。",
        ),
    )
    diff = report_diff(v1, v2)
    by_path = {i.number_path: i for i in diff.items}
    assert by_path["Ⅳ-1-①"].status == "unchanged"
    audit = by_path["Ⅳ-1-②"]
    assert audit.status == "changed" and audit.rating_changed
    assert (audit.old_rating, audit.new_rating) == ("十分に行っている", "特に力を入れて行っている")
    assert [(c.change, (c.old or c.new).text) for c in audit.commitments] == [  # type: ignore[union-attr]
        ("unchanged", b.AUDIT_ALL),
        ("removed", b.AUDIT_ONSITE),
    ]
    training = by_path["Ⅳ-2"]
    assert training.text_changed and ("+", "eラーニングによる研修を毎年度実施する。") in training.diff_lines
    assert [c.change for c in training.commitments] == ["unchanged", "new"]
    assert diff.marks() == {"new": 1, "changed": 0, "unchanged": 4, "removed": 1}
    assert [i.number_path for i in diff.changed_items] == ["Ⅳ-1-②", "Ⅳ-2"]


def test_added_and_removed_items_are_shown(world: World) -> None:
    work = f.work(world.a)
    v1 = b.save(world.a, [work], b.reference())
    parsed = b.reference()
    dropped = parsed.sections[0].items.pop(0)
    parsed.sections[0].items.append(
        b.item(
            "Ⅳ-3",
            "その他のリスク対策",
            "",
            [b.block("札幌市における措置", "札幌市", [("入退室管理を行う。", "physical", "")], 40)],
            40,
        )
    )
    v2 = b.save(world.a, [work], parsed)
    statuses = {i.number_path: i.status for i in report_diff(v1, v2).items}
    assert statuses[dropped.number_path] == "removed" and statuses["Ⅳ-3"] == "added"


def test_an_edited_sentence_has_only_its_changed_characters_marked() -> None:
    """Issue 19: a reader of the diff sees what changed inside a sentence, not two whole sentences to compare."""
    from piaops.assessments.diff import marked_rows

    old, new = marked_rows(
        [
            ("-", "2 現地監査を定期的に行う。"),
            ("+", "2 現地監査を、3年度に1回以上すべての所属に対して定期的に行う。"),
            (" ", "3 監査結果に応じフォローアップを行う。"),
            ("-", "委託先に対し、年1回、立入検査を実施する。"),
            ("+", "全職員を対象とした情報セキュリティ研修(eラーニング)を毎年度実施する。"),
            ("+", "新しく加わった文。"),
        ]
    )
    assert [t for changed, t in old[0] if changed] == []  # nothing of the old sentence was removed
    assert [t for changed, t in new[0] if changed] == ["、3年度に1回以上すべての所属に対して"]
    assert "".join(t for _, t in new[0]) == "2 現地監査を、3年度に1回以上すべての所属に対して定期的に行う。"
    # A sentence replaced by a different one is marked whole on both sides; an added one without a partner too.
    assert old[1] == [(True, "委託先に対し、年1回、立入検査を実施する。")]
    assert new[1] == [(True, "全職員を対象とした情報セキュリティ研修(eラーニング)を毎年度実施する。")]
    assert new[2] == [(True, "新しく加わった文。")]
    assert len(old) == 2 and len(new) == 3
