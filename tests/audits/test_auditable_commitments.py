"""Audit work for a unit lists only the commitments that unit can be audited on (issue 14 §4): the municipality's
own measures (特定個人情報保護評価書 Ⅳ, 措置主体ごとの記載 — <札幌市における措置> vs <中間サーバー・プラットフォーム
における措置> …), not other parties' measures nor statements about the audit programme itself."""

from __future__ import annotations

import pytest

from piaops.assessments.models import AssessmentReport, Commitment, Item, ReportWork, Section
from piaops.assessments.vocab import CommitmentKind
from piaops.audits import services
from piaops.tenancy.models import Party
from tests.audits.helpers import approved_audit
from tests.conftest import World

K = CommitmentKind
OWN, JLIS, ELTAX, CSP, NONE = "own", "jlis", "eltax", "csp", "none"

# (text, kind, party, owner: "" none / "unit" the audited unit / "other" another unit) → listed?
VECTORS = [
    ("特定個人情報を取り扱う端末は、課室ごとに管理簿で管理する。", K.OPERATIONS, OWN, "", True),
    ("異動の都度、アクセス権限を見直す。", K.OPERATIONS, NONE, "", True),  # no party named: the municipality's
    ("職員に年1回以上の研修を受講させる。", K.TRAINING, OWN, "unit", True),
    ("自己点検を年1回実施し、結果を番号制度総括部門に報告する。", K.SELF_INSPECTION, OWN, "", True),
    ("サーバー室の入退室を記録する。", K.PHYSICAL, OWN, "other", False),  # another unit's measure
    ("監査はすべての個人番号利用事務について実施する。", K.AUDIT, OWN, "", False),  # the programme
    ("監査はすべての個人番号利用事務について実施する。", K.OTHER, OWN, "", False),  # misread kind: the words
    ("1 監査結果に応じフォローアップを行う。", K.OTHER, OWN, "", False),
    ("現地監査を定期的に行う。", K.AUDIT, OWN, "", False),
    ("毎年度の監査計画に基づき監査を行う。", K.OTHER, OWN, "", False),
    ("中間サーバー・プラットフォームについて、定期的に監査を行う。", K.AUDIT, JLIS, "", False),
    ("中間サーバーの運用担当者に年2回研修を行う。", K.TRAINING, JLIS, "", False),  # J-LIS's own measure
    ("認定委託先事業者は機構による外部監査を受検する。", K.THIRD_PARTY, ELTAX, "", False),
    ("クラウドサービス事業者はISMAP監査を受ける。", K.THIRD_PARTY, CSP, "", False),
]


@pytest.mark.parametrize(("text", "kind", "party", "owner", "listed"), VECTORS)
def test_a_unit_is_audited_only_on_its_own_measures(
    world: World, text: str, kind: str, party: str, owner: str, listed: bool
) -> None:
    audit = approved_audit(world, auditors=[world.auditor_a])
    report = AssessmentReport.objects.create(municipality=world.a, series="地方税", version=1, title="地方税")
    ReportWork.objects.create(municipality=world.a, report=report, work=audit.works.get())
    section = Section.objects.create(municipality=world.a, report=report, number="Ⅳ", title="その他のリスク対策")
    item = Item.objects.create(municipality=world.a, report=report, section=section, number_path="Ⅳ-1-②", title="監査")
    kinds = {
        OWN: Party.Kind.MUNICIPALITY,
        JLIS: Party.Kind.INTERMEDIATE_SERVER,
        ELTAX: Party.Kind.ELTAX_CONTRACTOR,
        CSP: Party.Kind.CSP,
    }
    parties = {k: Party.objects.create(municipality=world.a, name=k, kind=v) for k, v in kinds.items()}
    owners = {"": None, "unit": audit.unit, "other": world.other_a}
    Commitment.objects.create(
        municipality=world.a,
        report=report,
        item=item,
        text=text,
        kind=kind,
        party=parties.get(party),
        owner_unit=owners[owner],
        order=1,
    )
    assert [c.text for c in services.relevant_commitments(audit)] == ([text] if listed else [])
    services.audit_start(audit=audit)
    texts = list(audit.items.values_list("text", flat=True))
    assert (text in texts) is listed
    assert listed or texts == list(services.GENERAL_ITEMS)  # nothing of the unit's own: the general items


def test_audit_work_draws_on_section_iii_as_on_section_iv(world: World) -> None:
    """Issue 18 §2: most concrete measures stand in Ⅲ (リスク対策); an audit of the work checks them too."""
    audit = approved_audit(world, auditors=[world.auditor_a])
    report = AssessmentReport.objects.create(municipality=world.a, series="地方税", version=1, title="地方税")
    ReportWork.objects.create(municipality=world.a, report=report, work=audit.works.get())
    texts = {"Ⅲ": "申告書等の提出時に、窓口で本人確認書類を確認する。", "Ⅳ": "職員に年1回以上の研修を受講させる。"}
    for order, (number, text) in enumerate(texts.items(), start=1):
        section = Section.objects.create(municipality=world.a, report=report, number=number, title=number)
        item = Item.objects.create(
            municipality=world.a, report=report, section=section, number_path=f"{number}-2", title=number
        )
        Commitment.objects.create(
            municipality=world.a, report=report, item=item, text=text, kind=K.OPERATIONS, order=order
        )
    services.audit_start(audit=audit)
    assert list(audit.items.order_by("order").values_list("text", flat=True)) == list(texts.values())
