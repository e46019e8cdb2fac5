"""``related_list``: a list page's related rows (a person's assignments, a contract's works, a work's units, an
audit's works and auditors) read with one ``values()`` query per list and page, answering exactly as the same rows
read as model instances, within the same tenant and visibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import connection, models
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from ninja import Schema

from piaops.api.framework import CursorPagination, cursor_page, prefetch, value_plan
from piaops.assurance.api import ContractOut
from piaops.assurance.models import Contract
from piaops.audits.models import Audit, AuditAuditor, AuditWork
from piaops.tenancy.api import PersonOut, WorkOut
from piaops.tenancy.models import Assignment, Person, Work, WorkUnit
from tests import factories as f
from tests.api.conftest import TokenFor
from tests.audits import helpers as audit_helpers
from tests.conftest import World

START = dt.date(2025, 4, 1)


@pytest.fixture
def rows(world: World) -> dict[str, Any]:
    """People with none, one and three assignments (made out of start-date order), works with two units, contracts
    with works linked out of primary-key order; and the same kinds of rows in municipality B."""
    a = world.a
    lone = f.person(a, name="配属 なし")
    one = f.person(a, name="配属 一つ")
    f.assignment(one, world.tax_a)
    many = f.person(a, name="配属 三つ")
    for start in (dt.date(2025, 4, 1), dt.date(2023, 4, 1), dt.date(2024, 4, 1)):
        f.assignment(many, world.tax_section_a if start.year == 2024 else world.other_a, start=start, end=None)
    works = [f.work(a, f"事務{i}", units=(world.other_a, world.tax_a)) for i in range(3)]
    party = f.party(a, "委託先")
    contracts = []
    for i, linked in enumerate(([], [works[2], works[0]], [works[1]])):
        contract = Contract.objects.create(
            municipality=a, party=party, title=f"委託{i}", start_date=dt.date(2025, 4, 1)
        )
        for work in linked:
            contract.works.add(work)
        contracts.append(contract)
    person_b = f.person(world.b, name="他団体 職員")
    f.assignment(person_b, world.root_b)
    work_b = f.work(world.b, "他団体の事務", units=(world.root_b,))
    contract_b = Contract.objects.create(
        municipality=world.b,
        party=f.party(world.b, "他団体の委託先"),
        title="他団体の委託",
        start_date=dt.date(2025, 4, 1),
    )
    contract_b.works.add(work_b)
    return {"people": [lone, one, many], "works": works, "contracts": contracts, "b": (person_b, work_b, contract_b)}


@contextmanager
def no_instances(*models_: type[models.Model]) -> Iterator[None]:
    """Fails when a row of one of ``models_`` is built as a model instance inside."""
    with ExitStack() as stack:
        for model in models_:
            stack.enter_context(mock.patch.object(model, "from_db", side_effect=AssertionError(f"{model.__name__}")))
        yield


LISTS = [
    ("/tenancy/people", (Person, Assignment)),
    ("/tenancy/works", (Work, WorkUnit)),
    ("/assurance/contracts", (Contract, Work)),
]


def test_each_list_item_is_the_detail_answer_read_without_a_model_instance(
    world: World, rows: dict[str, Any], token_for: TokenFor
) -> None:
    api = token_for(world.admin_a)
    for path, read in LISTS:
        with no_instances(*read):
            items = api.get(path, limit=200).json()["items"]
        for item in items:  # the detail operation reads the model instance (a contract's adds its subcontracts)
            detail = api.get(f"{path}/{item['id']}").json()
            assert item == {key: detail[key] for key in item}, path
    people = {p["id"]: p for p in api.get("/tenancy/people").json()["items"]}
    lone, one, many = rows["people"]
    assert people[lone.pk]["assignments"] == []
    assert [a["start_date"] for a in people[many.pk]["assignments"]] == ["2025-04-01", "2023-04-01", "2024-04-01"]
    contracts = {c["id"]: c for c in api.get("/assurance/contracts").json()["items"]}
    works = rows["works"]
    assert [contracts[c.pk]["work_ids"] for c in rows["contracts"]] == [
        [],
        sorted([works[2].pk, works[0].pk]),
        [works[1].pk],
    ]
    units = [w["unit_ids"] for w in api.get("/tenancy/works").json()["items"]]
    assert units == [[world.other_a.pk, world.tax_a.pk]] * 3  # in the order the units were linked


def test_an_audit_list_reads_its_works_and_auditors_as_values(world: World, token_for: TokenFor) -> None:
    """Audits: the same mechanism for ids sorted by another column than the key, and for a list of items."""
    tax, pension = audit_helpers.works(world)
    made = audit_helpers.audit(audit_helpers.programme(world), world.tax_a, [pension, tax], auditors=[world.auditor_a])
    assert list(made.audit_works.order_by("pk").values_list("work_id", flat=True)) == [pension.pk, tax.pk]
    api = token_for(world.admin_a)
    with no_instances(Audit, AuditWork, AuditAuditor):
        [item] = api.get("/audits/audits").json()["items"]
    assert item["work_ids"] == [tax.pk, pension.pk]
    assert item["auditors"] == [{"user_id": world.auditor_a.pk, "exception_reason": ""}]
    detail = api.get(f"/audits/audits/{made.pk}").json()
    assert {k: detail[k] for k in item} == item


def _both_ways(schema: type[Schema], queryset: QuerySet[Any]) -> tuple[list[Any], list[Any]]:
    """``queryset``'s first page for ``schema`` as the paginator reads it and as read from model instances."""
    pager = CursorPagination()
    pager.item_schema = schema
    page = pager.paginate_queryset(queryset, CursorPagination.Input(limit=200))
    values = [schema.model_validate(item).model_dump(mode="json") for item in page["items"]]
    instances, _next = cursor_page(queryset, cursor=None, limit=200)
    return values, [schema.model_validate(row).model_dump(mode="json") for row in instances]


