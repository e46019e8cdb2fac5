from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from piaops.api import services
from piaops.api.models import Scope
from piaops.tenancy.models import User
from tests.conftest import World


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>`` on every request."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path: str, data: Any) -> Any:
        return self.client.post(f"/api/v1{path}", data, content_type="application/json", headers=self._headers())

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", data, content_type="application/json", headers=self._headers())


TokenFor = Callable[..., ApiClient]


@pytest.fixture
def token_for(world: World) -> TokenFor:
    def make(user: User, scope: str = Scope.READ_WRITE, **kwargs: Any) -> ApiClient:
        _token, raw = services.token_create(user=user, name="連携", scope=scope, **kwargs)
        return ApiClient(raw)

    return make
