"""``/api/v1/docs``: the API reference as a page of the app, built from the OpenAPI document, nothing from outside."""

from __future__ import annotations

import re

from django.test import Client

from piaops.api.docs import TypeRef, types_of
from tests.conftest import World


def test_the_reference_lists_every_operation_and_schema_of_the_openapi_document(world: World, as_head: Client) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    response = as_head.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    operations = [(m.upper(), p) for p, ops in document["paths"].items() for m in ops]
    assert len(operations) > 50
    for method, path in operations:
        assert f'<span class="badge">{method}</span> <code>{path}</code>' in body, (method, path)
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in body, name
    # Every link to a schema lands on a heading of this page.
    targets = set(re.findall(r'href="#(schema-[^"]+)"', body))
    assert targets and all(f'id="{t}"' in body for t in targets)


def test_the_reference_is_a_page_of_the_app_without_script_or_cdn(world: World, as_viewer: Client) -> None:
    body = as_viewer.get("/api/v1/docs").content.decode()
    assert "<h1>API リファレンス（piaops API 版 1）</h1>" in body
    assert 'href="/static/piaops/app.css"' in body
    assert "swagger" not in body.lower() and "cdn" not in body.lower()
    assert "<script>" not in body and "<script " not in body.replace('<script src="/static/', "")


def test_the_reference_shows_parameters_with_their_limits(world: World, as_viewer: Client) -> None:
    body = as_viewer.get("/api/v1/docs").content.decode()
    assert "<td><code>limit</code></td><td>query</td><td>integer</td><td>任意</td>" in body
    assert "1ページの件数（最大 200）（最小 1、最大 200、既定値 50）" in body


def test_the_reference_needs_a_log_in(db: None) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_types_are_read_from_json_schema() -> None:
    assert types_of({"$ref": "#/components/schemas/UnitOut"}) == [TypeRef("UnitOut", "UnitOut")]
    assert types_of({"type": "array", "items": {"$ref": "#/components/schemas/X"}}) == [TypeRef("array of X", "X")]
    assert types_of({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}) == [
        TypeRef("string (date)"),
        TypeRef("null"),
    ]
    assert types_of({"type": "string", "enum": ["read", "read-write"]}) == [TypeRef("string: read / read-write")]
