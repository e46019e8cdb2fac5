"""Recording and verifying the audit trail.

``record`` is called by every service that changes data, in the same transaction as the change, so a change and
its entry commit or roll back together.

The hash of an entry covers a canonical JSON text of its fields (sorted keys, no spaces, UTF-8). ``before`` and
``after`` are reduced to plain JSON *before* they are stored and hashed (dates as ISO strings, decimals and
floats as strings), so that what comes back from the database — SQLite text or PostgreSQL ``jsonb``, which
reorders keys and rewrites numbers — re-hashes to the same value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from piaops.audittrail.context import Actor, current_actor
from piaops.audittrail.labels import labels_of
from piaops.audittrail.models import Action, AuditEntry, ChainHead
from piaops.lib.mynumber import mask_my_numbers

GENESIS = "0" * 64

logger = logging.getLogger("piaops.audittrail")


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, FieldFile):
            return o.name or ""
        if isinstance(o, bytes | bytearray | memoryview):
            return f"sha256:{hashlib.sha256(bytes(o)).hexdigest()}"
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        return super().default(o)


def _plain(value: Any) -> Any:
    """Floats become strings (``jsonb`` would turn 1e16 into an integer), text is masked, containers recurse."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return mask_my_numbers(value)
    return value


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types, exactly as it will read back from either database.

    Dates, times and UUIDs become ISO strings, decimals and floats strings, files their name, bytes their SHA-256;
    a 個人番号 candidate in any string is masked (the trail never holds one, even if a caller slipped).
    """
    return _plain(json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False)))


def snapshot(obj: models.Model, *, exclude: tuple[str, ...] = ("password",)) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys as ids), JSON-safe, for ``before``/``after``."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = getattr(obj, field.attname)
    plain: dict[str, Any] = jsonable(data)
    return plain


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, from each side."""
    keys = [k for k in after.keys() | before.keys() if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


def _entry_payload(entry: AuditEntry) -> str:
    at = entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    payload: dict[str, Any] = {
        "seq": entry.seq,
        "at": at,
        "municipality": entry.municipality_id,
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
        "remote_addr": entry.remote_addr,
        "prev_hash": entry.prev_hash,
    }
    # Hashed only when there is one: entries written before the field existed keep the hash they were given.
    if entry.proxy_addr:
        payload["proxy_addr"] = entry.proxy_addr
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_entry_payload(entry).encode("utf-8")).hexdigest()


def _locked_head(chain_key: int) -> ChainHead:
    """The chain head row, locked until the transaction ends, so appends to one chain never interleave.

    PostgreSQL: ``SELECT … FOR UPDATE`` (a second appender waits, then reads the committed new head). SQLite has no
    row locks; there the settings make every transaction ``BEGIN IMMEDIATE``, which holds the database write lock
    from the first statement. The first entry of a chain creates the head; two first entries racing meet the
    primary key, and the loser reads the winner's row.
    """
    try:
        return ChainHead.objects.select_for_update().get(municipality_id=chain_key)
    except ChainHead.DoesNotExist:
        ChainHead.objects.get_or_create(municipality_id=chain_key)
        return ChainHead.objects.select_for_update().get(municipality_id=chain_key)


