"""Audit working-paper evidence: the one file scan of lib.filescan, before anything is stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from piaops.audits import services
from piaops.audits.models import AuditEvidence, AuditItem
from tests.audits.helpers import approved_audit
from tests.conftest import World
from tests.samples import NOT_A_MY_NUMBER, VECTORS, docx, not_echoed, pdf, xlsx


def _item(world: World) -> AuditItem:
    audit = approved_audit(world)
    services.audit_start(audit=audit)
    item = audit.items.first()
    assert item is not None
    return item


# Every vector in every format, but only two in PDF: rendering a PDF is slow and the scan reads its text like the rest.
CASES = [(kind, n) for kind in ("docx", "xlsx", "csv") for n in VECTORS] + [("pdf", n) for n in VECTORS[:2]]


@pytest.mark.parametrize(("kind", "number"), CASES)
def test_every_readable_format_holding_a_published_vector_is_refused(world: World, kind: str, number: str) -> None:
    data = {
        "docx": lambda: docx([["調書"], ["番号", number]]),
        "xlsx": lambda: xlsx({("調書", "B2"): number}),
        "pdf": lambda: pdf([f"調書 {number}"]),
        "csv": lambda: f"項目,値\n番号,{number}\n".encode("cp932"),
    }[kind]()
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(item=_item(world), upload=SimpleUploadedFile(f"調書.{kind}", data))
    assert f"ファイル「調書.{kind}」" in str(refused.value) and not_echoed(str(refused.value))
    assert not AuditEvidence.objects.exists()


def test_the_same_formats_without_a_candidate_are_stored(world: World) -> None:
    item = _item(world)
    for name, data in (
        ("a.docx", docx([["注文番号", NOT_A_MY_NUMBER]])),
        ("b.xlsx", xlsx({("一覧", "A1"): NOT_A_MY_NUMBER})),
        ("c.pdf", pdf([f"注文番号 {NOT_A_MY_NUMBER}"])),
    ):
        stored = services.evidence_add(item=item, upload=SimpleUploadedFile(name, data))
        assert stored.size == len(data) and stored.file.read() == data
