"""Assessment reports API (read): reports and their commitments, with Perm.VIEW as on the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from piaops.api.framework import CursorPagination
from piaops.assessments.models import AssessmentReport, Commitment
from piaops.tenancy import access
from piaops.tenancy.access import Perm

router = Router(tags=["assessments"])


class ReportOut(Schema):
    id: int
    series: str
    version: int
    previous_id: int | None
    title: str
    tier: str
    report_number: str
    published_on: dt.date | None
    status: str
    imported_at: dt.datetime


class CommitmentOut(Schema):
    id: int
    item_id: int
    block_id: int | None
    party_id: int | None
    party_name: str
    text: str
    kind: str
    cadence: str
    owner_unit_id: int | None
    start_line: int
    end_line: int


def _reports(request: HttpRequest) -> Any:
    access.municipality_of(request.user)
    access.require(request.user, Perm.VIEW)
    return access.scoped(request.user, AssessmentReport)


@router.get("/reports", response=list[ReportOut], summary="評価書の一覧")
@paginate(CursorPagination)
def reports(request: HttpRequest) -> Any:
    return _reports(request)


@router.get("/reports/{report_id}", response=ReportOut, summary="評価書")
def report(request: HttpRequest, report_id: int) -> AssessmentReport:
    return access.get_or_404(request.user, _reports(request), pk=report_id)


@router.get("/reports/{report_id}/commitments", response=list[CommitmentOut], summary="評価書の約束（対策）")
@paginate(CursorPagination)
def commitments(request: HttpRequest, report_id: int) -> Any:
    found: AssessmentReport = access.get_or_404(request.user, _reports(request), pk=report_id)
    return access.scoped(request.user, Commitment).filter(report=found)
