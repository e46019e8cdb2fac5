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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from piaops.audittrail.context import Actor, current_actor
from piaops.audittrail.labels import labels_of
from piaops.audittrail.models import Action, AuditEntry, ChainHead
from piaops.lib.mynumber import mask_my_numbers

GENESIS = "0" * 64


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
    return jsonable(data)


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
        entry.hash = entry_hash(entry)
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


def verify_chain(municipality_id: int | None) -> VerifyResult:
    """Recompute one chain from its first entry and compare it with the chain head.

    Detected: an edited entry (its hash no longer matches), an entry edited with its hash recomputed (the next
    entry's link breaks), a deleted entry (its sequence number is missing), entries deleted at the end (the
    chain head, which the database lets move forward only, is further on).
    """
    prev = GENESIS
    expected = 1
    count = 0

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, count, municipality_id, seq, reason, prev)

    for entry in _entries(municipality_id):
        if entry.seq < expected:
            return broken(entry.seq, "同じ連番の記録が重複しています")
        if entry.seq > expected:
            return broken(expected, f"連番 {expected} の記録がありません（削除された可能性があります）")
        if entry.prev_hash != prev:
            return broken(entry.seq, "直前の記録とのつながり（ハッシュ）が一致しません")
        if entry_hash(entry) != entry.hash:
            return broken(entry.seq, "記録の内容がハッシュと一致しません（変更された可能性があります）")
        prev = entry.hash
        expected += 1
        count += 1
    head = ChainHead.objects.filter(municipality_id=municipality_id or 0).first()
    if head is not None and head.seq > count:
        return broken(count + 1, f"連番 {count + 1}〜{head.seq} の記録がありません（末尾が削除された可能性があります）")
    if head is not None and (head.seq != count or head.hash != prev):
        return broken(count, "末尾の記録が管理情報（チェーンの先頭）と一致しません")
    return VerifyResult(True, count, municipality_id, last_hash=prev)


def verify_all() -> list[VerifyResult]:
    """Every chain: those with entries and those whose head exists (all entries deleted is a broken chain too)."""
    ids: set[int | None] = set(AuditEntry.objects.values_list("municipality_id", flat=True).distinct())
    ids |= {h or None for h in ChainHead.objects.values_list("municipality_id", flat=True)}
    return [verify_chain(mid) for mid in sorted(ids, key=lambda x: (x is not None, x or 0))]
