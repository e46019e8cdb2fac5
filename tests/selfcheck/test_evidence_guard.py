"""Self-inspection evidence: every readable format is scanned for a 個人番号 before anything is stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from piaops.audittrail.models import AuditEntry
from piaops.lib.filescan import IMAGE_NOTE
from piaops.selfcheck.evidence import evidence_add
from piaops.selfcheck.models import Answer, Checklist, Evidence
from tests.conftest import World
from tests.samples import VECTORS, docx, not_echoed, pdf, png, xlsx
from tests.selfcheck.helpers import make_campaign


def _answer(world: World) -> Answer:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    checklist = Checklist.objects.get(campaign=campaign, unit=world.tax_a)
    answer = checklist.answers.order_by("item__order").first()
    assert answer is not None
    return answer


def _post(client: Client, answer: Answer, name: str, data: bytes) -> str:
    response = client.post(
        f"/selfcheck/checklists/{answer.checklist_id}/evidence/",
        {"answer": answer.pk, "file": SimpleUploadedFile(name, data)},
        follow=True,
    )
    return response.content.decode()


@pytest.mark.parametrize("number", VECTORS)
def test_a_pdf_with_a_my_number_on_its_second_page_is_refused_by_the_page(
    world: World, as_head: Client, number: str
) -> None:
    answer = _answer(world)
    body = _post(as_head, answer, "点検記録.pdf", pdf(["一枚目", f"二枚目 {number}"]))
    assert "ファイル「点検記録.pdf」の2ページ目に個人番号と思われる" in body
    assert not_echoed(body) and not answer.evidence.exists()


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("台帳.xlsx", xlsx({("別表", "C7"): VECTORS[1]}), "シート「別表」のセル C7"),
        ("報告.docx", docx([["前文"], ["番号", VECTORS[2]]]), "本文の2段落目"),
    ],
)
def test_office_files_are_read_cell_by_cell_and_paragraph_by_paragraph(
    world: World, name: str, data: bytes, where: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        evidence_add(answer=_answer(world), upload=SimpleUploadedFile(name, data), by=world.head_a)
    assert where in refused.value.messages[0] and not_echoed(str(refused.value))
    assert not Evidence.objects.exists()


def test_a_photo_is_stored_and_the_audit_trail_says_it_was_not_read(world: World, as_head: Client) -> None:
    answer = _answer(world)
    _post(as_head, answer, "施錠.png", png())
    evidence = answer.evidence.get()
    entry = AuditEntry.objects.get(object_type="selfcheck.Evidence", object_id=str(evidence.pk))
    assert entry.after["scan_note"] == IMAGE_NOTE
    assert entry.after["sha256"] == evidence.sha256 and entry.after["size"] == evidence.size


def test_an_old_excel_file_is_refused_as_unreadable(world: World, as_head: Client) -> None:
    answer = _answer(world)
    body = _post(as_head, answer, "古い.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert "確認できません" in body and not answer.evidence.exists()


def test_the_outsider_gets_404_and_a_read_only_role_403(world: World, as_outsider: Client, as_viewer: Client) -> None:
    answer = _answer(world)
    url = f"/selfcheck/checklists/{answer.checklist_id}/evidence/"
    for client, status in ((as_outsider, 404), (as_viewer, 403)):
        response = client.post(url, {"answer": answer.pk, "file": SimpleUploadedFile("a.txt", b"ok")})
        assert response.status_code == status
    assert not answer.evidence.exists()
