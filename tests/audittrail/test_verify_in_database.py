"""On PostgreSQL the chain is verified by one statement over the stored canonical bytes; its answer must be the
Python re-encoding's, for a sound chain and for every kind of tampering, including tampering that keeps the
canonical text and the fields consistent (which only the links can reveal). The text is a copy of what the fields
and the hash already say: an edit of it alone changes nothing anyone reads, and sends verification to Python
(which answers from the fields, as it always did). A duplicated sequence number is refused by a unique constraint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

import pytest
from django.db import DatabaseError, DataError, connection, transaction

from piaops.audittrail.context import Actor
from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.services import (
    _CONTENT,
    _entry_payload,
    _fields_ok_sound,
    _first_break_in_database,
    _with_head,
    record,
    verify_chain,
    verify_chain_in_python,
)
from tests.audittrail.helpers import drop_triggers, execute
from tests.conftest import World

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the database path is PostgreSQL's")


def _chain(world: World, n: int = 6) -> list[AuditEntry]:
    actor = Actor(user=world.admin_a, name="admin_a", remote_addr="10.0.0.1")
    awkward = {"quote": 'a"b\\c', "kana": "ｶﾅ・全角　空白", "nested": [1, {"z": None, "a": "1.5"}], "big": 10**20}
    # PostgreSQL's to_json must escape as Python's json.dumps does (\b \f \n \r \t, \u00xx, nothing else).
    awkward["controls"] = "a\nb\tc\rd\be\ff\x01g\x1fh\x7fi\u2028j/k"
    return [
        record(
            action=Action.UPDATE,
            municipality_id=world.a.pk,
            obj=world.tax_a,
            before=awkward if i == 2 else None,
            after={"n": i},
            summary=f"変更 {i}",
            actor=actor,
        )
        for i in range(1, n + 1)
    ]


def _in_database(municipality_id: int) -> object:
    found = _first_break_in_database(municipality_id)
    assert found is not None, "the database path left the chain to Python"
    return _with_head(municipality_id, found)


def test_every_new_entry_stores_the_bytes_its_hash_covers(world: World) -> None:
    import hashlib

    for entry in _chain(world):
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert hashlib.sha256(stored.canonical.encode()).hexdigest() == stored.hash
        assert json.loads(stored.canonical)["summary"] == stored.summary


def test_a_sound_chain_is_verified_in_the_database_with_pythons_answer(world: World) -> None:
    _chain(world)
    assert _in_database(world.a.pk) == verify_chain_in_python(world.a.pk)
    assert verify_chain(world.a.pk).ok and verify_chain(world.a.pk).count == 6


def test_a_chain_written_behind_a_proxy_is_verified_in_the_database(world: World) -> None:
    actor = Actor(user=world.admin_a, name="admin_a", remote_addr="10.0.0.1", proxy_addr="10.0.0.254")
    for i in range(3):
        record(action=Action.UPDATE, municipality_id=world.a.pk, obj=world.tax_a, after={"n": i}, actor=actor)
    assert AuditEntry.objects.filter(municipality=world.a, proxy_addr="10.0.0.254").count() == 3
    assert _in_database(world.a.pk) == verify_chain_in_python(world.a.pk)
    assert verify_chain(world.a.pk).ok


def _rewrite_consistently(entry: AuditEntry, **changes: object) -> None:
    """Edit fields *and* the canonical text *and* the hash together (only the next link can tell)."""
    import hashlib

    data = json.loads(entry.canonical)
    data.update(changes)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    execute(
        "UPDATE audittrail_auditentry SET summary = %s, canonical = %s, hash = %s WHERE id = %s",
        [data["summary"], text, digest, entry.pk],
    )


def _reformat_with_hash(entry: AuditEntry) -> None:
    """The same fields in a text that is not the canonical one (spaces after separators), hashed: Python, which
    re-encodes the fields, finds this entry's hash wrong; the database must not accept the text as the fields'."""
    import hashlib

    text = json.dumps(json.loads(entry.canonical), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()
    execute("UPDATE audittrail_auditentry SET canonical = %s, hash = %s WHERE id = %s", [text, digest, entry.pk])


TAMPERING: dict[str, Callable[[list[AuditEntry]], None]] = {
    "text reformatted, its hash recomputed": lambda e: _reformat_with_hash(e[2]),
    "text of the last entry reformatted, its hash recomputed": lambda e: _reformat_with_hash(e[5]),
    "text, fields and hash rewritten together": lambda e: _rewrite_consistently(e[2], summary="書き換え"),
    "canonical text alone": lambda e: execute(
        "UPDATE audittrail_auditentry SET canonical = replace(canonical, '変更', '改変') WHERE id = %s", [e[3].pk]
    ),
    "canonical text not JSON": lambda e: execute(
        "UPDATE audittrail_auditentry SET canonical = '{' WHERE id = %s", [e[3].pk]
    ),
    "a field alone": lambda e: execute("UPDATE audittrail_auditentry SET summary = 'x' WHERE id = %s", [e[1].pk]),
    "after alone (jsonb)": lambda e: execute(
        "UPDATE audittrail_auditentry SET after = '{\"n\": 2.0}' WHERE id = %s", [e[1].pk]
    ),
    "middle entry deleted": lambda e: execute("DELETE FROM audittrail_auditentry WHERE id = %s", [e[2].pk]),
    "last entries deleted": lambda e: execute(
        "DELETE FROM audittrail_auditentry WHERE id IN (%s, %s)", [e[4].pk, e[5].pk]
    ),
    # Entries written without a proxy have no proxy_addr in their text: setting the column must still be found.
    "proxy address added where none was": lambda e: execute(
        "UPDATE audittrail_auditentry SET proxy_addr = '10.9.9.9' WHERE id = %s", [e[1].pk]
    ),
    "link edited": lambda e: execute(
        "UPDATE audittrail_auditentry SET prev_hash = %s WHERE id = %s", ["f" * 64, e[4].pk]
    ),
}


# fields_ok (migration 0009) is PostgreSQL's own answer to "are the columns what the text says", computed when a row
# is written. Someone who may alter the table can try to make it lie for an edited entry: each attempt must leave
# verification with Python's answer (the catalog check sends the chain to Python, or the column stays false).
_COLUMNS = (
    "id, municipality_id, seq, at, actor_id, actor_name, action, object_type, object_id, object_repr, summary, "
    "before, after, remote_addr, proxy_addr, prev_hash, hash, canonical"
)


def _edit_and_mark_ok(entry: AuditEntry) -> None:
    execute("UPDATE audittrail_auditentry SET summary = 'x', fields_ok = true WHERE id = %s", [entry.pk])


def _moved_to_a_child_table(entry: AuditEntry) -> None:
    """The entry moved, edited, into a table inheriting the trail's (a scan of the trail reads it there)."""
    execute("CREATE TABLE audittrail_evil () INHERITS (audittrail_auditentry)")
    edited = _COLUMNS.replace(" summary,", " 'x',")
    execute(
        f"WITH moved AS (DELETE FROM ONLY audittrail_auditentry WHERE id = %s RETURNING {_COLUMNS}) "
        f"INSERT INTO audittrail_evil ({_COLUMNS}) SELECT {edited} FROM moved",
        [entry.pk],
    )