def record(
    *,
    action: Action | str,
    municipality_id: int | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Append one entry to the municipality's chain and return it.

    ``obj`` fills object type, id and text when given. The chain head row is locked for the rest of the
    transaction, which serialises appends per municipality (on SQLite the database lock does the same).
    """
    actor = actor or current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    # No savepoint: inside a caller's transaction the entry and the change must fail together anyway.
    with transaction.atomic(savepoint=False):
        head = _locked_head(municipality_id or 0)
        entry = AuditEntry(
            municipality_id=municipality_id,
            seq=head.seq + 1,
            at=timezone.now(),
            actor=user,
            # A user name typed at the log-in form is whatever was typed: masked like every free text.
            actor_name=mask_my_numbers(actor.name)[:150],
            action=str(action),
            object_type=object_type[:100],
            object_id=object_id[:64],
            object_repr=mask_my_numbers(object_repr)[:300],
            summary=mask_my_numbers(summary)[:300],
            before=jsonable(before),
            after=jsonable(after),
            remote_addr=actor.remote_addr[:64],
            proxy_addr=actor.proxy_addr[:64],
            prev_hash=head.hash,
        )
        entry.canonical = _entry_payload(entry)
        entry.hash = hashlib.sha256(entry.canonical.encode("utf-8")).hexdigest()
        entry.save(force_insert=True)
        head.seq = entry.seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


def record_create(obj: models.Model, *, municipality_id: int | None, summary: str = "") -> AuditEntry:
    return record(action=Action.CREATE, municipality_id=municipality_id, obj=obj, after=snapshot(obj), summary=summary)


def record_update(
    obj: models.Model, *, before: dict[str, Any], municipality_id: int | None, summary: str = ""
) -> AuditEntry | None:
    """Record the fields that changed since ``before`` (a :func:`snapshot`); nothing when none did."""
    old, new = changed(before, snapshot(obj))
    if not new:
        return None
    return record(
        action=Action.UPDATE, municipality_id=municipality_id, obj=obj, before=old, after=new, summary=summary
    )


def revoke(obj: Any, *, summary: str) -> None:
    """Stamp ``obj.revoked_at`` (a credential: API or calendar token) with now and record it, once: revoking again
    keeps the first time and records nothing. Must run inside the caller's transaction."""
    if obj.revoked_at is not None:
        return
    obj.revoked_at = timezone.now()
    obj.save(update_fields=["revoked_at"])
    record(
        action=Action.UPDATE,
        municipality_id=obj.municipality_id,
        obj=obj,
        before={"revoked_at": None},
        after={"revoked_at": obj.revoked_at},
        summary=summary,
    )


def record_delete(obj: models.Model, *, municipality_id: int | None, summary: str = "") -> AuditEntry:
    return record(action=Action.DELETE, municipality_id=municipality_id, obj=obj, before=snapshot(obj), summary=summary)


def record_export(
    *,
    municipality_id: int | None,
    what: str,
    file_format: str,
    rows: int,
    criteria: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Record that data left the system: ``what`` (e.g. ``監査証跡``), the format, how many rows, and the filter used.

    Every export (CSV, XLSX, PDF, evidence bundles) calls this when it produces the file.
    """
    return record(
        action=Action.EXPORT,
        municipality_id=municipality_id,
        object_type="export",
        object_repr=what,
        summary=f"{what}を{file_format}で出力（{rows}件）",
        after={"format": file_format, "rows": rows, "criteria": criteria or {}},
        actor=actor,
    )


def last_change(obj: models.Model) -> AuditEntry | None:
    """The newest entry about ``obj`` (who changed it last, and when): what a conflict message shows."""
    rows = AuditEntry.objects.filter(object_type__in=labels_of(obj._meta.label), object_id=str(obj.pk)).exclude(
        action=Action.EXPORT
    )
    # The municipality leads the (municipality, object_type, object_id) index.
    mid = getattr(obj, "municipality_id", None)
    rows = rows.filter(municipality_id=mid) if mid is not None else rows.filter(municipality__isnull=True)
    return rows.order_by("-seq", "-id").first()


@dataclass(frozen=True)
class VerifyResult:
    """The outcome for one chain. When broken, ``broken_seq`` is the first entry that is wrong or missing."""

    ok: bool
    count: int
    municipality_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""
    last_hash: str = GENESIS


def _entries(municipality_id: int | None) -> Iterator[AuditEntry]:
    return AuditEntry.objects.chain(municipality_id).order_by("seq", "id").iterator(chunk_size=2000)


_DUPLICATE = "同じ連番の記録が重複しています"
_LINK = "直前の記録とのつながり（ハッシュ）が一致しません"
_CONTENT = "記録の内容がハッシュと一致しません（変更された可能性があります）"


def _missing(seq: int) -> str:
    return f"連番 {seq} の記録がありません（削除された可能性があります）"


def verify_chain(municipality_id: int | None) -> VerifyResult:
    """Recompute one chain from its first entry and compare it with the chain head.

    Detected: an edited entry (its hash no longer matches), an entry edited with its hash recomputed (the next
    entry's link breaks), a deleted entry (its sequence number is missing), entries deleted at the end (the
    chain head, which the database lets move forward only, is further on).

    On PostgreSQL one statement does it (:func:`_first_break_in_database`) when every entry of the chain has its
    canonical bytes and the generated column ``fields_ok`` is still the migration's; otherwise (SQLite, entries older
    than the canonical column, or a ``fields_ok`` column altered) Python re-encodes each entry.
    """
    if connection.vendor == "postgresql":
        found = _first_break_in_database(municipality_id)
        if found is not None:
            return _with_head(municipality_id, found)
    return verify_chain_in_python(municipality_id)


def verify_chain_in_python(municipality_id: int | None) -> VerifyResult:
    """``verify_chain`` by re-encoding every entry's fields in Python (SQLite; entries without canonical text)."""
    prev = GENESIS
    expected = 1
    count = 0

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, count, municipality_id, seq, reason, prev)

    for entry in _entries(municipality_id):
        if entry.seq < expected:
            return broken(entry.seq, _DUPLICATE)
        if entry.seq > expected:
            return broken(expected, _missing(expected))
        if entry.prev_hash != prev:
            return broken(entry.seq, _LINK)
        if entry_hash(entry) != entry.hash:
            return broken(entry.seq, _CONTENT)
        prev = entry.hash
        expected += 1
        count += 1
    return _with_head(municipality_id, VerifyResult(True, count, municipality_id, last_hash=prev))


