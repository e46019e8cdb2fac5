"""Demo step: the parties' contracts and 再委託 chain, obligations in several states (one overdue, one awaiting
review, one due soon, one proven), an ISMAP list snapshot that removes one service and finds one expiring, and
the Government Cloud responsibility matrix. Idempotent (returns when the municipality has contracts) and
deterministic (dates derive from ``today`` only)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from piaops.assessments.vocab import CommitmentKind
from piaops.assurance import services
from piaops.assurance.models import CloudService, Contract, Program, Subcontract
from piaops.audittrail.services import record_create
from piaops.lib.fiscal import add_months
from piaops.tenancy.models import Municipality, Party, Work

DEMO_PARTIES: dict[str, str] = {
    Party.Kind.INTERMEDIATE_SERVER: "地方公共団体情報システム機構（中間サーバー・プラットフォーム）",
    Party.Kind.ELTAX_CONTRACTOR: "eLTAX認定委託先事業者（デモ）",
    Party.Kind.GOVERNMENT_CLOUD: "デジタル庁（ガバメントクラウド）",
    Party.Kind.CSP: "デモクラウド株式会社",
    Party.Kind.ASP: "標準準拠システム株式会社（デモ）",
    Party.Kind.GOV_CLOUD_OPERATOR: "ガバクラ運用サポート株式会社（デモ）",
}


def _party(municipality: Municipality, kind: str) -> Party:
    """The tenancy demo's party of ``kind`` when there is one, else a new one."""
    found = Party.objects.for_municipality(municipality).filter(kind=kind).order_by("id").first()
    if found is not None:
        return cast("Party", found)
    party = Party.objects.create(municipality=municipality, kind=kind, name=DEMO_PARTIES[kind])
    record_create(party, municipality_id=municipality.pk, summary="デモデータ")
    return party


