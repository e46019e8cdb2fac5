"""A tenant whose every text field starts with a formula. Exports cannot carry formulas: no CSV or XLSX that
tenant's admin can download holds a formula cell or a cell a spreadsheet would read as one.

The world is the isolation proof's (``isolation_world.build``), with B's marker set to a formula: every human-text
field of every B row (names, titles, notes, comments, plans…) then begins with it. B's admin downloads every page
of the URL tables; each CSV, XLSX, or ZIP of XLSX must (1) contain the planted text, so the field reached the file,
and (2) hold it as text: an apostrophe before it in a CSV, a string cell with Excel's quote prefix in an XLSX.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from piaops.lib.safeexport import FORMULA_STARTS, csv_value, formula_like, workbook_bytes
from tests.trust import isolation_urls as urls
from tests.trust import isolation_world
from tests.trust.isolation_urls import PAGE_IDS, PAGE_SCANS
from tests.trust.isolation_world import IsoWorld

pytestmark = pytest.mark.django_db

PAYLOAD = "=ZZB()"  # as short as the isolation marker: codes are marked too, and must stay unique


@pytest.fixture(scope="module")
def planted(django_db_setup: None, django_db_blocker: Any) -> Iterator[IsoWorld]:
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock(), transaction.atomic():
        patch.setattr(isolation_world, "MARKER", PAYLOAD)
        built = isolation_world.build(timezone.localdate())
        yield built
        transaction.set_rollback(True)


# Exports chosen by a query string the isolation tables do not list (they prove the page, not each format).
FORMAT_QUERIES = {
    "training:roster": ["?format=xlsx"],
    "reports:section4": ["?format=xlsx"],
    "audits:report_file": [],  # a stored report: its xlsx is the one audits:download makes
}


def _downloads(world: IsoWorld) -> Iterator[tuple[str, str, bytes]]:
    """(url, content type, body) of every CSV/XLSX/ZIP that B's admin gets from the URL tables."""
    client = Client()
    client.force_login(world.admin_b)
    requests = [(name, spec, ["", *FORMAT_QUERIES.get(name, [])]) for name, spec in PAGE_IDS.items()]
    requests += [(name, spec, queries) for name, (spec, queries) in PAGE_SCANS.items()]
    for name, spec, queries in requests:
        base = reverse(name, kwargs=urls.fill(spec, world))
        for query in queries:
            response = client.get(base + query)
            kind = response.get("Content-Type", "")
            if response.status_code == 200 and ("csv" in kind or "spreadsheet" in kind or "zip" in kind):
                yield base + query, kind, urls.body_of(response)


def _xlsx_cells(data: bytes) -> Iterator[Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _check_xlsx(url: str, data: bytes) -> int:
    planted = 0
    for cell in _xlsx_cells(data):
        assert cell.data_type != "f", f"{url}: formula in {cell.parent.title}!{cell.coordinate}"
        if formula_like(cell.value):
            assert cell.quotePrefix, f"{url}: {cell.parent.title}!{cell.coordinate} is not marked as text"
            planted += PAYLOAD in str(cell.value)
    return planted


def _check_csv(url: str, data: bytes) -> int:
    planted = 0
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        for value in row:
            assert not value.startswith(FORMULA_STARTS), f"{url}: {value[:40]!r} would be read as a formula"
            planted += value.startswith("'" + PAYLOAD)
    return planted


def test_no_export_carries_a_formula(planted: IsoWorld) -> None:
    seen: dict[str, int] = {}
    for url, kind, body in _downloads(planted):
        if body.startswith(b"PK") and "spreadsheet" not in kind:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                seen[url] = sum(_check_xlsx(f"{url}／{n}", archive.read(n)) for n in archive.namelist())
        elif body.startswith(b"PK"):
            seen[url] = _check_xlsx(url, body)
        else:
            seen[url] = _check_csv(url, body)
    # Every export of the URL tables was downloaded, and each carried planted text (so the check above meant it).
    expected = {"/selfcheck/", "/audits/", "/assurance/", "/audit-log/", "/assessments/", "/training/", "/reports/"}
    assert {prefix for prefix in expected if any(u.startswith(prefix) for u in seen)} == expected, sorted(seen)
    searches = {u for u in seen if "?q=" in u}  # the isolation marker's search: finds nothing here
    assert all(seen[u] > 0 for u in set(seen) - searches), {u: c for u, c in seen.items() if not c}


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1", "=cmd|' /C calc'!A0"])
def test_the_helper_writes_text_that_looks_like_a_formula_as_text(value: str) -> None:
    assert csv_value(value) == "'" + value
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = value
    cell = openpyxl.load_workbook(io.BytesIO(workbook_bytes(book))).active["A1"]  # type: ignore[index]
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value in (value, value.replace("\r", "\n"))  # an XML reader may normalise a lone CR


@pytest.mark.parametrize("value", ["札幌市", "2026-01-07", 12, None, "a=b", " =1"])
def test_the_helper_leaves_other_values_alone(value: object) -> None:
    assert csv_value(value) == value


def test_every_export_goes_through_the_helper() -> None:
    """No module writes CSV or saves a workbook itself (the demo's CSV files are import input, not exports)."""
    import re
    from pathlib import Path

    import piaops

    root = Path(piaops.__file__).parent
    allowed = {"lib/safeexport.py", "tenancy/demo.py"}
    pattern = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\b(wb|book|workbook)\.save\(|xlsxwriter")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if str(path.relative_to(root)) not in allowed and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_out_of_range_dates_in_query_strings_never_fail_a_page(planted: IsoWorld) -> None:
    """Every page of the URL tables (with real ids of every kind), as the tenant's admin, with every date-like query
    parameter out of range: never a server error (``tests/core/test_date_params.py`` walks years and months in
    paths and the API)."""
    from urllib.parse import urlencode

    names = ("as_of", "date", "date_from", "date_to", "from", "to", "month", "year", "fy", "since", "until")
    client = Client(raise_request_exception=False)
    client.force_login(planted.admin_b)
    failures = []
    requests = [(name, spec) for name, spec in PAGE_IDS.items()] + [(n, spec) for n, (spec, _) in PAGE_SCANS.items()]
    for name, spec in requests:
        base = reverse(name, kwargs=urls.fill(spec, planted))
        for bad in ("9999-12-31", "0001-01-01", "99999"):
            url = f"{base}?{urlencode(dict.fromkeys(names, bad))}&format=xlsx&kind=results"
            if client.get(url).status_code >= 500:
                failures.append(url)
    assert failures == []
