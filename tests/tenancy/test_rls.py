"""Row-level security (issue 16 §5, README "セキュリティ"): under the application's scoping, PostgreSQL itself refuses
another municipality's rows to a connection set to one municipality.

The suite connects as a superuser, whom policies let through, so these tests switch to an ordinary role
(``tests.rlsprobe``). Every tenant-owned table with rows of B is checked in ``tests/trust/test_isolation.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from piaops.api.models import Scope
from piaops.api.services import token_create
from piaops.jobs.models import Job, JobStatus
from piaops.lib.bulkinsert import insert_columns, insert_rows
from piaops.tenancy.models import TenantOwned, WorkUnit
from piaops.tenancy.rls import (
    SETTING,
    apply_policies,
    current_municipality_id,
    set_municipality,
    tables_without_policy,
    tenant_context,
    tenant_tables,
)
from tests import factories as f
from tests.conftest import World, login
from tests.jobs.runner import run_jobs
from tests.rlsprobe import ordinary_role
from tests.selfcheck.helpers import make_campaign

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"),
]

TABLES = ("tenancy_orgunit", "tenancy_user", "tenancy_rolegrant")


def _count(table: str, where: str = "TRUE", params: list[Any] | None = None) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {where}", params or [])
        return int(cur.fetchone()[0])


@contextmanager
def recorded_settings() -> Iterator[list[str]]:
    """The values the connection's ``piaops.municipality`` is set to, in order, while inside: the value of each
    ``set_municipality``, and the value an API token's statement (``piaops.api.services.token_use``, which sets
    the token's municipality itself) leaves when it changed it."""
    values: list[str] = []

    def setting() -> str:
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting(%s, true)", [SETTING])
            return str(cur.fetchone()[0] or "")

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if "set_config" in sql and isinstance(params, list | tuple) and params and params[0] == SETTING:
            values.append(params[1])
        elif "set_config" in sql and isinstance(params, dict) and params.get("setting") == SETTING:
            before = setting()
            result = execute(sql, params, many, context)
            if (after := setting()) != before:
                values.append(after)
            return result
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield values


def test_every_tenant_owned_table_has_a_forced_policy() -> None:
    tables = tenant_tables()
    owned = {m._meta.db_table for m in apps.get_models() if issubclass(m, TenantOwned)}
    assert owned <= set(tables)
    assert {"tenancy_user", "audittrail_auditentry", "tenancy_municipality"} & set(tables) == {
        "tenancy_user",
        "audittrail_auditentry",
    }
    assert tables_without_policy(connection, tables) == []


def test_a_table_that_lost_its_policy_is_found_and_mended() -> None:
    # What the post-migrate hook does for a table added after the RLS migration.
    with connection.cursor() as cur:
        cur.execute("DROP POLICY piaops_tenant ON tenancy_orgunit")
        cur.execute("ALTER TABLE tenancy_rolegrant NO FORCE ROW LEVEL SECURITY")
    assert tables_without_policy(connection, tenant_tables()) == ["tenancy_orgunit", "tenancy_rolegrant"]
    assert apply_policies(connection, tenant_tables()) == ["tenancy_orgunit", "tenancy_rolegrant"]
    assert tables_without_policy(connection, tenant_tables()) == []


def test_raw_sql_set_to_a_sees_no_row_of_b(world: World) -> None:
    with ordinary_role():
        for table in TABLES:
            assert _count(table, "municipality_id = %s", [world.b.pk]) > 0  # system context: all rows
        with tenant_context(world.a.pk):
            for table in TABLES:
                assert _count(table, "municipality_id = %s", [world.b.pk]) == 0, table
                assert _count(table) == _count(table, "municipality_id = %s", [world.a.pk]) > 0, table
        with tenant_context(world.b.pk):
            assert _count("tenancy_orgunit", "municipality_id = %s", [world.a.pk]) == 0
            assert _count("tenancy_orgunit") == 1
        assert _count("tenancy_orgunit", "municipality_id = %s", [world.b.pk]) == 1  # setting restored


