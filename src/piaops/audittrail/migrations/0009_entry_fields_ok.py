"""PostgreSQL: ``fields_ok``, a stored generated column that says whether an entry's columns are exactly what its
canonical text says, so that verifying a chain no longer rebuilds and parses every entry's text.

PostgreSQL computes the column itself, when a row is inserted and again whenever any column of it changes (even
with the append-only triggers disabled); it cannot be written. The expression uses built-in immutable functions
only (``json_object`` escapes a string exactly as ``to_json`` and Python's ``json.dumps`` do; the timestamp is
spelled out from ``date_part``), so no function of ours decides whether an entry is sound: the one function it
calls, ``piaops_audit_json_ok``, only says whether ``after``/``before`` in the text are JSON at all (PostgreSQL 15
has no ``IS JSON``; a failing cast would make the row impossible to store). It is a guard in front of built-in casts
and comparisons: replaced by one that answers ``true`` it lets a bad text raise; answering ``false`` it sends the
chain to Python. Verification checks the column's catalog entry before it trusts it (``services._fields_ok_sound``).

Not declared in the Django model (Django never reads or writes it; SQLite has no such column: Python verifies there).
The ALTER TABLE rewrites the table and computes the column for every existing entry (those without a canonical text
get ``false``); a rewrite is not an UPDATE, so the append-only triggers do not object.
"""

from __future__ import annotations

from django.db import migrations

from piaops.lib.vendorsql import vendor_sql


def _json_string(column: str) -> str:
    """``column`` as a JSON string literal: ``{"" : "…"}`` from json_object, without its first 6 and last 1 chars.

    ``::text`` on the (varchar) column: without it PostgreSQL stores an array cast that pg_dump writes back otherwise,
    and a restored database would spell the expression differently from a migrated one (services compares the
    spelling). Written so, the expression is spelled the same after any number of dumps and restores."""
    return f"left(substr(json_object(ARRAY['', {column}::text])::text, 7), -1)"


_UTC = "(at AT TIME ZONE 'UTC')"


def _two(part: str) -> str:
    return f"lpad(date_part('{part}', {_UTC})::integer::text, 2, '0')"


_MICROS = f"date_part('microseconds', {_UTC})::bigint"  # seconds × 10⁶ + microseconds, exact in a float8
# Python's isoformat(timespec="microseconds") of the UTC time: 2026-04-01T00:30:15.123456+00:00
_AT = (
    f"lpad(date_part('year', {_UTC})::integer::text, 4, '0') || '-' || {_two('month')} || '-' || {_two('day')}"
    f" || 'T' || {_two('hour')} || ':' || {_two('minute')} || ':' || lpad(({_MICROS} / 1000000)::text, 2, '0')"
    f" || '.' || lpad(mod({_MICROS}, 1000000)::text, 6, '0') || '+00:00'"
)
# services._entry_payload's text around ``after`` and ``before`` (keys sorted; proxy_addr only when set).
_HEAD = (
    f"""'{{"action":' || {_json_string("action")} || ',"actor":' || COALESCE(actor_id::text, 'null')"""
    f""" || ',"actor_name":' || {_json_string("actor_name")} || ',"after":'"""
)
_MIDDLE = f"""',"at":"' || {_AT} || '","before":'"""
_TAIL = (
    f"""',"municipality":' || COALESCE(municipality_id::text, 'null') || ',"object_id":' || {_json_string("object_id")}"""
    f""" || ',"object_repr":' || {_json_string("object_repr")} || ',"object_type":' || {_json_string("object_type")}"""
    f""" || ',"prev_hash":' || {_json_string("prev_hash")}"""
    f""" || CASE WHEN proxy_addr <> '' THEN ',"proxy_addr":' || {_json_string("proxy_addr")} ELSE '' END"""
    f""" || ',"remote_addr":' || {_json_string("remote_addr")} || ',"seq":' || seq::text"""
    f""" || ',"summary":' || {_json_string("summary")} || '}}'"""
)
# The text is head || A || middle || B || tail, split at the first middle (a JSON string cannot hold one: its quotes
# are escaped); A and B are ``after`` and ``before`` as jsonb's own text (as services compared them before: a SQL
# NULL is JSON null). Byte for byte outside A and B, so sha256(canonical) is then exactly Python's hash.
_REST = f"substr(canonical, length({_HEAD}) + 1)"
_AT_MIDDLE = f"strpos({_REST}, {_MIDDLE})"
_A = f"left({_REST}, {_AT_MIDDLE} - 1)"
_B = f"left(substr({_REST}, {_AT_MIDDLE} + length({_MIDDLE})), -length({_TAIL}))"
EXPRESSION = (
    f"COALESCE(CASE WHEN starts_with(canonical, {_HEAD}) AND {_AT_MIDDLE} > 0"
    f" AND canonical = {_HEAD} || {_A} || {_MIDDLE} || {_B} || {_TAIL} AND piaops_audit_json_ok({_A}, {_B})"
    f" THEN ({_A})::jsonb::text = COALESCE(after::text, 'null') AND ({_B})::jsonb::text = COALESCE(before::text, 'null')"
    " END, false)"
)

POSTGRES = [
    # PARALLEL UNSAFE (the default): its exception block is a subtransaction. Only ever evaluated on writes.
    """CREATE FUNCTION piaops_audit_json_ok(a text, b text) RETURNS boolean
        LANGUAGE plpgsql IMMUTABLE STRICT AS $$
        BEGIN
            PERFORM a::jsonb, b::jsonb;
            RETURN true;
        EXCEPTION WHEN others THEN
            RETURN false;
        END $$;""",
    f"ALTER TABLE audittrail_auditentry ADD COLUMN fields_ok boolean GENERATED ALWAYS AS ({EXPRESSION}) STORED;",
]
POSTGRES_REVERSE = [
    "ALTER TABLE audittrail_auditentry DROP COLUMN fields_ok;",
    "DROP FUNCTION piaops_audit_json_ok(text, text);",
]


class Migration(migrations.Migration):
    dependencies = [("audittrail", "0008_merge_parallel_work")]

    operations = [
        vendor_sql({"postgresql": POSTGRES}, {"postgresql": POSTGRES_REVERSE}),
    ]
