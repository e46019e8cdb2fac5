"""On PostgreSQL the chain is verified by one statement over the stored canonical bytes; its answer must be the
Python re-encoding's, for a sound chain and for every kind of tampering, including tampering that keeps the
canonical text and the fields consistent (which only the links can reveal). The text is a copy of what the fields
and the hash already say: an edit of it alone changes nothing anyone reads, and sends verification to Python
(which answers from the fields, as it always did). A duplicated sequence number is refused by a unique constraint.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.db import connection

from piaops.audittrail.context import Actor
from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.services import (
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


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_tampering_gets_the_same_answer_as_python(world: World, kind: str) -> None:
    entries = [AuditEntry.objects.get(pk=e.pk) for e in _chain(world)]
    drop_triggers()
    TAMPERING[kind](entries)
    expected = verify_chain_in_python(world.a.pk)
    assert expected.ok == kind.startswith("canonical text")
    assert verify_chain(world.a.pk) == expected, kind
