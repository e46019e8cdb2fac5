"""Builders of list files and assurance rows shared by the assurance tests."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook

from piaops.assurance import services
from piaops.assurance.models import CloudService, Obligation
from piaops.tenancy.models import Municipality, Party

HEADER = ["登録番号", "サービス名称", "クラウドサービス事業者名", "登録日", "有効期限"]


def csv_bytes(
    rows: list[list[str]], *, header: list[str] = HEADER, encoding: str = "utf-8", title: bool = True
) -> bytes:
    lines = (["ISMAPクラウドサービスリスト"] if title else []) + [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ISMAPクラウドサービスリスト"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cloud_service(
    m: Municipality,
    number: str,
    *,
    audit_end: dt.date | None,
    name: str = "",
    renewal_applied_on: dt.date | None = None,
    **kw: Any,
) -> CloudService:
    return services.cloud_service_save(
        service=CloudService(
            municipality=m,
            provider=kw.pop("provider", "クラウド株式会社"),
            service_name=name or f"サービス {number}",
            registration_number=number,
            audit_period_end=audit_end,
            renewal_applied_on=renewal_applied_on,
            **kw,
        )
    )


def obligation(m: Municipality, party: Party, *, due: dt.date, cadence: str = "annual", **kw: Any) -> Obligation:
    return services.obligation_create(
        municipality=m,
        party=party,
        title=kw.pop("title", "運用者の定期的な自己点検"),
        cadence=cadence,
        nominal_due=due,
        today=due,
        **kw,
    )