def test_writing_a_row_of_b_set_to_a_is_refused(world: World) -> None:
    with ordinary_role(), tenant_context(world.a.pk):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            f.unit(world.b, "他団体の課", code="B999")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(
                    "UPDATE tenancy_orgunit SET municipality_id = %s WHERE id = %s", [world.b.pk, world.tax_a.pk]
                )
        with connection.cursor() as cur:
            cur.execute("UPDATE tenancy_orgunit SET name = 'x' WHERE id = %s", [world.root_b.pk])
            assert cur.rowcount == 0
            cur.execute("DELETE FROM tenancy_rolegrant WHERE municipality_id = %s", [world.b.pk])
            assert cur.rowcount == 0
        f.unit(world.a, "自団体の課", code="A999")  # its own municipality's rows it writes


def test_a_page_request_is_set_to_the_users_municipality_and_reset_after(world: World) -> None:
    client = login(world.admin_a)
    with recorded_settings() as values:
        response = client.get("/")
    assert response.status_code == 200
    assert values == [str(world.a.pk), ""]
    assert current_municipality_id() is None
    with recorded_settings() as values:
        assert Client().get("/login/").status_code == 200
    assert values == ["", ""]  # before log-in: the system context


def test_a_page_request_under_an_ordinary_role_sees_its_own_rows(world: World) -> None:
    # The whole request path (session, audit trail, page queries) works when the policy applies.
    client = login(world.admin_a)
    with ordinary_role():
        response = client.get(f"/tenancy/units/{world.tax_a.pk}/")
        assert response.status_code == 200
        assert "税政課" in response.content.decode()
        assert client.get(f"/tenancy/units/{world.root_b.pk}/").status_code == 404


def test_an_api_request_is_set_to_the_tokens_municipality(world: World) -> None:
    _, raw = token_create(user=world.admin_a, name="rls", scope=Scope.READ)
    with recorded_settings() as values:
        response = Client().get("/api/v1/tenancy/units", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    # Set by the token's own statement (no reset before, no statement of its own), reset after the request.
    assert values == [str(world.a.pk), ""]
    assert current_municipality_id() is None
    with recorded_settings() as values:
        assert Client().get("/api/v1/tenancy/units", headers={"Authorization": "Bearer piaops_nope"}).status_code == 401
    assert values == [""]  # an unknown token: nothing set, the system context after


def test_a_command_for_one_municipality_runs_set_to_it(world: World) -> None:
    set_municipality(None)
    with recorded_settings() as values:
        call_command("training_status", municipality=world.a.code, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert values == [str(world.a.pk), ""]
    with pytest.raises(CommandError, match="999999 の団体が登録されていません"):
        call_command("training_status", municipality="999999")  # an unknown code: the command's own error
    assert current_municipality_id() is None


def test_bulk_imports_work_under_the_policy_and_cannot_write_another_tenant(world: World) -> None:
    # COPY FROM is refused on a table whose policy applies: the imports' bulk insert goes through INSERT … SELECT.
    work_a, work_b = f.work(world.a), f.work(world.b)
    columns = ("municipality_id", "work_id", "unit_id")
    with ordinary_role(), tenant_context(world.a.pk):
        assert insert_rows("tenancy_workunit", columns, [(world.a.pk, work_a.pk, world.tax_a.pk)]) == 1
        assert WorkUnit.objects.filter(work=work_a, unit=world.tax_a).exists()
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            insert_rows("tenancy_workunit", columns, [(world.b.pk, work_b.pk, world.root_b.pk)])
        # The same through insert_columns (COPY text made column by column).
        assert insert_columns("tenancy_workunit", columns, [[world.a.pk], [work_a.pk], [world.other_a.pk]]) == 1
        assert WorkUnit.objects.filter(work=work_a, unit=world.other_a).exists()
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            insert_columns("tenancy_workunit", columns, [[world.b.pk], [work_b.pk], [world.root_b.pk]])


def test_a_background_job_runs_set_to_its_municipality(world: World) -> None:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    client = login(world.admin_a)
    assert client.post(f"/selfcheck/campaigns/{campaign.pk}/jobs/zip/").status_code == 302
    with ordinary_role(), recorded_settings() as values:
        run_jobs()
        assert Job.objects.get().status == JobStatus.SUCCEEDED
    assert values == [str(world.a.pk), ""]
