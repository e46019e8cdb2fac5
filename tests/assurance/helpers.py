"""Builders of list files and assurance rows shared by the assurance tests."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from hypothesis import strategies as st
from openpyxl import Workbook

from piaops.assurance import services
from piaops.assurance.models import CloudService, Obligation
from piaops.tenancy.models import Municipality, Party

HEADER = ["登録番号", "サービス名称", "クラウドサービス事業者名", "登録日", "有効期限"]

# List cells for the fuzz tests: random text, and the values that matter to the checks (an impossible date, a known
# registration number, a NUL, an over-long number, a 個人番号 test vector, CSV quoting).
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["2024/2/30", "令和99年1月1日", "2025/6/15", "C21-0001-1", "C21-0005-1", "", "\x00", "9" * 40, "123456789018"]
    + ['"', "\r\n"]
)

xlsx_cells = (
    st.none()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1))
    | st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x9FFF, blacklist_categories=("Cs",)), max_size=10
    )
)


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
