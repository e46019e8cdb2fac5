"""More answers in the one error format: 409 for a stale version (with both versions), a JSON 404 for any URL under
/api/v1/ that no operation answers, and a JSON 405 for a method a path does not declare."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from piaops.api.models import Scope
from piaops.incidents import services as incident_services
from piaops.incidents.models import Incident
from tests.api.conftest import ApiClient, TokenFor
from tests.conftest import World

MY_NUMBER = "123456789018"  # published test vector (valid check digit)


@pytest.fixture
def incident(world: World) -> Incident:
    return incident_services.incident_record(
        municipality=world.a,
        user=world.admin_a,
        title="誤送付",
        description="通知書の誤送付",
        detected_at=timezone.now(),
    )


def test_a_change_on_the_current_version_is_saved(world: World, incident: Incident, token_for: TokenFor) -> None:
    admin = token_for(world.admin_a)
    response = admin.patch(f"/incidents/incidents/{incident.pk}", {"version": 1, "title": "通知書の誤送付（2件）"})
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["version"]) == ("通知書の誤送付（2件）", 2)
    assert response.json()["description"] == "通知書の誤送付"  # fields left out stay


def test_a_stale_version_answers_409_with_both_versions_and_changes_nothing(
    world: World, incident: Incident, token_for: TokenFor
) -> None:
    first, second = token_for(world.admin_a), token_for(world.admin_a)
    assert first.patch(f"/incidents/incidents/{incident.pk}", {"version": 1, "title": "先の変更"}).status_code == 200
    late = second.patch(f"/incidents/incidents/{incident.pk}", {"version": 1, "title": "後の変更"})
    assert late.status_code == 409
    error = late.json()["error"]
    assert error["code"] == "conflict" and "他の利用者によって" in error["message"]
    (detail,) = error["details"]
    assert (detail["your_version"], detail["current_version"]) == (1, 2)
    assert (detail["current"]["title"], detail["current"]["version"]) == ("先の変更", 2)
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.title, stored.version) == ("先の変更", 2)


def test_changing_an_incident_refuses_others_read_only_and_my_numbers(
    world: World, incident: Incident, token_for: TokenFor
) -> None:
    path = f"/incidents/incidents/{incident.pk}"
    assert token_for(world.user_b).patch(path, {"version": 1, "title": "覗き見"}).status_code == 404
    for api in (token_for(world.viewer_a), token_for(world.admin_a, Scope.READ), token_for(world.auditor_a)):
        assert api.patch(path, {"version": 1, "title": "変更"}).status_code == 403
    numbered = token_for(world.admin_a).patch(path, {"version": 1, "systems": f"端末 {MY_NUMBER}"})
    assert numbered.status_code == 400 and MY_NUMBER not in numbered.content.decode()
    assert Incident.objects.get(pk=incident.pk).version == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_url_under_the_api_answers_a_json_404(world: World, token_for: TokenFor, method: str) -> None:
    api = token_for(world.admin_a)
    for path in ("/nothing-here", "/tenancy/units/1/no-such-thing", "/training/"):
        response = getattr(api.client, method)(f"/api/v1{path}", headers={"Authorization": f"Bearer {api.raw}"})
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        error = response.json()["error"]
        assert error["code"] == "not_found" and "openapi.json" in error["message"]
    for path in ("/api/v1/nothing-here", "/api/v1/", "/api/", "/api/v2/units"):  # the API's root, and beside it
        anonymous = getattr(Client(), method)(path)
        assert anonymous.status_code == 404, path
        assert anonymous.json()["error"]["code"] == "not_found", path
    assert Client().get("/api/tokens/").status_code == 302  # the token page stays a page (log-in first)
    assert ApiClient("nope").get("/tenancy/units").status_code == 401  # real operations still ask for a token


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def test_the_openapi_document_declares_the_error_responses_in_the_error_format(
    world: World, token_for: TokenFor
) -> None:
    """Every operation declares what it may answer besides success (400, 401, 403, 404, 429; writes 409; imports 413
    and 422), each with the one error format; schemathesis checks the real answers against it
    (``tests/api/test_schemathesis.py``)."""
    document = token_for(world.admin_a).get("/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    imports = 0
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = {s for s in operation["responses"] if s.startswith("4")}
            expected = {"400", "401", "403", "404", "429"} | ({"409"} if method != "get" else set())
            if template.endswith("/import") or (template.endswith("/door-logs") and method == "post"):
                expected |= {"413", "422"}
                imports += 1
            assert expected <= declared, f"{method} {template}"
            for status in declared:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {template} {status}"
    assert imports >= 3


def test_every_path_answers_a_method_it_does_not_declare_with_a_json_405_and_allow(
    world: World, token_for: TokenFor
) -> None:
    """Every path of the OpenAPI document (a new operation is covered without touching this test), with every
    method it does not declare: the error format with a Japanese message, and ``Allow`` listing the declared ones."""
    api = token_for(world.admin_a)
    document = api.get("/openapi.json").json()
    assert len(document["paths"]) > 20  # the whole API, not an empty document
    checked = 0
    for template, operations in document["paths"].items():
        declared = sorted(m.upper() for m in operations if m.upper() in METHODS)
        url = re.sub(r"\{[^}]+\}", "1", template)  # every path parameter (int or str) accepts "1"
        for method in (m for m in METHODS if m not in declared):
            response = api.client.generic(method, url, headers={"Authorization": f"Bearer {api.raw}"})
            where = f"{method} {template}"
            assert response.status_code == 405, where
            assert response["Content-Type"].startswith("application/json"), where
            error = response.json()["error"]
            assert error["code"] == "method_not_allowed" and "使えるメソッド" in error["message"], where
            assert sorted(m.strip() for m in response["Allow"].split(",")) == declared, where
            checked += 1
    assert checked > 50


def test_a_wrong_method_changes_nothing_and_still_answers_without_a_token(
    world: World, incident: Incident, token_for: TokenFor
) -> None:
    api = token_for(world.admin_a)
    path = f"/api/v1/incidents/incidents/{incident.pk}"
    deleted = api.client.delete(path, headers={"Authorization": f"Bearer {api.raw}"})
    assert deleted.status_code == 405 and Incident.objects.filter(pk=incident.pk).exists()
    anonymous = Client().put(path, "{}", content_type="application/json")
    assert anonymous.status_code == 405 and anonymous.json()["error"]["code"] == "method_not_allowed"


def test_an_id_beyond_64_bits_is_the_clients_error_not_a_500(world: World, token_for: TokenFor) -> None:
    body = {"title": "件名", "description": "内容", "detected_at": "2026-04-01T09:00:00+09:00", "work_ids": [2**80]}
    response = token_for(world.admin_a).post("/incidents/incidents", body)
    assert response.status_code in {400, 404}  # SQLite cannot bind the number (400); PostgreSQL finds no work (404)
    assert set(response.json()) == {"error"}
    assert not Incident.objects.exists()


def test_a_nul_character_in_api_text_is_the_clients_error_and_nothing_is_written(
    world: World, incident: Incident, token_for: TokenFor
) -> None:
    """PostgreSQL cannot store NUL; the guard refuses it with a Japanese message before it reaches the database."""
    path = f"/incidents/incidents/{incident.pk}"
    response = token_for(world.admin_a).patch(path, {"version": 1, "title": "誤\x00送付"})
    assert response.status_code == 400, response.content
    assert "NUL" in response.json()["error"]["message"] or "NUL" in str(response.json()["error"]["details"])
    assert Incident.objects.get(pk=incident.pk).title == "誤送付"