COLUMN_TAMPERING: dict[str, Callable[[list[AuditEntry]], None]] = {
    "generation expression dropped, a field edited and marked sound": lambda e: (
        execute("ALTER TABLE audittrail_auditentry ALTER COLUMN fields_ok DROP EXPRESSION"),
        _edit_and_mark_ok(e[1]),
    ),
    "column replaced by a plain one saying sound, a field edited": lambda e: (
        execute("ALTER TABLE audittrail_auditentry DROP COLUMN fields_ok"),
        execute("ALTER TABLE audittrail_auditentry ADD COLUMN fields_ok boolean NOT NULL DEFAULT true"),
        execute("UPDATE audittrail_auditentry SET summary = 'x' WHERE id = %s", [e[1].pk]),
    ),
    "column replaced by a generated one always sound, a field edited": lambda e: (
        execute("ALTER TABLE audittrail_auditentry DROP COLUMN fields_ok"),
        execute("ALTER TABLE audittrail_auditentry ADD COLUMN fields_ok boolean GENERATED ALWAYS AS (true) STORED"),
        execute("UPDATE audittrail_auditentry SET summary = 'x' WHERE id = %s", [e[1].pk]),
    ),
    "JSON guard replaced by one that always answers yes, a field edited": lambda e: (
        execute(
            "CREATE OR REPLACE FUNCTION piaops_audit_json_ok(a text, b text) RETURNS boolean "
            "LANGUAGE sql IMMUTABLE AS 'SELECT true'"
        ),
        execute("UPDATE audittrail_auditentry SET summary = 'x' WHERE id = %s", [e[1].pk]),
    ),  # fmt: skip
    "an edited entry moved into an inheriting table": lambda e: _moved_to_a_child_table(e[1]),
}


def test_fields_ok_is_computed_by_postgresql_and_cannot_be_written(world: World) -> None:
    entries = _chain(world)
    assert _stored_fields_ok(entries) == [True] * len(entries)
    drop_triggers()
    with pytest.raises(DatabaseError, match="fields_ok"):
        with transaction.atomic():
            execute("UPDATE audittrail_auditentry SET fields_ok = true WHERE id = %s", [entries[0].pk])
    execute("UPDATE audittrail_auditentry SET summary = 'x' WHERE id = %s", [entries[1].pk])
    execute("UPDATE audittrail_auditentry SET canonical = canonical || ' ' WHERE id = %s", [entries[2].pk])
    assert _stored_fields_ok(entries) == [True, False, False, True, True, True]


def _stored_fields_ok(entries: list[AuditEntry]) -> list[bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fields_ok FROM audittrail_auditentry WHERE id = ANY(%s) ORDER BY seq", [[e.pk for e in entries]]
        )
        return [ok for (ok,) in cursor.fetchall()]


