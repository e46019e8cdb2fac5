"""Server-room (管理区域) API: areas, and a month's exceptions with its review status; import a door log.

Visibility is the pages' ``Area.objects.visible_to``; exceptions come from ``reconcile.reconcile`` as on the page.
The door-log import (Perm.AREA_MANAGE) goes through ``importing.door_log_import``, as on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, P, PathEx, Router
from ninja.pagination import paginate
from ninja.responses import Status

from piaops.api.framework import (
    ApiError,
    CursorPagination,
    FileIn,
    OutSchema,
    api_user,
    file_bytes,
    import_rejected,
    require_write,
)
from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import Area, DoorLogMapping, MonthlyReview
from piaops.areas.reconcile import reconcile
from piaops.tenancy import access
from piaops.tenancy.access import Perm

router = Router(tags=["areas"])


class AreaOut(OutSchema):
    id: int
    name: str
    code: str
    location: str
    managing_unit_id: int | None
    # Local wall-clock times as "HH:MM:SS": JSON Schema's "time" format demands a UTC offset, which these lack.
    hours_start: str = Field(..., description="入室を認める時間帯の開始（現地時刻 HH:MM:SS）")
    hours_end: str = Field(..., description="入室を認める時間帯の終了（現地時刻 HH:MM:SS）")
    is_active: bool

    @staticmethod
    def resolve_hours_start(obj: Area) -> str:
        return obj.hours_start.isoformat()

    @staticmethod
    def resolve_hours_end(obj: Area) -> str:
        return obj.hours_end.isoformat()


class ExceptionOut(OutSchema):
    key: str
    kind: str
    label: str
    event_id: int
    at: dt.datetime
    card_id: str
    person_id: int | None
    comment: str


class MonthOut(OutSchema):
    area_id: int
    month: dt.date
    review_status: str
    summary: str
    signed_at: dt.datetime | None
    exceptions: list[ExceptionOut]


class DoorLogIn(FileIn):
    """An access-control system's CSV (UTF-8 or CP932); ``mapping_id`` names its column mapping (default: 標準)."""

    mapping_id: int | None = Field(None, description="列の対応（省略時は 日時・カード番号・入退）")


class DoorLogOut(OutSchema):
    id: int | None = Field(..., description="取込の番号（dry_run では null）")
    area_id: int
    dry_run: bool
    file_name: str
    rows: int = Field(..., description="追加した（dry_run では追加する）記録の件数")
    skipped: int = Field(0, description="取込済み、またはファイル内で重複していたため追加しない記録の件数")
    first_at: dt.datetime | None
    last_at: dt.datetime | None


def _areas(request: HttpRequest) -> QuerySet[Area]:
    access.municipality_of(request.user)
    access.require(request.user, Perm.VIEW)
    return Area.objects.visible_to(api_user(request)).select_related("managing_unit")


@router.get("/areas", response=list[AreaOut], summary="管理区域の一覧")
@paginate(CursorPagination)
def areas(request: HttpRequest) -> Any:
    return _areas(request)


@router.get("/areas/{area_id}", response=AreaOut, summary="管理区域")
def area(request: HttpRequest, area_id: int) -> Area:
    return access.get_or_404(request.user, _areas(request), pk=area_id)


@router.get("/areas/{area_id}/months/{year}/{month}", response=MonthOut, summary="月次の例外と確認状況")
def area_month(
    request: HttpRequest,
    area_id: int,
    year: PathEx[int, P(ge=2000, le=2100)],
    month: PathEx[int, P(ge=1, le=12)],
) -> dict[str, Any]:
    found: Area = access.get_or_404(request.user, _areas(request), pk=area_id)
    try:
        first = dt.date(year, month, 1)
    except ValueError as exc:  # pragma: no cover - bounded by the path schema
        raise ApiError(400, "invalid", "対象月が正しくありません。") from exc
    review = MonthlyReview.objects.filter(municipality_id=found.municipality_id, area=found, month=first).first()
    comments = dict(review.comments.values_list("exception_key", "comment")) if review else {}
    exceptions = [
        {
            "key": e.key,
            "kind": e.kind,
            "label": str(e.label),
            "event_id": e.event_id,
            "at": e.at,
            "card_id": e.card_id,
            "person_id": e.person_id,
            "comment": comments.get(e.key, ""),
        }
        for e in reconcile(area=found, month=first)
    ]
    return {
        "area_id": found.pk,
        "month": first,
        "review_status": review.status if review else "",
        "summary": review.summary if review else "",
        "signed_at": review.signed_at if review else None,
        "exceptions": exceptions,
    }


@router.post(
    "/areas/{area_id}/door-logs",
    response={200: DoorLogOut, 201: DoorLogOut},
    summary="入退室ログを取り込む（全行を検査してから全件登録。誤りがあれば1件も登録せず 422）",
)
def door_log(request: HttpRequest, area_id: int, payload: DoorLogIn) -> Status[dict[str, Any]]:
    found: Area = access.get_or_404(request.user, Area, pk=area_id)
    mapping = (
        access.get_or_404(request.user, DoorLogMapping, pk=payload.mapping_id)
        if payload.mapping_id is not None
        else DoorLogMapping(municipality_id=found.municipality_id, name="標準")
    )
    require_write(request, Perm.AREA_MANAGE)
    data = file_bytes(payload)
    try:
        batch = door_log_import(
            area=found,
            data=data,
            file_name=payload.file_name,
            mapping=mapping,
            user=api_user(request),
            dry_run=payload.dry_run,
        )
    except DoorLogError as exc:
        raise import_rejected(exc.errors, total=exc.total) from exc
    body = {
        "id": batch.pk,
        "area_id": found.pk,
        "dry_run": payload.dry_run,
        "file_name": batch.file_name,
        "rows": batch.rows,
        "skipped": batch.skipped,
        "first_at": batch.first_at,
        "last_at": batch.last_at,
    }
    return Status(200 if payload.dry_run else 201, body)