def _list_csv(rows: list[tuple[str, str, str, dt.date, dt.date]]) -> bytes:
    lines = ["ISMAPクラウドサービスリスト（デモ）", "登録番号,サービス名称,クラウドサービス事業者名,登録日,有効期限"]
    lines += [f"{n},{s},{p},{r:%Y/%m/%d},{e:%Y/%m/%d}" for n, s, p, r, e in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def build(*, municipality: Municipality, people: int, today: dt.date) -> None:
    if Contract.objects.for_municipality(municipality).exists():
        return
    parties = {kind: _party(municipality, kind) for kind in DEMO_PARTIES}
    jlis, eltax = parties[Party.Kind.INTERMEDIATE_SERVER], parties[Party.Kind.ELTAX_CONTRACTOR]
    asp, operator = parties[Party.Kind.ASP], parties[Party.Kind.GOV_CLOUD_OPERATOR]
    fy_start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    works = list(Work.objects.for_municipality(municipality).order_by("id")[:2])

    # 1. Contracts and the 再委託 chain.
    asp_contract = services.contract_save(
        contract=Contract(
            municipality=municipality,
            party=asp,
            title="標準準拠システム（税務）運用保守業務委託",
            number="R-DEMO-001",
            start_date=fy_start,
            end_date=add_months(fy_start, 12) - dt.timedelta(days=1),
            scope="ガバメントクラウド上の税務システムの運用保守、障害対応",
            data_concerned="個人住民税・固定資産税の賦課情報（特定個人情報を含む）",
        ),
        works=works,
    )
    first = services.subcontract_save(
        subcontract=Subcontract(
            municipality=municipality,
            contract=asp_contract,
            name=operator.name,
            scope="ガバメントクラウド個別領域のアカウント・ネットワーク運用",
            approval=Subcontract.Approval.APPROVED,
            approved_on=fy_start + dt.timedelta(days=10),
            approval_reference="デモ第12号",
            approved_by="税政課長",
        )
    )
    services.subcontract_save(
        subcontract=Subcontract(
            municipality=municipality,
            contract=asp_contract,
            parent=first,
            name="監視センター株式会社（デモ）",
            scope="夜間の稼働監視",
            approval=Subcontract.Approval.REQUESTED,
        )
    )
    eltax_contract = services.contract_save(
        contract=Contract(
            municipality=municipality,
            party=eltax,
            title="eLTAX 審査システム利用契約",
            start_date=fy_start,
            scope="電子申告データの受付・審査",
            data_concerned="電子申告された地方税の申告データ",
        ),
        works=works[:1],
    )

    # 2. Obligations: from the report where commitments exist, then the demo's own in four states.
    services.obligations_from_commitments(municipality=municipality, today=today)
    proven = services.obligation_create(
        municipality=municipality,
        party=jlis,
        title="中間サーバー・プラットフォームの運用に携わる職員及び事業者の定期的な自己点検",
        kind=CommitmentKind.SELF_INSPECTION,
        cadence="annual",
        evidence_expected="機構の自己点検実施報告（写し）",
        nominal_due=today - dt.timedelta(days=20),
        today=today,
    )
    evidence = services.evidence_submit(
        obligation=proven,
        file_name="自己点検実施報告.txt",
        content="中間サーバー・プラットフォーム 自己点検実施報告（デモ）\n実施: 全運用担当者\n".encode(),
        period_from=fy_start - dt.timedelta(days=365),
        period_to=fy_start - dt.timedelta(days=1),
        received_on=today - dt.timedelta(days=25),
        submitted_by=None,
    )
    services.evidence_review(evidence=evidence, accept=True, reviewer=None, note="内容を確認した。")
    services.obligation_create(
        municipality=municipality,
        party=jlis,
        title="中間サーバー・プラットフォーム運用者への教育（年2回及び新規要員着任時）",
        kind=CommitmentKind.TRAINING,
        cadence="semiannual",
        evidence_expected="教育の実施記録（日付・受講者数・教材）",
        nominal_due=today - dt.timedelta(days=40),
        today=today,
    )
    pending = services.obligation_create(
        municipality=municipality,
        party=eltax,
        contract=eltax_contract,
        title="認定委託先事業者による機構の外部監査の受検",
        kind=CommitmentKind.AUDIT,
        cadence="annual",
        evidence_expected="外部監査の結果通知（写し）",
        nominal_due=today + dt.timedelta(days=60),
        today=today,
    )
    services.evidence_submit(
        obligation=pending,
        file_name="外部監査結果通知.txt",
        content="外部監査結果通知（デモ）: 指摘事項なし\n".encode(),
        period_from=fy_start - dt.timedelta(days=365),
        period_to=fy_start - dt.timedelta(days=1),
        received_on=today - dt.timedelta(days=3),
        submitted_by=None,
    )
    services.obligation_create(
        municipality=municipality,
        party=asp,
        contract=asp_contract,
        title="委託先の情報セキュリティ対策状況の定期報告",
        kind=CommitmentKind.THIRD_PARTY,
        cadence="quarterly",
        evidence_expected="四半期報告書（アクセスログ確認結果を含む）",
        nominal_due=today + dt.timedelta(days=12),
        today=today,
    )

    # 3. ISMAP register and a list snapshot: one service removed, one expiring, the others valid.
    csp = parties[Party.Kind.CSP]
    long_end = add_months(today, -4)
    soon_end = add_months(today + dt.timedelta(days=45), -16) - dt.timedelta(days=1)
    register = [
        ("C21-0001-1", "デモクラウド IaaS", csp.name, Program.ISMAP, long_end, "税務システム（ガバメントクラウド）"),
        ("C22-0042-1", "デモ文書管理SaaS", "文書管理サービス株式会社", Program.ISMAP, soon_end, "文書管理システム"),
        ("C21-0099-1", "デモ電子申請サービス", "電子申請株式会社", Program.ISMAP, long_end, "電子申請"),
        ("L23-0005-1", "デモ会議録作成SaaS", "会議録株式会社", Program.ISMAP_LIU, long_end, "議事録作成"),
    ]
    rows = []
    for number, name, provider, program, end, used_by in register:
        service = services.cloud_service_save(
            service=CloudService(
                municipality=municipality,
                party=csp if provider == csp.name else None,
                provider=provider,
                service_name=name,
                program=program,
                registration_number=number,
                registered_on=add_months(end, -30),
                audit_period_start=add_months(end, -12) + dt.timedelta(days=1),
                audit_period_end=end,
                auditor="デモ監査法人",
                auditor_listed=True,
                used_by=used_by,
            )
        )
        if number != "C21-0099-1":
            assert service.expires_on is not None and service.registered_on is not None
            rows.append((number, name, provider, service.registered_on, service.expires_on))
    rows.append(("C23-0777-1", "他団体のみ利用するサービス", "その他株式会社", today, today + dt.timedelta(days=400)))
    services.ismap_import(
        municipality=municipality,
        content=_list_csv(rows),
        file_name=f"ismap-list-{today.isoformat()}.csv",
        list_date=today,
    )

    # 4. The responsibility matrix from the report's wording.
    services.matrix_prefill(municipality=municipality)
