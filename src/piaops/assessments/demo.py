"""Demo step: 札幌市's 地方税賦課徴収事務 assessment report as published, and a revised version, so that the
version list, the diff and the commitment marks have something to show; then the reports of four more works, of
every tier (全項目・重点項目・基礎項目), from the files shipped in ``assessments/data`` (``OTHER_REPORTS``).

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


# (file in assessments/data, 個人番号利用事務, its legal basis, published on): each imported as its own report.
OTHER_REPORTS = [
    ("residents_registry_full.md", "住民基本台帳に関する事務", "住民基本台帳法", dt.date(2024, 2, 26)),
    ("national_health_insurance_focused.md", "国民健康保険に関する事務", "国民健康保険法", dt.date(2024, 6, 3)),
    ("child_allowance_focused.md", "児童手当の支給に関する事務", "児童手当法", dt.date(2025, 1, 20)),
    ("long_term_care_basic.md", "介護保険に関する事務", "介護保険法", dt.date(2025, 4, 14)),
]


def data_file(name: str) -> bytes:
    return resources.files("piaops.assessments").joinpath("data", name).read_bytes()


def published_text() -> str:
    return resources.files("piaops.assessments").joinpath("data", SOURCE).read_text(encoding="utf-8")


def revised_text() -> str:
    text = published_text()
    for before, after in REVISION:
        if text.count(before) != 1:
            raise ValueError(f"demo revision does not apply: {before!r}")
        text = text.replace(before, after)
    return text


def _work(municipality: Municipality, name: str, legal_basis: str) -> Work:
    work = Work.objects.for_municipality(municipality).filter(name=name).first()
    if work is None:
        work = Work.objects.create(municipality=municipality, name=name, legal_basis=legal_basis)
        record_create(work, municipality_id=municipality.pk, summary="デモ: 個人番号利用事務を作成")
    return work


def build(*, municipality: Municipality, people: int, today: dt.date) -> None:
    work = _work(municipality, WORK, "地方税法")
    stored = set(AssessmentReport.objects.for_municipality(municipality).values_list("source_sha256", flat=True))
    # Two kinds of versions: the published assessment (the 5-year clock starts there) and a 修正 (a strengthened
    # measure: not a 重要な変更, so the clock does not move).
    versions = [
        (
            work,
            published_text().encode("utf-8"),
            "地方税賦課徴収事務_全項目評価書_公表版.md",
            PUBLISHED_ON,
            Revision.REASSESSMENT,
        ),
        (
            work,
            revised_text().encode("utf-8"),
            "地方税賦課徴収事務_全項目評価書_改訂版.md",
            REVISED_ON,
            Revision.CORRECTION,
        ),
    ]
    versions += [
        (_work(municipality, name, basis), data_file(filename), filename, published_on, Revision.REASSESSMENT)
        for filename, name, basis, published_on in OTHER_REPORTS
    ]
    for report_work, data, filename, published_on, revision in versions:
        if hashlib.sha256(data).hexdigest() in stored:
            continue
        report_import(
            municipality=municipality,
            works=[report_work],
            data=data,
            filename=filename,
            user=None,
            published_on=published_on,
            revision=revision,
        )
