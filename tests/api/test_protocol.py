"""Cursor pagination, the one error format, the rate limit and the 個人番号 guard."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pydantic import BaseModel

from piaops.api.framework import OutSchema
from piaops.assurance.models import Contract
from piaops.incidents.models import Incident
from piaops.tenancy.models import Assignment, EmploymentType, Person, Work
from tests import factories as f
from tests.api.conftest import ApiClient, TokenFor
from tests.conftest import World
from tests.training import makers as training_makers

MY_NUMBER = "123456789018"  # published test vector (valid check digit)


def _error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["details"], list)
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture
def many_people(world: World) -> list[int]:
    people = Person.objects.bulk_create(
        Person(municipality=world.a, staff_number=f"P{i:04d}", name=f"職員{i}", employment_type=EmploymentType.REGULAR)
        for i in range(25)
    )
    Assignment.objects.bulk_create(
        Assignment(municipality=world.a, person=p, unit=world.tax_a, start_date=dt.date(2024, 4, 1)) for p in people
    )
    return sorted(p.pk for p in people)


def _walk(api: ApiClient, path: str, limit: int) -> tuple[list[int], int]:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = api.get(path, **params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def test_pages_cover_every_row_once_in_a_stable_order(
    world: World, many_people: list[int], token_for: TokenFor
) -> None:
    api = token_for(world.admin_a)
    seen, pages = _walk(api, "/tenancy/people", limit=7)
    assert seen == many_people
    assert pages == 4
    # A row added while paging lands after the cursor, never shifting what was already read.
    first = api.get("/tenancy/people", limit=7).json()
    Person.objects.create(
        municipality=world.a, staff_number="Z9999", name="新人", employment_type=EmploymentType.REGULAR
    )
    second = api.get("/tenancy/people", limit=7, cursor=first["next_cursor"]).json()
    assert [p["id"] for p in second["items"]] == many_people[7:14]


def test_queries_per_page_do_not_grow_with_the_page_size(
    world: World, many_people: list[int], token_for: TokenFor
) -> None:
    api = token_for(world.admin_a)
    api.get("/tenancy/units")  # opens the token's rate window for this minute (a once-a-minute insert)
    counts = []
    for limit in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get("/tenancy/people", limit=limit).json()["items"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_related_rows_of_a_list_are_read_once_per_page_not_once_per_row(world: World, token_for: TokenFor) -> None:
    """Each item's related ids come from the page's one prefetch: reading them per row (a prefetch that missed
    its ``related()``) would add a query per item."""
    course = training_makers.course(world.a)
    for i in range(3):
        f.work(world.a, f"事務{i}", units=(world.tax_a, world.other_a))
        contract = Contract.objects.create(
            municipality=world.a, party=f.party(world.a, f"事業者{i}"), title=f"委託{i}", start_date=dt.date(2025, 4, 1)
        )
        contract.works.set(Work.objects.filter(municipality=world.a))
        training_makers.requirement(world.a, course, name=f"要件{i}")
    api = token_for(world.admin_a)
    api.get("/tenancy/units")  # opens the token's rate window for this minute
    for path, related in (
        ("/tenancy/works", "unit_ids"),
        ("/assurance/contracts", "work_ids"),
        ("/training/requirements", "course_ids"),
    ):
        counts = []
        for limit in (1, 3):
            with CaptureQueriesContext(connection) as queries:
                items = api.get(path, limit=limit).json()["items"]
            assert len(items) == limit and all(item[related] for item in items), path
            counts.append(len(queries))
        assert counts[0] == counts[1], path


def _schemas(annotation: Any, seen: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _schemas(field.annotation, seen)
    for arg in typing.get_args(annotation):
        _schemas(arg, seen)


def test_every_response_schema_derives_from_out_schema() -> None:
    """A response schema derived from ninja's ``Schema`` alone would answer the same, but read each field of each
    row through ninja's Python getter: every schema an operation answers with, nested ones included, is an
    ``OutSchema`` (ninja's container of the response aside)."""
    from piaops.api.site import api

    seen: set[type[BaseModel]] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for container in operation.response_models.values():
                    if isinstance(container, type) and issubclass(container, BaseModel):
                        _schemas(container.model_fields["response"].annotation, seen)
    names = {f"{schema.__module__}.{schema.__qualname__}": schema for schema in seen}
    assert "piaops.tenancy.api.AssignmentOut" in names  # nested in PersonOut
    assert sorted(name for name, schema in names.items() if not issubclass(schema, OutSchema)) == []


def test_the_limit_is_capped_and_a_bad_cursor_is_refused(world: World, token_for: TokenFor) -> None:
    api = token_for(world.admin_a)
    too_big = api.get("/tenancy/units", limit=201)
    assert too_big.status_code == 400
    assert _error(too_big)["code"] == "invalid_request"
    bad = api.get("/tenancy/units", cursor="not-a-cursor")
    assert bad.status_code == 400
    assert _error(bad)["code"] == "invalid_cursor"


def test_every_error_kind_has_the_same_shape(world: World, token_for: TokenFor) -> None:
    api = token_for(world.admin_a)
    assert _error(ApiClient("nope").get("/tenancy/units"))["code"] == "unauthenticated"
    assert _error(token_for(world.viewer_a).post("/incidents/incidents", {}))["code"] in {
        "forbidden",
        "invalid_request",
    }
    missing = api.get("/tenancy/units/999999")
    assert missing.status_code == 404 and _error(missing)["message"] == "見つかりません。"
    invalid = api.post("/incidents/incidents", {"title": "", "detected_at": "yesterday"})
    assert invalid.status_code == 400
    locs = {tuple(d["loc"][-1:]) for d in _error(invalid)["details"]}  # type: ignore[index, union-attr]
    assert ("description",) in locs and ("detected_at",) in locs
    wrong_type = api.get("/tenancy/units/abc")
    assert wrong_type.status_code == 400 and _error(wrong_type)["code"] == "invalid_request"


def test_an_unexpected_failure_is_a_500_in_the_error_format_without_internals(
    world: World, token_for: TokenFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from piaops.tenancy import api as tenancy_api

    def broken(user: object) -> None:
        raise RuntimeError("secret internal detail /srv/piaops")

    monkeypatch.setattr(tenancy_api.access, "municipality_of", broken)
    response = token_for(world.admin_a).get("/tenancy/municipality")
    assert response.status_code == 500
    assert _error(response)["code"] == "server_error"
    assert "secret" not in response.content.decode()


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(
    world: World, token_for: TokenFor, settings: object
) -> None:
    settings.PIAOPS_API_RATE_LIMIT_PER_MINUTE = 3  # type: ignore[attr-defined]
    api = token_for(world.admin_a)
    other = token_for(world.admin_a)
    start = timezone.now().replace(second=10, microsecond=0)
    with time_machine.travel(start, tick=False):
        assert [api.get("/tenancy/municipality").status_code for _ in range(3)] == [200, 200, 200]
        refused = api.get("/tenancy/municipality")
        assert refused.status_code == 429
        assert _error(refused)["code"] == "rate_limited"
        assert refused["Retry-After"] == "50"
        assert other.get("/tenancy/municipality").status_code == 200  # per token
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        assert api.get("/tenancy/municipality").status_code == 200


def test_a_my_number_is_refused_with_400_naming_the_field_not_the_number(world: World, token_for: TokenFor) -> None:
    api = token_for(world.admin_a)
    response = api.post(
        "/incidents/incidents",
        {
            "title": "誤送付",
            "description": f"対象者の番号 {MY_NUMBER} を含む",
            "detected_at": "2026-04-01T09:00:00+09:00",
        },
    )
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid"
    assert "「内容」" in str(error["message"]) and "個人番号" in str(error["message"])
    assert MY_NUMBER not in response.content.decode()
    assert not Incident.objects.exists()
    incident = api.post(
        "/incidents/incidents", {"title": "誤送付", "description": "内容", "detected_at": "2026-04-01T09:00:00+09:00"}
    ).json()
    note = api.post(f"/incidents/incidents/{incident['id']}/timeline", {"text": f"番号{MY_NUMBER}に連絡"})
    assert note.status_code == 400
    assert MY_NUMBER not in note.content.decode()


def test_every_api_schema_has_its_own_name_in_the_openapi_document() -> None:
    """django-ninja names OpenAPI components by class name: two apps' ``CompleteIn`` made one operation document the
    other's body, so clients (and schemathesis) sent the wrong fields."""
    import inspect
    from importlib import import_module

    from ninja import Schema

    from piaops.api.site import ROUTERS

    owners: dict[str, list[str]] = {}
    for _prefix, module_name in ROUTERS:
        for name, obj in inspect.getmembers(import_module(module_name), inspect.isclass):
            if issubclass(obj, Schema) and obj.__module__ == module_name:
                owners.setdefault(name, []).append(module_name)
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}