def test_values_and_instances_answer_alike_and_a_prefetch_keeps_its_filter(world: World, rows: dict[str, Any]) -> None:
    handled = Assignment.objects.filter(handles_specific_personal_info=True)
    for row in rows["people"][2].assignments.all()[:1]:
        Assignment.objects.filter(pk=row.pk).update(handles_specific_personal_info=False)
    cases: list[tuple[type[Schema], QuerySet[Any]]] = [
        (PersonOut, Person.objects.prefetch_related(prefetch("assignments", handled))),
        (PersonOut, Person.objects.all()),  # no prefetch: the list is still read once per page
        (WorkOut, Work.objects.prefetch_related(prefetch("work_units"))),
        (ContractOut, Contract.objects.prefetch_related(prefetch("works"))),
    ]
    for schema, queryset in cases:
        assert value_plan(schema, queryset.model) is not None
        values, instances = _both_ways(schema, queryset)
        assert values == instances and values, schema
    filtered, _ = _both_ways(PersonOut, cases[0][1])
    shown = {a["id"] for p in filtered for a in p["assignments"]}
    assert shown == set(handled.values_list("pk", flat=True))  # the prefetch's own filter holds


def test_a_prefetch_the_schema_does_not_declare_reads_model_instances(world: World, rows: dict[str, Any]) -> None:
    """Anything else prefetched (a plain lookup, another relation) keeps the page on model instances: same answer."""
    for queryset in (
        Person.objects.prefetch_related("assignments"),
        Person.objects.prefetch_related("training_records"),
    ):
        pager = CursorPagination()
        pager.item_schema = PersonOut
        items = pager.paginate_queryset(queryset, CursorPagination.Input(limit=200))["items"]
        assert all(isinstance(item, Person) for item in items)
        values, _ = _both_ways(PersonOut, Person.objects.all())
        assert [PersonOut.model_validate(i).model_dump(mode="json") for i in items] == values


def test_one_query_per_related_list_and_page(world: World, rows: dict[str, Any], token_for: TokenFor) -> None:
    api = token_for(world.admin_a)
    api.get("/tenancy/units")  # opens the token's rate window for this minute
    with CaptureQueriesContext(connection) as plain:
        api.get("/tenancy/parties", limit=200)  # a list without related lists
    for path, _models in LISTS:
        with CaptureQueriesContext(connection) as queries:
            api.get(path, limit=200)
        assert len(queries) == len(plain) + 1, path


def test_the_related_lists_stay_within_the_tenant_and_the_visible_rows(
    world: World, rows: dict[str, Any], token_for: TokenFor
) -> None:
    person_b, work_b, contract_b = rows["b"]
    outsider = token_for(world.user_b)
    people = outsider.get("/tenancy/people", limit=200).json()["items"]
    assert [p["id"] for p in people] == [person_b.pk]
    assert [a["unit_id"] for a in people[0]["assignments"]] == [world.root_b.pk]
    assert [w["unit_ids"] for w in outsider.get("/tenancy/works").json()["items"]] == [[world.root_b.pk]]
    assert [c["work_ids"] for c in outsider.get("/assurance/contracts").json()["items"]] == [[work_b.pk]]
    for path, row in (("/tenancy/people", rows["people"][2]), ("/assurance/contracts", rows["contracts"][1])):
        assert outsider.get(f"{path}/{row.pk}").status_code == 404
    # A unit head sees the people of their subtree only, with all of their assignments.
    head = token_for(world.head_a)
    seen = {p["id"]: p for p in head.get("/tenancy/people", limit=200).json()["items"]}
    lone, one, many = rows["people"]
    assert set(seen) == set(Person.objects.visible_to(world.head_a).values_list("pk", flat=True))
    if many.pk in seen:
        assert len(seen[many.pk]["assignments"]) == 3
