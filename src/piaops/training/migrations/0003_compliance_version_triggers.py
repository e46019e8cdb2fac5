"""Triggers that raise a municipality's ``training_complianceversion`` on every write to a table the compliance
statement reads, in the writer's transaction (see ``piaops.training.snapshot``).

PostgreSQL: statement-level triggers with transition tables (one upsert per statement and municipality, so a
100k-row COPY costs one ``SELECT DISTINCT`` over its rows, not 100k upserts); the municipalities are locked in id
order (no deadlock between two writers). ``tenancy_user`` counts only when its person or municipality changes (a
log-in writes ``last_login``): a row trigger with a condition. SQLite: row triggers (it has no other kind).
"""

from __future__ import annotations

from django.db import migrations

from piaops.lib.vendorsql import vendor_sql

# Tables whose rows carry municipality_id.
TENANT_TABLES = [
    "tenancy_person",
    "tenancy_assignment",
    "tenancy_orgunit",
    "tenancy_workunit",
    "tenancy_rolegrant",
    "training_course",
    "training_requirement",
    "training_record",
]
M2M = "training_requirement_courses"  # requirement_id, course_id

UPSERT = (
    "INSERT INTO training_complianceversion (municipality_id, n) {rows} "
    "ON CONFLICT (municipality_id) DO UPDATE SET n = training_complianceversion.n + 1"
)


def _pg_function(name: str, source: str) -> str:
    rows = f"SELECT DISTINCT m, 1 FROM ({source}) s WHERE m IS NOT NULL ORDER BY m"
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{UPSERT.format(rows=rows)}; RETURN NULL; END; $$;"
    )


POSTGRES = [
    _pg_function("training_cv_new", "SELECT municipality_id AS m FROM new_rows"),
    _pg_function("training_cv_old", "SELECT municipality_id AS m FROM old_rows"),
    _pg_function(
        "training_cv_both",
        "SELECT municipality_id AS m FROM new_rows UNION ALL SELECT municipality_id FROM old_rows",
    ),
    _pg_function(
        "training_cv_m2m_new",
        "SELECT r.municipality_id AS m FROM new_rows x JOIN training_requirement r ON r.id = x.requirement_id",
    ),
    _pg_function(
        "training_cv_m2m_old",
        "SELECT r.municipality_id AS m FROM old_rows x JOIN training_requirement r ON r.id = x.requirement_id",
    ),
    """CREATE FUNCTION training_cv_user() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE m bigint;
        BEGIN
          IF TG_OP = 'DELETE' THEN m := OLD.municipality_id; ELSE m := NEW.municipality_id; END IF;
          IF m IS NOT NULL THEN
            INSERT INTO training_complianceversion (municipality_id, n) VALUES (m, 1)
              ON CONFLICT (municipality_id) DO UPDATE SET n = training_complianceversion.n + 1;
          END IF;
          IF TG_OP = 'UPDATE' AND OLD.municipality_id IS DISTINCT FROM NEW.municipality_id
             AND OLD.municipality_id IS NOT NULL THEN
            INSERT INTO training_complianceversion (municipality_id, n) VALUES (OLD.municipality_id, 1)
              ON CONFLICT (municipality_id) DO UPDATE SET n = training_complianceversion.n + 1;
          END IF;
          RETURN NULL;
        END; $$;""",
    """CREATE TRIGGER training_cv_user_ins AFTER INSERT OR DELETE ON tenancy_user
        FOR EACH ROW EXECUTE FUNCTION training_cv_user();""",
    """CREATE TRIGGER training_cv_user_upd AFTER UPDATE OF person_id, municipality_id ON tenancy_user
        FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id
                           OR OLD.municipality_id IS DISTINCT FROM NEW.municipality_id)
        EXECUTE FUNCTION training_cv_user();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER training_cv_user_upd ON tenancy_user;",
    "DROP TRIGGER training_cv_user_ins ON tenancy_user;",
]
for _table in [*TENANT_TABLES, M2M]:
    _fn = "training_cv_m2m" if _table == M2M else "training_cv"
    POSTGRES += [
        f"CREATE TRIGGER training_cv_ins AFTER INSERT ON {_table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_fn}_new();",
        f"CREATE TRIGGER training_cv_del AFTER DELETE ON {_table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_fn}_old();",
    ]
    if _table == M2M:
        # Rows of a through table are inserted and deleted, never updated by Django; an update counts as both.
        POSTGRES.append(
            f"CREATE TRIGGER training_cv_upd AFTER UPDATE ON {_table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION training_cv_m2m_new();"
        )
    else:
        POSTGRES.append(
            f"CREATE TRIGGER training_cv_upd AFTER UPDATE ON {_table} REFERENCING OLD TABLE AS old_rows "
            f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION training_cv_both();"
        )
    POSTGRES_REVERSE += [f"DROP TRIGGER training_cv_{op} ON {_table};" for op in ("ins", "del", "upd")]
POSTGRES_REVERSE += [
    f"DROP FUNCTION {fn}();"
    for fn in (
        "training_cv_new",
        "training_cv_old",
        "training_cv_both",
        "training_cv_m2m_new",
        "training_cv_m2m_old",
        "training_cv_user",
    )
]


def _sqlite_bump(expr: str) -> str:
    # "WHERE ... IS NOT NULL" also settles the UPSERT's parsing ambiguity after a SELECT.
    return UPSERT.format(rows=f"SELECT {expr}, 1 WHERE {expr} IS NOT NULL") + ";"


def _m2m(ref: str) -> str:
    return f"(SELECT municipality_id FROM training_requirement WHERE id = {ref}.requirement_id)"


SQLITE: list[str] = []
SQLITE_REVERSE: list[str] = []
for _table in [*TENANT_TABLES, M2M, "tenancy_user"]:
    new = _m2m("NEW") if _table == M2M else "NEW.municipality_id"
    old = _m2m("OLD") if _table == M2M else "OLD.municipality_id"
    update_of = ""
    if _table == "tenancy_user":  # not on a log-in's last_login
        update_of = (
            " OF person_id, municipality_id ON tenancy_user FOR EACH ROW WHEN OLD.person_id IS NOT NEW.person_id "
            "OR OLD.municipality_id IS NOT NEW.municipality_id"
        )
    SQLITE += [
        f"CREATE TRIGGER training_cv_ins_{_table} AFTER INSERT ON {_table} BEGIN {_sqlite_bump(new)} END;",
        f"CREATE TRIGGER training_cv_del_{_table} AFTER DELETE ON {_table} BEGIN {_sqlite_bump(old)} END;",
        f"CREATE TRIGGER training_cv_upd_{_table} AFTER UPDATE{update_of or f' ON {_table}'} "
        f"BEGIN {_sqlite_bump(new)} {_sqlite_bump(old)} END;",
    ]
    SQLITE_REVERSE += [f"DROP TRIGGER training_cv_{op}_{_table};" for op in ("ins", "del", "upd")]


class Migration(migrations.Migration):
    dependencies = [("training", "0002_compliance_snapshot")]

    operations = [
        vendor_sql(
            {"sqlite": SQLITE, "postgresql": POSTGRES}, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}
        )
    ]
