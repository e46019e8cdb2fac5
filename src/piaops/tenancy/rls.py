"""PostgreSQL row-level security: defence in depth under the application's own scoping (README "セキュリティ").

Every table whose model has a ``municipality`` foreign key to :class:`~piaops.tenancy.models.Municipality` (every
``TenantOwned`` model, and users, the audit trail and the training snapshots) gets ``ENABLE`` and ``FORCE ROW LEVEL
SECURITY`` and one policy, :data:`POLICY`: a row is visible and writable only when its ``municipality_id`` equals the
session setting ``piaops.municipality``. When that setting is empty or unset, all rows are: that is the *system
context* — the log-in before the user is known, the worker and cron commands that walk every tenant, migrations,
the ASP's own superusers (no municipality). Refusing everything there instead would make each of these set a
tenant it does not have; the application's scoping (``visible_to``, the object decorators) still applies to them.

Who sets it: :class:`TenantSettingMiddleware` for each request (after authentication; the API's token
authentication sets it again for the token's user), :func:`tenant_context` for a job or a command working for one
tenant (:class:`TenantCommand` for the commands taking ``--municipality``). Tables added later get their policy from
:func:`apply_policies`, run after every ``migrate`` (``post_migrate``); ``tests/tenancy/test_rls.py`` fails when a
tenant-owned table has none. On SQLite all of this is a no-op: the application's scoping is the only one there.

Superusers and roles with BYPASSRLS ignore every policy: production must connect as an ordinary role (the table
owner is fine: FORCE applies the policy to the owner too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.apps.registry import Apps
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.http import HttpRequest, HttpResponse

SETTING = "piaops.municipality"
POLICY = "piaops_tenant"
# current_setting(…, true) is NULL when never set in this session; set_config(…, '') leaves ''.
_CURRENT = f"nullif(current_setting('{SETTING}', true), '')"
_RULE = f"({_CURRENT} IS NULL OR municipality_id = {_CURRENT}::bigint)"


def tenant_tables(apps: Apps | None = None) -> list[str]:
    """The tables of every concrete model with a ``municipality`` foreign key to the municipality, sorted."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    tables = set()
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        try:
            field = meta.get_field("municipality")
        except FieldDoesNotExist:  # not tenant-owned
            continue
        related = getattr(field, "related_model", None)
        if related is not None and related._meta.label == "tenancy.Municipality":
            tables.add(meta.db_table)
    return sorted(tables)


def tables_without_policy(conn: BaseDatabaseWrapper, tables: list[str]) -> list[str]:
    """Those of ``tables`` that exist and lack the forced policy (PostgreSQL only)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY(%s)"
            " AND NOT (c.relrowsecurity AND c.relforcerowsecurity"
            "  AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s))",
            [tables, POLICY],
        )
        return sorted(row[0] for row in cur.fetchall())


def apply_policies(conn: BaseDatabaseWrapper, tables: list[str]) -> list[str]:
    """Enable, force and (re)create the tenant policy on those of ``tables`` that lack it; returns them."""
    if conn.vendor != "postgresql":
        return []
    missing = tables_without_policy(conn, tables)
    with conn.cursor() as cur:
        for table in missing:
            t = conn.ops.quote_name(table)
            cur.execute(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
            cur.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")
            cur.execute(f"DROP POLICY IF EXISTS {POLICY} ON {t}")
            cur.execute(f"CREATE POLICY {POLICY} ON {t} USING {_RULE} WITH CHECK {_RULE}")
    return missing


def remove_policies(conn: BaseDatabaseWrapper, tables: list[str]) -> None:
    if conn.vendor != "postgresql":
        return
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cur:
        for table in tables:
            if table in existing:
                t = conn.ops.quote_name(table)
                cur.execute(f"DROP POLICY IF EXISTS {POLICY} ON {t}")
                cur.execute(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")
                cur.execute(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")


def after_migrate(**kwargs: Any) -> None:
    """``post_migrate``: every tenant-owned table, including one added since, has its policy."""
    from django.db import connections

    conn = connections[kwargs.get("using", "default")]
    if conn.vendor == "postgresql":
        apply_policies(conn, tenant_tables())


def current_municipality_id() -> int | None:
    """The municipality the connection is set to (None: system context, or not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT {_CURRENT}")
        value = cur.fetchone()[0]
    return int(value) if value else None


def set_municipality(municipality_id: int | None) -> None:
    """Set the session's municipality (None: the system context). Session-wide, not transaction-local: the caller
    resets it (the middleware at the end of the request, :func:`tenant_context` on leaving)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute(
            "SELECT set_config(%s, %s, false)", [SETTING, "" if municipality_id is None else str(municipality_id)]
        )


@contextmanager
def tenant_context(municipality_id: int | None) -> Iterator[None]:
    """Work for one municipality (a job, a command); the previous setting comes back on leaving."""
    previous = current_municipality_id()
    set_municipality(municipality_id)
    try:
        yield
    finally:
        _restore(previous)


def _restore(municipality_id: int | None) -> None:
    """Set back, also after a database error: inside a failed transaction the rollback undoes the setting by itself
    (it was made in that transaction); outside one, a connection that cannot be reset is closed, never reused."""
    try:
        set_municipality(municipality_id)
    except DatabaseError:
        if not connection.in_atomic_block:
            connection.close()


API_PATH = "/api/v1/"


class TenantSettingMiddleware:
    """Sets ``piaops.municipality`` to the signed-in user's municipality for the request and resets it after, so that
    a persistent connection never carries one tenant's setting into the next request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            return self.get_response(request)
        user = getattr(request, "user", None)
        municipality_id = getattr(user, "municipality_id", None) if user is not None and user.is_authenticated else None
        # An API request (no session user) is set by its token's authentication, right after the token is found;
        # setting the system context before that would be one more statement on every API request for nothing. The
        # lookup itself cannot see more than the system context does (the reset below leaves every connection
        # there), and a connection left set to one tenant would only hide the other tenants' tokens (401).
        if municipality_id is not None or not request.path_info.startswith(API_PATH):
            set_municipality(municipality_id)
        try:
            return self.get_response(request)
        finally:
            _restore(None)


class TenantCommand(BaseCommand):
    """A command taking ``--municipality CODE``: it runs inside :func:`tenant_context` of that municipality (an
    unknown code sets nothing; the command answers its own error)."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        from piaops.tenancy.models import Municipality

        code = options.get("municipality")
        municipality_id = Municipality.objects.filter(code=code).values_list("pk", flat=True).first() if code else None
        with tenant_context(municipality_id):
            return super().execute(*args, **options)
