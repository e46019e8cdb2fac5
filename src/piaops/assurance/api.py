"""Third-party assurance API: contracts with their 再委託 chain, obligations with evidence and history, the ISMAP
register, list snapshots with their entries and alerts; import a published ISMAP list (Perm.ASSURANCE_MANAGE).

Visibility is the pages' (``models.sees_every_party`` and the models' ``visible_to``): any role but 事業者担当 sees
everything of its municipality; a user whose only grants are 事業者担当 sees the contracts and obligations of their
own parties (others: 404) and not the ISMAP register (403). The import goes through ``services.ismap_import``, as on
the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status

from piaops.api.framework import (
    CursorPagination,
    FileIn,
    OutSchema,
    api_user,
    check_day,
    file_bytes,
    import_rejected,
    prefetch,
    related_list,
    require_write,
)
from piaops.assurance import services
from piaops.assurance.ismap_list import IsmapListError
from piaops.assurance.models import (
    CloudService,
    Contract,
    ContractQuerySet,
    Evidence,
    IsmapAlert,
    IsmapListEntry,
    IsmapSnapshot,
    Obligation,
    ObligationEvent,
    ObligationQuerySet,
    Subcontract,
    sees_every_party,
)
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import User

router = Router(tags=["assurance"])


class SubcontractOut(OutSchema):
    """One link of the chain: ``depth`` 1 is a 再委託, 2 a 再々委託…; ``parent_id`` names the link above."""

    id: int
    parent_id: int | None
    depth: int
    name: str
    scope: str
    approval: str
    approved_on: dt.date | None
    approval_reference: str
    approved_by: str


class ContractOut(OutSchema):
    id: int
    party_id: int
    title: str
    number: str
    start_date: dt.date
    end_date: dt.date | None
    scope: str
    data_concerned: str
    note: str
    work_ids: list[int]

    resolve_work_ids = related_list("works", "pk")


class ContractDetailOut(ContractOut):
    subcontracts: list[SubcontractOut]

    @staticmethod
    def resolve_subcontracts(obj: Contract) -> list[dict[str, Any]]:
        return _chain(obj)


class ObligationOut(OutSchema):
    id: int
    party_id: int
    contract_id: int | None
    commitment_id: int | None
    title: str
    kind: str
    cadence: str
    evidence_expected: str
    nominal_due: dt.date
    next_due: dt.date
    is_active: bool
    overdue: bool

    @staticmethod
    def resolve_overdue(obj: Obligation) -> bool:
        return obj.is_overdue(timezone.localdate())


class EvidenceOut(OutSchema):
    id: int
    file_name: str
    sha256: str
    size: int
    period_from: dt.date
    period_to: dt.date
    received_on: dt.date
    submitted_by_id: int | None
    summary: str
    conclusion: str
    conclusion_note: str
    reviewed_at: dt.datetime | None


class ObligationEventOut(OutSchema):
    id: int
    kind: str
    at: dt.datetime
    actor_id: int | None
    evidence_id: int | None
    due_before: dt.date | None
    due_after: dt.date | None
    note: str


class ObligationDetailOut(ObligationOut):
    evidence: list[EvidenceOut]
    events: list[ObligationEventOut]

    @staticmethod
    def resolve_evidence(obj: Obligation) -> list[Evidence]:
        return list(obj.evidence.order_by("pk"))

    @staticmethod
    def resolve_events(obj: Obligation) -> list[ObligationEvent]:
        return list(obj.events.order_by("at", "pk"))


class CloudServiceOut(OutSchema):
    id: int
    party_id: int | None
    provider: str
    service_name: str
    used_by: str
    program: str
    registration_number: str
    registered_on: dt.date | None
    audit_period_start: dt.date | None
    audit_period_end: dt.date | None
    expires_on: dt.date | None
    renewal_applied_on: dt.date | None
    auditor: str
    auditor_listed: bool
    delisted_on: dt.date | None
    note: str
    valid_today: bool = Field(..., description="今日の時点で登録が有効か（更新申請中を含む）")

    @staticmethod
    def resolve_valid_today(obj: CloudService) -> bool:
        return obj.is_valid(timezone.localdate())


class AlertOut(OutSchema):
    id: int
    service_id: int
    kind: str
    detail: str
    expires_on: dt.date | None
    acknowledged_at: dt.datetime | None


class SnapshotOut(OutSchema):
    id: int
    list_date: dt.date
    file_name: str
    sha256: str
    encoding: str
    entry_count: int
    imported_at: dt.datetime
    imported_by_id: int | None


class SnapshotDetailOut(SnapshotOut):
    alerts: list[AlertOut]

    @staticmethod
    def resolve_alerts(obj: IsmapSnapshot) -> list[IsmapAlert]:
        return list(obj.alerts.order_by("pk"))


class EntryOut(OutSchema):
    id: int
    line: int
    registration_number: str
    service_name: str
    provider: str
    program: str
    registered_on: dt.date | None
    expires_on: dt.date | None
    audit_period_end: dt.date | None


class IsmapImportIn(FileIn):
    """The published ISMAP / ISMAP-LIU service list (CSV in UTF-8 or CP932, or XLSX in ``content_base64``)."""

    list_date: dt.date = Field(..., description="リストの日付（公表日）")


class OutcomeOut(OutSchema):
    service_id: int
    kind: str
    label: str
    detail: str
    expires_on: dt.date | None


class IsmapPreviewOut(OutSchema):
    dry_run: bool
    entry_count: int
    encoding: str
    outcomes: list[OutcomeOut]


def _chain(contract: Contract) -> list[dict[str, Any]]:
    """The 再委託 chain in reading order (each link followed by the links below it), as on the contract page."""
    links = list(Subcontract.objects.filter(contract=contract).order_by("pk"))
    by_parent: dict[int | None, list[Subcontract]] = {}
    for link in links:
        by_parent.setdefault(link.parent_id, []).append(link)
    chain: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for link in by_parent.get(parent, []):
            chain.append(
                {
                    "id": link.pk,
                    "parent_id": link.parent_id,
                    "depth": depth,
                    "name": link.name,
                    "scope": link.scope,
                    "approval": link.approval,
                    "approved_on": link.approved_on,
                    "approval_reference": link.approval_reference,
                    "approved_by": link.approved_by,
                }
            )
            walk(link.pk, depth + 1)

    walk(None, 1)
    return chain


def _view(request: HttpRequest) -> User:
    """The caller, once they belong to a municipality (else 404) and hold ``Perm.VIEW`` (else 403)."""
    access.municipality_of(request.user)
    access.require(request.user, Perm.VIEW)
    return api_user(request)


def _register_view(request: HttpRequest) -> User:
    """The ISMAP register and snapshots: not for a user who reads only their own parties (403, as on the pages)."""
    user = _view(request)
    if not sees_every_party(user):
        raise PermissionDenied("この画面を表示する権限がありません。")
    return user


def _contracts(request: HttpRequest) -> ContractQuerySet:
    return Contract.objects.visible_to(_view(request)).prefetch_related(prefetch("works"))


def _obligations(request: HttpRequest) -> ObligationQuerySet:
    return Obligation.objects.visible_to(_view(request))


# --- contracts and obligations ---------------------------------------------------------------------------------


@router.get("/contracts", response=list[ContractOut], summary="委託契約の一覧（party_id で絞り込み）")
@paginate(CursorPagination)
def contracts(request: HttpRequest, party_id: int | None = None) -> QuerySet[Contract]:
    qs = _contracts(request)
    return qs.filter(party_id=party_id) if party_id is not None else qs


@router.get("/contracts/{contract_id}", response=ContractDetailOut, summary="委託契約（再委託の連鎖つき）")
def contract(request: HttpRequest, contract_id: int) -> Contract:
    found: Contract = access.get_or_404(request.user, _contracts(request), pk=contract_id)
    return found


@router.get(
    "/obligations",
    response=list[ObligationOut],
    summary="保証義務の一覧（state=active / overdue、party_id で絞り込み）",
)
@paginate(CursorPagination)
def obligations(request: HttpRequest, state: str | None = None, party_id: int | None = None) -> QuerySet[Obligation]:
    qs = _obligations(request)
    if state == "overdue":
        qs = qs.overdue(timezone.localdate())
    elif state == "active":
        qs = qs.active()
    return qs.filter(party_id=party_id) if party_id is not None else qs


@router.get("/obligations/{obligation_id}", response=ObligationDetailOut, summary="保証義務（証跡と履歴つき）")
def obligation(request: HttpRequest, obligation_id: int) -> Obligation:
    found: Obligation = access.get_or_404(request.user, _obligations(request), pk=obligation_id)
    return found


# --- ISMAP -----------------------------------------------------------------------------------------------------


@router.get("/cloud-services", response=list[CloudServiceOut], summary="ISMAP 登録簿（クラウドサービス）")
@paginate(CursorPagination)
def cloud_services(request: HttpRequest) -> QuerySet[CloudService]:
    return access.scoped(_register_view(request), CloudService)


@router.get("/cloud-services/{service_id}", response=CloudServiceOut, summary="ISMAP 登録簿のクラウドサービス")
def cloud_service(request: HttpRequest, service_id: int) -> CloudService:
    return access.get_or_404(_register_view(request), CloudService, pk=service_id)


@router.get("/ismap/snapshots", response=list[SnapshotOut], summary="取り込んだ ISMAP リストの写しの一覧")
@paginate(CursorPagination)
def snapshots(request: HttpRequest) -> QuerySet[IsmapSnapshot]:
    return access.scoped(_register_view(request), IsmapSnapshot)


@router.get("/ismap/snapshots/{snapshot_id}", response=SnapshotDetailOut, summary="ISMAP リストの写し（照合結果つき）")
def snapshot(request: HttpRequest, snapshot_id: int) -> IsmapSnapshot:
    return access.get_or_404(_register_view(request), IsmapSnapshot, pk=snapshot_id)


@router.get(
    "/ismap/snapshots/{snapshot_id}/entries", response=list[EntryOut], summary="ISMAP リストの写しの掲載サービス"
)
@paginate(CursorPagination)
def snapshot_entries(request: HttpRequest, snapshot_id: int) -> QuerySet[IsmapListEntry]:
    found: IsmapSnapshot = access.get_or_404(_register_view(request), IsmapSnapshot, pk=snapshot_id)
    return access.scoped(request.user, IsmapListEntry).filter(snapshot=found)


@router.post(
    "/ismap/snapshots",
    response={200: IsmapPreviewOut, 201: SnapshotDetailOut},
    summary="ISMAP リストを取り込む（写しを保存し登録簿と照合。dry_run は照合結果だけ。誤りがあれば 422）",
)
def snapshot_import(request: HttpRequest, payload: IsmapImportIn) -> Status[Any]:
    municipality = access.municipality_of(request.user)
    require_write(request, Perm.ASSURANCE_MANAGE)
    check_day(payload.list_date, "list_date")
    data = file_bytes(payload)
    try:
        result = services.ismap_import(
            municipality=municipality,
            content=data,
            file_name=payload.file_name,
            list_date=payload.list_date,
            dry_run=payload.dry_run,
            imported_by=api_user(request),
        )
    except IsmapListError as exc:
        raise import_rejected(exc.errors) from exc
    if result.snapshot is None:
        outcomes = [
            {
                "service_id": o.service.pk,
                "kind": o.kind,
                "label": o.label,
                "detail": o.detail,
                "expires_on": o.expires_on,
            }
            for o in result.outcomes
        ]
        return Status(
            200,
            {
                "dry_run": True,
                "entry_count": len(result.parsed.entries),
                "encoding": result.parsed.encoding,
                "outcomes": outcomes,
            },
        )
    return Status(201, result.snapshot)