AWKWARD_TEXT = 'a"b\\c\nd\te\x01f\x1fg\x7fh\u2028i/j ｶﾅ・全角　空白 \\"'


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2026, 4, 1, 0, 0, 0, 0, tzinfo=dt.UTC),  # isoformat still writes .000000
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, 8, 59, 59, 1, tzinfo=dt.timezone(dt.timedelta(hours=9))),  # stored as UTC
        dt.datetime(999, 1, 2, 3, 4, 5, 60, tzinfo=dt.UTC),  # a four-digit year, zero-padded
    ],
)
def test_fields_ok_agrees_with_python_for_awkward_values(world: World, at: dt.datetime) -> None:
    """Every column PostgreSQL spells for itself (strings escaped by json_object, the timestamp from date_part) must
    come out as Python's json.dumps and isoformat do, or entries would be sent to Python needlessly."""
    entry = AuditEntry(
        municipality_id=world.a.pk,
        seq=10**6,
        at=at,
        actor=world.admin_a,
        actor_name=AWKWARD_TEXT[:150],
        action=Action.UPDATE,
        object_type="tenancy.OrgUnit",
        object_id="42",
        object_repr=AWKWARD_TEXT,
        summary=AWKWARD_TEXT,
        before={"z": [1, {"b": None, "a": "1.5"}], "a": AWKWARD_TEXT, "n": 10**20},
        after=None,
        remote_addr="10.0.0.1",
        proxy_addr="10.0.0.254",
        prev_hash="0" * 64,
    )
    entry.canonical = _entry_payload(entry)
    entry.hash = hashlib.sha256(entry.canonical.encode()).hexdigest()
    entry.save(force_insert=True)
    assert _stored_fields_ok([entry]) == [True]


def test_entries_without_canonical_text_are_verified_in_python(world: World) -> None:
    """Entries written before the canonical column have an empty text (and fields_ok false): Python verifies."""
    entries = _chain(world)
    drop_triggers()
    execute("UPDATE audittrail_auditentry SET canonical = '' WHERE id = %s", [entries[0].pk])
    assert _stored_fields_ok(entries)[0] is False
    assert _first_break_in_database(world.a.pk) is None
    assert verify_chain(world.a.pk) == verify_chain_in_python(world.a.pk)
    assert verify_chain(world.a.pk).ok and verify_chain(world.a.pk).count == 6


def test_the_catalog_check_trusts_the_column_as_migrated(world: World) -> None:
    """If this fails on a new PostgreSQL version, it spells the expression otherwise: update
    FIELDS_OK_EXPRESSION_SHA256 to ``encode(sha256(convert_to(pg_get_expr(adbin, adrelid), 'UTF8')), 'hex')``
    of fields_ok's pg_attrdef row (after checking the expression is still migration 0009's)."""
    with connection.cursor() as cursor:
        assert _fields_ok_sound(cursor)


def test_a_guard_that_always_answers_yes_cannot_make_the_column_lie(world: World) -> None:
    """piaops_audit_json_ok only guards the built-in jsonb casts: replaced by ``true``, a text whose ``after`` is not
    JSON makes the cast fail, and the row cannot be stored at all."""
    entries = _chain(world)
    drop_triggers()
    execute(
        "CREATE OR REPLACE FUNCTION piaops_audit_json_ok(a text, b text) RETURNS boolean "
        "LANGUAGE sql IMMUTABLE AS 'SELECT true'"
    )
    with pytest.raises(DataError), transaction.atomic():
        execute(
            """UPDATE audittrail_auditentry SET canonical = replace(canonical, '"after":{"n":1}', '"after":{n}')"""
            " WHERE id = %s",
            [entries[0].pk],
        )
    assert _first_break_in_database(world.a.pk) is not None  # the column is still the migration's


@pytest.mark.parametrize("kind", sorted(COLUMN_TAMPERING))
def test_a_column_made_to_lie_gets_the_same_answer_as_python(world: World, kind: str) -> None:
    entries = [AuditEntry.objects.get(pk=e.pk) for e in _chain(world)]
    drop_triggers()
    COLUMN_TAMPERING[kind](entries)
    expected = verify_chain_in_python(world.a.pk)
    assert not expected.ok and expected.broken_seq == 2 and expected.reason == _CONTENT, expected
    assert verify_chain(world.a.pk) == expected, kind
    if "guard" not in kind:  # the column is no longer the migration's: the database does not even try
        assert _first_break_in_database(world.a.pk) is None


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_tampering_gets_the_same_answer_as_python(world: World, kind: str) -> None:
    entries = [AuditEntry.objects.get(pk=e.pk) for e in _chain(world)]
    drop_triggers()
    TAMPERING[kind](entries)
    expected = verify_chain_in_python(world.a.pk)
    assert expected.ok == kind.startswith("canonical text")
    assert verify_chain(world.a.pk) == expected, kind
