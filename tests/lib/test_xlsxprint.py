"""Print setup of every XLSX export (piaops.lib.xlsxprint), proven by printing with a real spreadsheet application.

The fast tests read the settings back with openpyxl. The LibreOffice test exports every workbook of the demo
municipality (the same functions the pages and the CLI call), converts them all to PDF with ``soffice --headless``
and reads the pages with poppler: every page carries the column headings of its sheet (so no column ever spills to
a page of its own and the heading rows repeat), the 団体名 and 「n / m」; the first page of each sheet has all its
headings; the tables the issue found spread over many pages print on one page per sheet. A self-inspection workbook
re-saved by LibreOffice still imports and keeps its print setup.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from piaops.lib.xlsxprint import print_setup, table_width
from tests.live import prepared_var_dir, run_piaops

pytestmark = pytest.mark.engine_independent


def _sheet(widths: list[float]) -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([f"見出し{n}" for n in range(len(widths))])
    for n, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    return book


def _reread(book: Workbook, tmp_path: Path) -> Workbook:
    path = tmp_path / "book.xlsx"
    book.save(path)
    return load_workbook(path)


def test_a_narrow_table_prints_portrait_a4_fitted_to_the_width(tmp_path: Path) -> None:
    book = _sheet([10, 30, 20])
    sheet = book.active
    assert sheet is not None
    print_setup(sheet, municipality="札幌市", title="受講状況 R&D", header_rows=(1, 1))
    again = _reread(book, tmp_path).active
    assert again is not None
    setup = again.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "portrait", 1, 0)  # 9: A4
    assert again.sheet_properties.pageSetUpPr.fitToPage
    assert again.print_title_rows == "$1:$1"
    footer = again.oddFooter
    assert (footer.left.text, footer.center.text, footer.right.text) == ("札幌市", "受講状況 R&&D", "&P / &N")


def test_a_wide_table_prints_landscape(tmp_path: Path) -> None:
    book = _sheet([10, 60, 40, 30])
    sheet = book.active
    assert sheet is not None and table_width(sheet) == 140
    print_setup(sheet, municipality="札幌市", title="t", header_rows=(1, 1))
    again = _reread(book, tmp_path).active
    assert again is not None and again.page_setup.orientation == "landscape"


def test_unsized_and_hidden_columns_count_as_a_spreadsheet_draws_them() -> None:
    book = _sheet([20, 20])
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=1, column=4, value="x")  # C unsized (8.43), D unsized
    sheet.column_dimensions["B"].hidden = True
    assert table_width(sheet) == pytest.approx(20 + 8.43 * 2)


def test_every_module_that_writes_a_workbook_sets_it_up_for_printing() -> None:
    """A new export gets its print setup too: a module creating ``Workbook()`` calls ``print_setup``."""
    src = Path(__file__).resolve().parents[2] / "src" / "piaops"
    writers = [p for p in src.rglob("*.py") if "Workbook()" in p.read_text(encoding="utf-8")]
    assert len(writers) >= 6  # the scan sees the exports
    assert [str(p.relative_to(src)) for p in writers if "print_setup(" not in p.read_text(encoding="utf-8")] == []


# --- printed by LibreOffice -----------------------------------------------------------------------------------

EXPORTS = """
from pathlib import Path
from django.db.models import Count
from django.utils import timezone
from piaops.assessments.exports import export_xlsx
from piaops.assessments.models import AssessmentReport
from piaops.assurance.matrix import to_xlsx as matrix_xlsx
from piaops.audits import reports as audit_reports
from piaops.lib.fiscal import fiscal_year
from piaops.reports.section4 import build as section4
from piaops.reports.section4_export import to_xlsx as section4_xlsx
from piaops.selfcheck import xlsx as selfcheck
from piaops.selfcheck.models import EDITABLE, Checklist
from piaops.tenancy.models import Municipality, OrgUnit
from piaops.training import views as training

out = Path(OUT)
m = Municipality.objects.get(code="011002")
today = timezone.localdate()
fy = fiscal_year(today)
report = AssessmentReport.objects.filter(municipality=m).order_by("-id").first()
(out / "assessment.xlsx").write_bytes(export_xlsx(report))
(out / "matrix.xlsx").write_bytes(matrix_xlsx(m))
for kind in ("results", "followup"):
    data = audit_reports.report_data(municipality=m, fiscal_year=fy, kind=kind)
    (out / f"audit-{kind}.xlsx").write_bytes(audit_reports.render_xlsx_bytes(data))
