"""Commitments rephrased as the questions of the 自己点検票 (issue 18 §4): the endings of real reports, table-driven."""

from __future__ import annotations

from pathlib import Path

import pytest

from piaops.assessments.parser import parse_report
from piaops.assessments.questions import CONNECTIVES, as_question, progressive

DATA = Path(__file__).parent / "data"
SHIPPED = Path(__file__).resolve().parents[2] / "src/piaops/assessments/data"  # the reference and demo reports

# (commitment as the report states it, party when not the municipality, the question) — the texts are those of the
# reference report (札幌市 地方税賦課徴収事務 Ⅳ) and of the Section Ⅲ samples.
VECTORS = [
    (
        "当該業務に従事する職員等に対し、セキュリティに関する教育を年次(年2回)及び随時(新規要員着任時)実施することとしている。",
        "",
        "当該業務に従事する職員等に対し、セキュリティに関する教育を年次(年2回)及び随時(新規要員着任時)実施しているか。",
    ),
    (
        "中間サーバー・プラットフォームについて、定期的に監査を行うこととしている。",
        "中間サーバー・プラットフォーム",
        "中間サーバー・プラットフォームについて、定期的に監査を行っているか。",
    ),
    (
        "技術基準により、認定委託先事業者はセキュリティ対策の定期的な見直しを行うことが定められている。",
        "eLTAXシステム認定委託先事業者",
        "【eLTAXシステム認定委託先事業者】技術基準により、認定委託先事業者はセキュリティ対策の定期的な見直しを行っているか。",
    ),
    (
        "また、ガバメントクラウドに起因しない事象の場合は、ASP又はガバメントクラウド運用管理補助者が対応するものとする。",
        "ガバメントクラウド",
        "ガバメントクラウドに起因しない事象の場合は、ASP又はガバメントクラウド運用管理補助者が対応しているか。",
    ),
    ("監査結果に応じフォローアップを行う。", "", "監査結果に応じフォローアップを行っているか。"),
    ("異動時にアクセス権限を見直す。", "", "異動時にアクセス権限を見直しているか。"),
    ("窓口の端末は離席時に画面をロックする。", "", "窓口の端末は離席時に画面をロックしているか。"),
    ("委託先に対し、年1回、立入検査を実施する。", "", "委託先に対し、年1回、立入検査を実施しているか。"),
    (
        "郵送で受け付けた申告書は、開封から登録まで担当者を限定している。",
        "",
        "郵送で受け付けた申告書は、開封から登録まで担当者を限定しているか。",
    ),
    (
        "操作ログを記録し、定期的に確認する。",
        "中間サーバー・プラットフォーム",
        "【中間サーバー・プラットフォーム】操作ログを記録し、定期的に確認しているか。",
    ),
    ("業務データの取扱いについてASPが責任を有する。", "", "業務データの取扱いについてASPが責任を有しているか。"),
    ("なお、記録媒体は庁外に持ち出さない。", "", "記録媒体は庁外に持ち出さないようにしているか。"),
    ("アクセスログは5年間保存される。", "", "アクセスログは5年間保存されているか。"),
    ("個人情報保護方針を定める。", "", "個人情報保護方針を定めているか。"),
    ("規程に則る。", "", "規程に則っているか。"),
    ("職員が端末を持ち運ぶ。", "", "職員が端末を持ち運んでいるか。"),
    ("定期的に研修を受講しているか。", "", "定期的に研修を受講しているか。"),  # already a question
    ("自己点検票による確認。", "", "次のことを実施しているか：自己点検票による確認。"),  # not read: never guessed
]


@pytest.mark.parametrize(("text", "party", "question"), VECTORS, ids=[v[2][:24] for v in VECTORS])
def test_a_commitment_becomes_the_question_a_unit_answers(text: str, party: str, question: str) -> None:
    assert as_question(text, party=party) == question


@pytest.mark.parametrize(
    ("verb", "expected"),
    [("実施する", "実施している"), ("行う", "行っている"), ("残す", "残している"), ("受ける", "受けている"),
     ("図る", "図っている"), ("書く", "書いている"), ("防ぐ", "防いでいる"), ("読む", "読んでいる"),
     ("確認できる", "確認できるようにしている"), ("確認", None)],
)  # fmt: skip
def test_the_verb_table(verb: str, expected: str | None) -> None:
    assert progressive(verb) == expected


def _commitments(path: Path) -> list[tuple[str, str]]:
    report = parse_report(path.read_text(encoding="utf-8"))
    return [
        (c.text, b.party_name if b.party_kind not in {"", "municipality"} else "")
        for item in report.items()
        for b in item.blocks
        for c in b.commitments
    ]


REPORTS = [*sorted(SHIPPED.glob("*.md")), *sorted(DATA.glob("*.md"))]


@pytest.mark.parametrize("path", REPORTS, ids=[p.name for p in REPORTS])
def test_every_commitment_of_the_reports_reads_as_a_question(path: Path) -> None:
    found = _commitments(path)
    assert found
    for text, party in found:
        question = as_question(text, party=party)
        assert question.endswith("か。"), question
        assert not question.startswith(tuple(f"{c}、" for c in CONNECTIVES)), question
        if party:
            assert party in question, question
        # Nothing of the promise is lost: the question keeps all but the final predicate.
        assert question.startswith(f"【{party}】") or question[:10] in text or "次のこと" in question
