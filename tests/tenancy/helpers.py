"""Assertions shared by the tenancy page tests."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.test import Client

from piaops.audittrail.models import AuditEntry


def entries_for(obj: models.Model) -> list[AuditEntry]:
    """The audit entries about ``obj``, oldest first."""
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).order_by("municipality", "seq")
    )


def last_entry(obj: models.Model) -> AuditEntry:
    found = entries_for(obj)
    assert found, f"no audit entry for {obj._meta.label} {obj.pk}"
    return found[-1]


def body(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()
