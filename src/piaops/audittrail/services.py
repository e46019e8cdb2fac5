"""Recording and verifying the audit trail.

``record`` is called by every service that changes data, in the same transaction as the change, so a change and
its entry commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from piaops.audittrail.context import Actor, current_actor
from piaops.audittrail.models import Action, AuditEntry, ChainHead

GENESIS = "0" * 64


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (dates as ISO strings), as it will read back from the database."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


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
    return json.dumps(
        {
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
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_entry_payload(entry).encode("utf-8")).hexdigest()


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
        object_repr = object_repr or str(obj)[:300]
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    with transaction.atomic():
        chain_key = municipality_id or 0
        ChainHead.objects.get_or_create(municipality_id=chain_key)
        head = ChainHead.objects.select_for_update().get(municipality_id=chain_key)
        entry = AuditEntry(
            municipality_id=municipality_id,
            seq=head.seq + 1,
            at=timezone.now(),
            actor=user,
            actor_name=actor.name[:150],
            action=str(action),
            object_type=object_type[:100],
            object_id=object_id[:64],
            object_repr=object_repr[:300],
            summary=summary[:300],
            before=jsonable(before),
            after=jsonable(after),
            remote_addr=actor.remote_addr[:64],
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


def record_delete(obj: models.Model, *, municipality_id: int | None, summary: str = "") -> AuditEntry:
    return record(action=Action.DELETE, municipality_id=municipality_id, obj=obj, before=snapshot(obj), summary=summary)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    municipality_id: int | None = None
    reason: str = ""


def verify_chain(municipality_id: int | None) -> VerifyResult:
    """Recompute one chain. The first entry whose hash, link or sequence does not match is named."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in AuditEntry.objects.chain(municipality_id).iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return VerifyResult(
                False, count, entry.seq, municipality_id, f"連番が欠けています（{expected_seq} の位置）"
            )
        if entry.prev_hash != prev:
            return VerifyResult(False, count, entry.seq, municipality_id, "前の記録とのつながりが一致しません")
        if entry_hash(entry) != entry.hash:
            return VerifyResult(False, count, entry.seq, municipality_id, "記録の内容がハッシュと一致しません")
        prev = entry.hash
        expected_seq += 1
        count += 1
    head = ChainHead.objects.filter(municipality_id=municipality_id or 0).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return VerifyResult(False, count, count + 1, municipality_id, "末尾の記録が失われています")
    return VerifyResult(True, count, municipality_id=municipality_id)


def verify_all() -> list[VerifyResult]:
    ids: set[int | None] = set(AuditEntry.objects.values_list("municipality_id", flat=True).distinct())
    ids |= {h or None for h in ChainHead.objects.values_list("municipality_id", flat=True)}
    return [verify_chain(mid) for mid in sorted(ids, key=lambda x: (x is not None, x or 0))]
