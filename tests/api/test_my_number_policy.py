"""``PIAOPS_MYNUMBER_POLICY``: refused by default; under ``mask`` typed text is stored masked, files still refused."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from piaops.incidents.models import Incident
from piaops.lib.mynumber import MASK
from tests.api.conftest import TokenFor
from tests.conftest import World
from tests.samples import VECTORS, not_echoed
from tests.selfcheck.test_evidence_guard import _answer


def _incident(api: Any, number: str) -> Any:
    return api.post(
        "/incidents/incidents",
        {"title": "誤送付", "description": f"対象者 {number}", "detected_at": "2026-04-01T09:00:00+09:00"},
    )


def test_by_default_the_api_refuses_and_names_the_field(world: World, token_for: TokenFor) -> None:
    response = _incident(token_for(world.admin_a), VECTORS[3])
    assert response.status_code == 400 and "「内容」" in response.json()["error"]["message"]
    assert not_echoed(response.content.decode()) and not Incident.objects.exists()


def test_under_mask_the_api_stores_the_text_masked(world: World, token_for: TokenFor, settings: Any) -> None:
    settings.PIAOPS_MYNUMBER_POLICY = "mask"
    response = _incident(token_for(world.admin_a), VECTORS[4])
    assert response.status_code == 201 and not_echoed(response.content.decode())
    assert Incident.objects.get().description == f"対象者 {MASK}"


def test_under_mask_an_evidence_file_is_still_refused(world: World, as_head: Client, settings: Any) -> None:
    settings.PIAOPS_MYNUMBER_POLICY = "mask"
    answer = _answer(world)
    response = as_head.post(
        f"/selfcheck/checklists/{answer.checklist_id}/evidence/",
        {"answer": answer.pk, "file": SimpleUploadedFile("名簿.csv", f"山田,{VECTORS[5]}\n".encode())},
        follow=True,
    )
    assert "個人番号と思われる" in response.content.decode() and not answer.evidence.exists()
