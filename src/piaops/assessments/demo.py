"""Demo step: 札幌市's 地方税賦課徴収事務 assessment report as published, and a revised version, so that the
version list, the diff and the commitment marks have something to show.

The revision is made from the published text by a few deliberate edits (a rating raised, one sentence changed,
one added), then imported through the same service as an upload. Idempotent: a version whose text is already
stored (same SHA-256) is not imported again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib import resources

from piaops.assessments.models import AssessmentReport
from piaops.assessments.services import report_import
from piaops.assessments.vocab import Revision
from piaops.audittrail.services import record_create
from piaops.tenancy.models import Municipality, Work

WORK = "地方税賦課徴収事務"
SOURCE = "sapporo_local_tax_section_iv.md"
PUBLISHED_ON = dt.date(2023, 3, 27)
REVISED_ON = dt.date(2025, 9, 1)

# (before, after): each edit must apply exactly once, so a change in the shipped text fails loudly.
REVISION = [
    ("| ②監査 | <p>[十分に行っている]", "| ②監査 | <p>[特に力を入れて行っている]"),
    ("2 現地監査を定期的に行う。", "2 現地監査を、3年度に1回以上すべての所属に対して定期的に行う。"),
    (
        "その記録を残している。</p>",
        "その記録を残している。また、全職員を対象とした情報セキュリティ研修(eラーニング)を毎年度実施する。</p>",
    ),
]


def published_text() -> str:
    return resources.files("piaops.assessments").joinpath("data", SOURCE).read_text(encoding="utf-8")


def revised_text() -> str:
    text = published_text()
    for before, after in REVISION:
        if text.count(before) != 1:
            raise ValueError(f"demo revision does not apply: {before!r}")
        text = text.replace(before, after)
    return text


def build(*, municipality: Municipality, people: int, today: dt.date) -> None:
    work = Work.objects.for_municipality(municipality).filter(name=WORK).first()
    if work is None:
        work = Work.objects.create(municipality=municipality, name=WORK, legal_basis="地方税法")
        record_create(work, municipality_id=municipality.pk, summary="デモ: 個人番号利用事務を作成")
    stored = set(AssessmentReport.objects.for_municipality(municipality).values_list("source_sha256", flat=True))
    # Two kinds of versions: the published assessment (the 5-year clock starts there) and a 修正 (a strengthened
    # measure: not a 重要な変更, so the clock does not move).
    versions = [
        (published_text(), "地方税賦課徴収事務_全項目評価書_公表版.md", PUBLISHED_ON, Revision.REASSESSMENT),
        (revised_text(), "地方税賦課徴収事務_全項目評価書_改訂版.md", REVISED_ON, Revision.CORRECTION),
    ]
    for text, filename, published_on, revision in versions:
        data = text.encode("utf-8")
        if hashlib.sha256(data).hexdigest() in stored:
            continue
        report_import(
            municipality=municipality,
            works=[work],
            data=data,
            filename=filename,
            user=None,
            published_on=published_on,
            revision=revision,
        )
