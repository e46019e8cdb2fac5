"""Server-room (管理区域) API: areas, and a month's exceptions with its review status.

Visibility is the pages' ``services.readable_areas``; exceptions come from ``reconcile.reconcile`` as on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema
from ninja.pagination import paginate

from piaops.api.framework import ApiError, CursorPagination
from piaops.areas.models import Area, MonthlyReview
from piaops.areas.reconcile import reconcile
from piaops.areas.services import readable_areas
from piaops.tenancy import access
from piaops.tenancy.access import Perm

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    name: str
    code: str
    location: str
    managing_unit_id: int | None
    hours_start: dt.time
    hours_end: dt.time
    is_active: bool


class ExceptionOut(Schema):
    key: str
    kind: str
    label: str
    event_id: int
    at: dt.datetime
    card_id: str
    person_id: int | None
    comment: str


class MonthOut(Schema):
    area_id: int
    month: dt.date
    review_status: str
    summary: str
    signed_at: dt.datetime | None
    exceptions: list[ExceptionOut]


def _areas(request: HttpRequest) -> Any:
    access.municipality_of(request.user)
    access.require(request.user, Perm.VIEW)
    return readable_areas(request.user)


@router.get("/areas", response=list[AreaOut], summary="管理区域の一覧")
@paginate(CursorPagination)
def areas(request: HttpRequest) -> Any:
    return _areas(request)


@router.get("/areas/{area_id}", response=AreaOut, summary="管理区域")
def area(request: HttpRequest, area_id: int) -> Area:
    return access.get_or_404(request.user, _areas(request), pk=area_id)


@router.get("/areas/{area_id}/months/{year}/{month}", response=MonthOut, summary="月次の例外と確認状況")
def area_month(
    request: HttpRequest, area_id: int, year: int = Path(..., ge=2000, le=2100), month: int = Path(..., ge=1, le=12)
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
