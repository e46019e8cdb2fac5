from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from piaops.assurance import demo
from piaops.assurance.models import CloudService
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import User
from tests.conftest import World


@pytest.fixture
def superuser_client(world: World) -> Client:
    demo.build(municipality=world.a, people=5, today=__import__("datetime").date(2026, 11, 25))
    client = Client()
    client.force_login(User.objects.create_superuser("asp-operator", password="operator-password-1"))
    return client


@pytest.mark.parametrize(
    "model",
    [
        "contract",
        "subcontract",
        "obligation",
        "evidence",
        "cloudservice",
        "ismapsnapshot",
        "ismapalert",
        "responsibility",
        "ismapsettings",
    ],
)
def test_every_assurance_model_has_a_working_admin_list(superuser_client: Client, model: str) -> None:
    assert superuser_client.get(reverse(f"admin:assurance_{model}_changelist")).status_code == 200


def test_saving_in_the_admin_recomputes_the_expiry_and_is_audited(superuser_client: Client, world: World) -> None:
    service = CloudService.objects.for_municipality(world.a).get(registration_number="C21-0001-1")
    url = reverse("admin:assurance_cloudservice_change", args=[service.pk])
    form = {
        "municipality": world.a.pk,
        "provider": service.provider,
        "service_name": service.service_name,
        "program": "ismap",
        "registration_number": service.registration_number,
        "audit_period_end": "2026-03-31",
        "used_by": "",
        "auditor": "",
        "note": "",
    }
    assert superuser_client.post(url, form).status_code == 302
    service.refresh_from_db()
    assert service.expires_on is not None and service.expires_on.isoformat() == "2027-08-01"
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="assurance.CloudService", object_id=str(service.pk)
    ).exists()