(out / "section4.xlsx").write_bytes(section4_xlsx(section4(report, fiscal_year=fy, today=today)))
checklists = Checklist.objects.filter(municipality=m, status__in=EDITABLE).annotate(n=Count("answers"))
checklist = checklists.order_by("-n", "id").first()
(out / "checklist.xlsx").write_bytes(selfcheck.checklist_workbook(checklist))
(out / "selfcheck-summary.xlsx").write_bytes(selfcheck.campaign_summary(checklist.campaign, today=today))
unit = OrgUnit.objects.filter(municipality=m).annotate(n=Count("assignments")).order_by("-n", "id").first()
(out / "training-roster.xlsx").write_bytes(training._roster_xlsx(unit, today, *training._roster(unit, today)).content)
"""
NAMES = [
    "assessment",
    "matrix",
    "audit-results",
    "audit-followup",
    "section4",
    "checklist",
    "selfcheck-summary",
    "training-roster",
]
# The tables that printed over many pages before (issue 19: the audit results workbook on 8 pages, the 自己点検票
# with only its first two columns on page 1): now one page per sheet.
ONE_PAGE_PER_SHEET = ["audit-results", "checklist", "matrix", "training-roster"]


def _require_soffice() -> None:
    if not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdfinfo")):
        pytest.skip(
            "LibreOffice または poppler-utils がありません（apt-get install libreoffice-calc-nogui poppler-utils）"
        )


def _soffice(tmp: Path, target: str, out: Path, *files: Path) -> None:
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", target,
         "--outdir", str(out), *map(str, files)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(var dir of the demo installation, folder of every export as .xlsx and as LibreOffice's .pdf)."""
    _require_soffice()
    if os.environ.get("PIAOPS_TEST_DB") == "postgres":
        pytest.skip("SQLite の回で実行済みです（demo の団体は専用の SQLite ファイルに作ります）")
    tmp = tmp_path_factory.mktemp("print")
    var_dir = prepared_var_dir(tmp / "var", people=40)
    out = tmp / "exports"
    out.mkdir()
    done = run_piaops("shell", "-c", f"OUT = {str(out)!r}\n{EXPORTS}", var_dir=var_dir)
    assert done.returncode == 0, done.stderr
    _soffice(tmp, "pdf", out, *(out / f"{name}.xlsx" for name in NAMES))
    yield var_dir, out


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    return [
        _squeeze(
            subprocess.run(
                ["pdftotext", "-raw", "-f", str(n), "-l", str(n), str(pdf), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for n in range(1, count + 1)
    ]


def _headings(xlsx: Path) -> list[list[str]]:
    """The column headings (the repeated title rows' last row) of each printed sheet, in order."""
    book = load_workbook(xlsx)
    headings = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        assert sheet.print_title_rows, f"{xlsx.name}:{sheet.title} has no title rows"
        last = int(sheet.print_title_rows.split(":")[-1].strip("$"))
        headings.append([_squeeze(str(c.value)) for c in sheet[last] if c.value not in (None, "")])
    return headings


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_export_prints_with_its_headings_on_every_page(printed: tuple[Path, Path], name: str) -> None:
    _var_dir, out = printed
    pages = _pages(out / f"{name}.pdf")
    sheets = _headings(out / f"{name}.xlsx")
    assert all(sheets), f"{name}: a sheet without headings"
    first = sheets[0]
    assert [h for h in first if h not in pages[0]] == [], f"{name}: headings missing on page 1"
    for n, text in enumerate(pages, start=1):
        assert any(all(h in text for h in sheet) for sheet in sheets), f"{name} page {n}: no complete heading row"
        assert "札幌市" in text and f"{n}/{len(pages)}" in text, f"{name} page {n}: footer"
    # Each sheet's headings all appear together on some page: every sheet printed, none cut.
    for sheet in sheets:
        assert any(all(h in text for h in sheet) for text in pages), f"{name}: {sheet}"
    if name in ONE_PAGE_PER_SHEET:
        assert len(pages) == len(sheets), f"{name}: {len(pages)} pages for {len(sheets)} sheets"


@pytest.mark.slow
def test_a_checklist_re_saved_by_libreoffice_still_imports(printed: tuple[Path, Path], tmp_path: Path) -> None:
    var_dir, out = printed
    _soffice(tmp_path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "resaved", out / "checklist.xlsx")
    resaved = tmp_path / "resaved" / "checklist.xlsx"
    done = run_piaops("selfcheck", "import-xlsx", str(resaved), var_dir=var_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    sheet = load_workbook(resaved)["自己点検票"]
    assert sheet.print_title_rows == "$6:$6" and sheet.page_setup.orientation == "landscape"
    assert sheet.oddFooter.right.text == "&P / &N"
