"""Training import: a 個人番号 anywhere in the uploaded file is refused, with the published vectors."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.training.importing import import_records
from piaops.training.models import Record
from tests.conftest import World
from tests.samples import VECTORS, not_echoed, xlsx
from tests.training.test_import import TODAY, csv_bytes, staff  # noqa: F401 (fixture)


@pytest.mark.parametrize("number", VECTORS)
def test_a_vector_on_a_second_sheet_is_refused(world: World, staff: object, number: str) -> None:  # noqa: F811
    data = xlsx(
        {
            ("一覧", "A1"): "職員番号",
            ("一覧", "B1"): "研修コード",
            ("一覧", "C1"): "受講日",
            ("一覧", "A2"): "1001",
            ("一覧", "B2"): "PRV1",
            ("一覧", "C2"): dt.datetime(2026, 5, 1),
            ("控え", "A1"): f"番号 {number}",
        }
    )
    result = import_records(municipality=world.a, data=data, filename="受講.xlsx", today=TODAY)
    assert any("シート「控え」のセル A1" in e for e in result.errors) and not_echoed(" ".join(result.errors))
    assert not Record.objects.exists()


@pytest.mark.parametrize("number", VECTORS)
def test_a_vector_in_a_csv_row_is_refused(world: World, staff: object, number: str) -> None:  # noqa: F811
    data = csv_bytes(f"職員番号,研修コード,受講日,備考\n1001,PRV1,2026-05-01,{number}\n", "cp932")
    result = import_records(municipality=world.a, data=data, filename="受講.csv", today=TODAY)
    assert result.errors and not_echoed(" ".join(result.errors))
    assert not Record.objects.exists()
