"""Issue 14 §6: one date reader for every import. Each importer (people, training records, door logs, the ISMAP
list, checklists, the assessment import command) reads its dates through ``piaops.lib.dates`` and parses no date
by itself; what the reader accepts (西暦, 和暦, Excel) is table-tested in ``tests/lib/test_dates.py`` and, per
importer, in the tests named below."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from piaops.assurance import ismap_list
from piaops.lib.dates import read_datetime
from piaops.tenancy.people_import import tables
from piaops.training import importing as training_import

SRC = Path(__file__).resolve().parents[2] / "src" / "piaops"

# (module, the reader it must use, the test that feeds it 和暦 / other forms through the importer itself)
IMPORTERS = [
    ("tenancy/people_import/tables.py", "read_date", "tests/tenancy/test_importing.py"),
    ("training/importing.py", "read_date", "tests/training/test_import_properties.py"),
    ("areas/importing.py", "read_datetime", "tests/areas/test_importing.py"),
    ("assurance/ismap_list.py", "read_date", "tests/assurance/test_ismap_list.py"),
    ("selfcheck/xlsx.py", "read_date", "tests/selfcheck/test_xlsx_properties.py"),
    ("assessments/management/commands/assessment_import.py", "read_date", "tests/assessments/test_versions.py"),
]
# Ways to turn text into a date other than the one reader (a module's own wrapper around the reader is fine).
OWN_PARSERS = {"strptime", "fromisoformat", "to_datetime", "dateutil", "django.utils.dateparse"}


def _calls_and_imports(tree: ast.AST) -> tuple[set[str], set[str]]:
    called: set[str] = set()
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            called.add(fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else "")
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{a.name}" for a in node.names}
            module = node.module or ""
            called |= {p for p in ("dateutil", "django.utils.dateparse") if module.startswith(p)}
        elif isinstance(node, ast.Import):
            called |= {"dateutil" for a in node.names if a.name.startswith("dateutil")}
    return called, imported


@pytest.mark.engine_independent
@pytest.mark.parametrize(("module", "reader", "behaviour_test"), IMPORTERS)
def test_every_import_reads_dates_with_the_one_reader(module: str, reader: str, behaviour_test: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    called, imported = _calls_and_imports(tree)
    assert f"piaops.lib.dates.{reader}" in imported and reader in called, f"{module} does not use {reader}"
    assert not called & OWN_PARSERS, f"{module} parses dates itself: {sorted(called & OWN_PARSERS)}"
    assert (SRC.parents[1] / behaviour_test).exists()


COMMANDS = sorted(str(p.relative_to(SRC)) for p in SRC.glob("*/management/commands/*.py"))


@pytest.mark.engine_independent
@pytest.mark.parametrize("module", COMMANDS)
def test_no_command_parses_a_date_option_by_itself(module: str) -> None:
    """The CLI reads its date options (``--as-of``, ``--today``, ``--date``, ``--known-on`` …) by the one reader."""
    called, _ = _calls_and_imports(ast.parse((SRC / module).read_text(encoding="utf-8")))
    assert not called & OWN_PARSERS, f"{module} parses dates itself: {sorted(called & OWN_PARSERS)}"


@pytest.mark.engine_independent
def test_the_check_fails_on_a_module_that_parses_dates_itself() -> None:
    called, _ = _calls_and_imports(ast.parse("import datetime as dt\nday = dt.datetime.strptime(s, '%Y/%m/%d')\n"))
    assert "strptime" in called
    called, _ = _calls_and_imports(ast.parse("from dateutil.parser import parse\n"))
    assert "dateutil" in called
    called, _ = _calls_and_imports(ast.parse("from django.utils.dateparse import parse_date\n"))
    assert "django.utils.dateparse" in called


# The same cell, as the offices' files carry it, read by every importer's date cell: the same day or the same
# refusal (the importer-level tests named in IMPORTERS feed such cells through the whole import).
FORMS: list[tuple[object, dt.date | None]] = [
    ("2026-11-02", dt.date(2026, 11, 2)),
    ("2026/11/2", dt.date(2026, 11, 2)),
    ("２０２６／１１／０２", dt.date(2026, 11, 2)),
    ("20261102", dt.date(2026, 11, 2)),
    ("2026年11月2日", dt.date(2026, 11, 2)),
    ("令和8年11月2日", dt.date(2026, 11, 2)),
    ("R8.11.2", dt.date(2026, 11, 2)),
    ("r08.11.02", dt.date(2026, 11, 2)),
    ("令和元年5月1日", dt.date(2019, 5, 1)),
    ("平成31年4月30日", dt.date(2019, 4, 30)),
    ("46328", dt.date(2026, 11, 2)),  # an Excel serial number (1900 system)
    (dt.datetime(2026, 11, 2, 0, 0), dt.date(2026, 11, 2)),  # an Excel date cell
    ("平成31年5月1日", None),  # outside its era: refused
    ("2026-02-30", None),
    ("11/2", None),
]
READERS: dict[str, Callable[[object], dt.date | None]] = {
    "職員・配属（people import）": lambda v: tables.parse_date(v),  # type: ignore[arg-type]
    "研修記録（training records）": lambda v: training_import.parse_date(v),  # type: ignore[arg-type]
    "ISMAPリスト": lambda v: ismap_list.parse_date(v),  # type: ignore[arg-type]
    "入退室ログ（日付列と時刻列）": lambda v: (at := read_datetime(v, "8:15")) and at.date(),
}


@pytest.mark.engine_independent
@pytest.mark.parametrize("importer", sorted(READERS))
@pytest.mark.parametrize(("cell", "day"), FORMS)
def test_every_importer_reads_a_cell_as_the_same_day(importer: str, cell: object, day: dt.date | None) -> None:
    read = READERS[importer]
    if day is None:
        with pytest.raises(ValueError):
            read(cell)
    else:
        assert read(cell) == day