def _with_head(municipality_id: int | None, result: VerifyResult) -> VerifyResult:
    """A chain whose entries are sound, compared with its head (which catches entries deleted at the end)."""
    if not result.ok:
        return result
    count, prev = result.count, result.last_hash

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, count, municipality_id, seq, reason, prev)

    head = ChainHead.objects.filter(municipality_id=municipality_id or 0).first()
    if head is not None and head.seq > count:
        return broken(count + 1, f"連番 {count + 1}〜{head.seq} の記録がありません（末尾が削除された可能性があります）")
    if head is not None and (head.seq != count or head.hash != prev):
        return broken(count, "末尾の記録が管理情報（チェーンの先頭）と一致しません")
    return result


# Whether an entry's columns are exactly what its canonical text says is decided when the entry is written, by
# PostgreSQL itself: ``fields_ok`` is a stored generated column (migration 0009, not in the Django model) that it
# recomputes whenever any column of the row changes, and that cannot be written. Its expression is made of built-in
# immutable functions, plus a guard of ours that can only turn it false (see the migration). Verification trusts the
# column only while its catalog entry is the one the migration made: a generated column (not one whose expression
# was dropped so it could be written), this very expression (compared by the SHA-256 of PostgreSQL's own spelling of
# it, pg_get_expr: PostgreSQL 15's; a major version that spells it otherwise sends verification to Python until this
# constant is updated — test_verify_in_database says so), on a plain table without inheritance children (whose
# rows a scan of the table would read, with columns of their own).
FIELDS_OK_EXPRESSION_SHA256 = "fd98dbdf96c0c2da7ab22eedec068bc06fda827dc030ea7be8ac965e917fd191"

_FIELDS_OK_SOUND = """
SELECT c.relkind = 'r' AND a.atttypid = 'boolean'::regtype AND a.attgenerated = 's'
       AND encode(sha256(convert_to(pg_get_expr(d.adbin, d.adrelid), 'UTF8')), 'hex') = %s
       AND NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhparent = c.oid)
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'fields_ok' AND NOT a.attisdropped
JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.oid = 'audittrail_auditentry'::regclass
"""

_VERIFY_SQL = f"""
SELECT t.rn, t.seq, t.prev, t.prev_hash, t.fields_ok, t.hash_ok, t.hash, t.broken FROM (
  SELECT y.*, (y.fields_ok AND y.seq = y.rn AND y.prev_hash = y.prev AND y.hash_ok) IS NOT TRUE AS broken FROM (
    SELECT row_number() OVER w AS rn, x.seq, x.prev_hash, x.hash, COALESCE(lag(x.hash) OVER w, '{GENESIS}') AS prev,
           lead(x.seq) OVER w IS NULL AS last, x.fields_ok, x.hash_ok
    FROM (
      SELECT e.id, e.seq, e.prev_hash, e.hash, COALESCE(e.fields_ok, false) AS fields_ok,
             encode(sha256(convert_to(e.canonical, 'UTF8')), 'hex') = e.hash AS hash_ok
      FROM audittrail_auditentry e
      WHERE {{chain}}
      ORDER BY e.seq, e.id OFFSET 0
    ) x
    WINDOW w AS (ORDER BY x.seq, x.id)
  ) y
) t
WHERE t.broken OR t.last
ORDER BY t.broken DESC, t.rn LIMIT 1
"""  # OFFSET 0: each entry's hash is computed below it, where parallel workers can share the hashing and sort their
# share (merged in order: the windows need no sort of their own), and the windows see only the narrow results.
# One pass: the first broken entry, or else the last one (the count and the last hash).


