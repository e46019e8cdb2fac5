"""An ordinary database role for row-level security tests: the test suite connects as ``postgres``, a superuser,
whom every policy lets through, so a test that means to see RLS act switches to this role for a while."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction


@contextmanager
def ordinary_role() -> Iterator[str]:
    """``SET ROLE`` to a NOLOGIN role without superuser or BYPASSRLS, allowed to read and write every table, inside a
    transaction that is rolled back (the role with it). The role's name carries the database's, so parallel test
    databases on one server never meet."""
    role = f"piaops_rls_probe_{connection.settings_dict['NAME']}"
    with transaction.atomic(), connection.cursor() as cur:
        q = connection.ops.quote_name(role)
        cur.execute(f"CREATE ROLE {q} NOLOGIN NOSUPERUSER NOBYPASSRLS")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q}")
        cur.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {q}")
        cur.execute(f"SET ROLE {q}")
        try:
            yield role
        finally:
            # After an error outside a savepoint the rollback below undoes the SET ROLE by itself.
            with contextlib.suppress(DatabaseError):
                cur.execute("RESET ROLE")
            transaction.set_rollback(True)
