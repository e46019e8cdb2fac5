"""Third-party evidence and the ISMAP list: the file scan of lib.filescan, with the published vectors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from piaops.assurance.ismap_list import IsmapListError, parse_list
from piaops.assurance.models import Evidence
from piaops.tenancy.models import Party
from tests import factories as f
from tests.assurance.helpers import obligation
from tests.assurance.test_obligations import _submit as submit
from tests.conftest import World
from tests.samples import VECTORS, docx, not_echoed, xlsx

D = dt.date


def _submit(world: World, name: str, data: bytes) -> Evidence:
    jlis = Party.objects.filter(municipality=world.a, name="J-LIS").first() or f.party(
        world.a, "J-LIS", Party.Kind.INTERMEDIATE_SERVER
    )
    return submit(obligation(world.a, jlis, due=D(2026, 6, 30)), content=data, name=name)


@pytest.mark.parametrize("number", VECTORS)
def test_evidence_in_xlsx_or_docx_holding_a_vector_is_refused(world: World, number: str) -> None:
    for name, data, where in (
        ("報告.xlsx", xlsx({("一覧", "A1"): "結果", ("点検", "D9"): f"番号{number}"}), "シート「点検」のセル D9"),
        ("報告.docx", docx([["結果"], [number[:6], number[6:]]]), "本文の2段落目"),
    ):
        with pytest.raises(ValidationError) as refused:
            _submit(world, name, data)
        assert where in str(refused.value) and not_echoed(str(refused.value))
    assert not Evidence.objects.exists()


def test_stored_evidence_keeps_the_shared_fields(world: World) -> None:
    evidence = _submit(world, "報告.docx", docx([["問題なし"]]))
    assert evidence.file_name == "報告.docx" and evidence.size > 0 and len(evidence.sha256) == 64


@pytest.mark.parametrize("number", VECTORS)
def test_an_ismap_list_with_a_vector_above_its_header_is_refused(number: str) -> None:
    data = (f"作成者メモ,{number}\n登録番号,サービス名称,クラウドサービス事業者名\nC21-0001-1,クラウドA,A社\n").encode(
        "cp932"
    )
    with pytest.raises(IsmapListError) as refused:
        parse_list(data, filename="ismap.csv")
    assert "ファイル「ismap.csv」の1行目" in " ".join(refused.value.errors)
    assert not_echoed(" ".join(refused.value.errors))