def _fields_ok_sound(cursor: Any) -> bool:
    """Whether ``fields_ok`` is still the generated column migration 0009 made (see FIELDS_OK_EXPRESSION_SHA256)."""
    cursor.execute(_FIELDS_OK_SOUND, [FIELDS_OK_EXPRESSION_SHA256])
    row = cursor.fetchone()
    if row is None or not row[0]:
        logger.warning(
            "監査証跡の fields_ok 列が移行（audittrail 0009）で作成したときのものではありません（列の削除・式の変更の"
            "可能性があります）。データベースでの一括検証を行わず、各記録を Python で再計算して検証します。"
        )
        return False
    return True


def _first_break_in_database(municipality_id: int | None) -> VerifyResult | None:
    """PostgreSQL verifies the chain in one statement, one pass: its ``sha256()`` over each stored canonical text,
    the stored ``fields_ok`` (every field equals that text, decided by PostgreSQL when the entry was written or last
    changed), the links and sequence numbers by window functions; only the first broken entry (or the last one)
    comes back. The checks and their order per entry are ``verify_chain``'s.

    Where every field equals the canonical text, ``sha256(text)`` is exactly the hash Python would compute from
    the fields, so the answer is Python's: the text outside ``before``/``after`` must be byte for byte what Python
    writes from the columns. ``before``/``after`` are compared as jsonb text, so a text that spells them otherwise
    than Python would (other key order or spacing inside them), hashed anew, passes this entry where Python names it;
    the next link still breaks — only someone who can rehash the rest of the chain gets that far, and such a person
    can fool Python's check as well. None — Python verifies the chain — when ``fields_ok`` is not the column the
    migration made, or an entry's fields differ from its text, or it has none (written before the column existed),
    as long as nothing earlier broke.

    The table is locked (ACCESS SHARE, until the transaction ends) before the catalog is read: no ALTER TABLE can come
    between the check of the column and the reading of the entries.
    """
    chain = "e.municipality_id IS NULL" if municipality_id is None else "e.municipality_id = %s"
    params = [] if municipality_id is None else [municipality_id]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE audittrail_auditentry IN ACCESS SHARE MODE")
        if not _fields_ok_sound(cursor):
            return None
        # The hashing is the work: parallel workers share it whenever the chain is large enough to be worth it (the
        # planner does not know sha256() is expensive); the windows read 200k narrow rows in memory (SET LOCAL: this
        # transaction only).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL parallel_setup_cost = 0")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0")
        cursor.execute(_VERIFY_SQL.replace("{chain}", chain), params)
        row = cursor.fetchone()
    if row is None:  # no entries
        return VerifyResult(True, 0, municipality_id, last_hash=GENESIS)
    rn, seq, prev, prev_hash, fields_ok, hash_ok, last_hash, is_broken = row
    if not is_broken:  # every entry sound: this is the last one
        return VerifyResult(True, rn, municipality_id, last_hash=last_hash)
    if seq is None:  # a column Django never leaves empty is: Python says what it makes of it
        return None
    good = rn - 1  # entries before this one are sound

    def broken(at: int, reason: str) -> VerifyResult:
        return VerifyResult(False, good, municipality_id, at, reason, prev)

    if seq < rn:
        return broken(seq, _DUPLICATE)
    if seq > rn:
        return broken(rn, _missing(rn))
    if prev_hash != prev:
        return broken(seq, _LINK)
    if not fields_ok:
        # The stored fields are not those of the canonical text (or it is missing): whether the entry is sound
        # depends on re-encoding the fields, as Python does — the chain is left to it, with identical results.
        return None
    return broken(seq, _CONTENT)  # the only check left that can fail


def verify_all() -> list[VerifyResult]:
    """Every chain: those with entries and those whose head exists (all entries deleted is a broken chain too)."""
    ids: set[int | None] = set(AuditEntry.objects.values_list("municipality_id", flat=True).distinct())
    ids |= {h or None for h in ChainHead.objects.values_list("municipality_id", flat=True)}
    return [verify_chain(mid) for mid in sorted(ids, key=lambda x: (x is not None, x or 0))]
