"""Hand-made parse results shaped like the reference report's Section Ⅳ (independent of the parser)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from piaops.assessments.models import AssessmentReport
from piaops.assessments.parsed import (
    ParsedCommitment,
    ParsedItem,
    ParsedMeasureBlock,
    ParsedReport,
    ParsedSection,
    ParseWarning,
    Span,
)
from piaops.assessments.services import report_plan, report_save
from piaops.tenancy.models import Municipality, User, Work

RATINGS = ["特に力を入れて行っている", "十分に行っている", "十分に行っていない"]

SELF_CHECK = "各職場において、本評価書に記載された事項等が順守されているかどうか、自己点検票による確認を行う。"
J_LIS_SELF_CHECK = "中間サーバー・プラットフォームの運用に携わる職員及び事業者に対し、定期的に自己点検を実施する。"
AUDIT_ALL = "監査はすべての個人番号利用事務について実施する。"
AUDIT_ONSITE = "現地監査を定期的に行う。"
TRAINING = "初任時及び一定期間ごとに、必要な知識の習得に資するための研修を実施し、その記録を残す。"


def block(label: str, name: str, texts: Sequence[tuple[str, str, str]], line: int) -> ParsedMeasureBlock:
    commitments = [
        ParsedCommitment(text=t, kind=k, cadence=c, span=Span(line + n, line + n)) for n, (t, k, c) in enumerate(texts)
    ]
    return ParsedMeasureBlock(
        party_label=label,
        party_name=name,
        text="".join(t for t, _, _ in texts),
        span=Span(line, line + max(len(texts) - 1, 0)),
        commitments=commitments,
    )


def item(path: str, title: str, selected: str, blocks: list[ParsedMeasureBlock], line: int) -> ParsedItem:
    return ParsedItem(
        number_path=path,
        title=title,
        question=title if selected else "",
        choices=list(RATINGS) if selected else [],
        selected=selected,
        text="\n".join(f"<{b.party_label}>\n{b.text}" for b in blocks),
        span=Span(line, line + 5),
        blocks=blocks,
    )


def reference(
    *,
    self_check: str = SELF_CHECK,
    audit_rating: str = "十分に行っている",
    audit_texts: Sequence[str] = (AUDIT_ALL, AUDIT_ONSITE),
    extra_training: str | None = None,
    warnings: Sequence[ParseWarning] = (),
) -> ParsedReport:
    training = [(TRAINING, "training", "initial")]
    if extra_training:
        training.append((extra_training, "training", "annual"))
    items = [
        item(
            "Ⅳ-1-①",
            "自己点検",
            "十分に行っている",
            [
                block("札幌市における措置", "札幌市", [(self_check, "self_inspection", "annual")], 10),
                block(
                    "中間サーバー・プラットフォームにおける措置",
                    "中間サーバー・プラットフォーム",
                    [(J_LIS_SELF_CHECK, "self_inspection", "periodic")],
                    12,
                ),
            ],
            5,
        ),
        item(
            "Ⅳ-1-②",
            "監査",
            audit_rating,
            [block("札幌市における措置", "札幌市", [(t, "audit", "annual") for t in audit_texts], 20)],
            18,
        ),
        item(
            "Ⅳ-2",
            "従業員に対する教育・啓発",
            "十分に行っている",
            [block("札幌市における措置", "札幌市", training, 30)],
            28,
        ),
    ]
    section = ParsedSection(
        number="Ⅳ",
        title="その他のリスク対策",
        text="\n".join(i.text for i in items),
        span=Span(1, 40),
        items=items,
    )
    return ParsedReport(title="地方税賦課徴収事務 全項目評価書", sections=[section], warnings=list(warnings))


def save(
    municipality: Municipality,
    works: Sequence[Work],
    parsed: ParsedReport,
    *,
    user: User | None = None,
    published_on: dt.date | None = dt.date(2023, 3, 1),
    sha: str | None = None,
    revision: str | None = None,
) -> AssessmentReport:
    """Plan and save like ``report_import`` does after parsing."""
    plan = report_plan(
        municipality=municipality, works=works, parsed=parsed, published_on=published_on, revision=revision
    )
    text = "\n".join(s.text for s in parsed.sections)
    return report_save(
        municipality=municipality,
        works=works,
        plan=plan,
        text=text,
        encoding="utf-8",
        sha256=sha if sha is not None else uuid.uuid4().hex * 2,
        filename="hyoukasho.txt",
        user=user,
    )
