"""People import: a 個人番号 anywhere in the uploaded file is refused, even outside the columns that are read."""

from __future__ import annotations

import pytest

from piaops.tenancy.models import Person
from piaops.tenancy.people_import.services import people_import_plan
from tests.conftest import World
from tests.samples import VECTORS, not_echoed, xlsx

HEADER = ["職員番号", "氏名", "雇用形態", "所属組織コード", "配属開始日", "特定個人情報取扱"]


def _workbook(extra: dict[tuple[str, str], object]) -> bytes:
    cells: dict[tuple[str, str], object] = {("一覧", f"{chr(65 + i)}1"): h for i, h in enumerate(HEADER)}
    cells |= {("一覧", "A2"): "70001", ("一覧", "B2"): "手稲 五郎", ("一覧", "C2"): "正規職員", ("一覧", "D2"): "A210"}
    cells |= {("一覧", "E2"): "2026-04-01", ("一覧", "F2"): "有"}
    return xlsx(cells | extra)


@pytest.mark.parametrize("number", VECTORS)
def test_a_vector_on_a_sheet_the_import_does_not_read_is_refused(world: World, number: str) -> None:
    plan = people_import_plan(municipality=world.a, files=[("職員.xlsx", _workbook({("メモ", "B3"): number}))])
    text = "\n".join(str(i) for i in plan.issues)
    assert "シート「メモ」のセル B3" in text and not_echoed(text)
    assert not Person.objects.exists()


@pytest.mark.parametrize("number", VECTORS)
def test_a_vector_in_a_column_the_import_ignores_is_refused(world: World, number: str) -> None:
    typed = int(number) if not number.startswith("0") else number  # typed as a number where Excel would keep it
    plan = people_import_plan(municipality=world.a, files=[("職員.xlsx", _workbook({("一覧", "K2"): typed}))])
    text = "\n".join(str(i) for i in plan.issues)
    assert "個人番号と思われる" in text and not_echoed(text)
