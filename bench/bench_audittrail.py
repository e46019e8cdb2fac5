"""Audit trail: appending to the hash chain, and verifying a chain next to raw hashlib over the same bytes.

1. ``record()`` appends, one transaction each, next to a plain INSERT of the same row (``PIAOPS_BENCH_AUDIT_APPEND``,
   default 500; quick 20);
2. ``verify_chain`` over a chain of ``PIAOPS_BENCH_AUDIT_N`` entries (default 200,000; quick 300; written in bulk
   with the hashes ``record()`` computes) next to ``hashlib.sha256`` over the same canonical bytes already in
   memory — the physical limit of the work. Goal on PostgreSQL (one statement, ``sha256()`` in the database, the
   fields checked against the text by the generated column ``fields_ok`` when each entry was written): at least 25%
   of hashlib's throughput (ratio ≤ 4×). On SQLite Python re-encodes each entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from bench.harness import Figure, database_url, interleaved, scale, setup_django

N = scale("PIAOPS_BENCH_AUDIT_N", 200_000, 300)
APPEND = scale("PIAOPS_BENCH_AUDIT_APPEND", 500, 20)


def _bulk_chain(municipality_id: int, n: int) -> None:
    """``n`` entries of one chain, hashed exactly as ``record()`` hashes them, inserted in bulk."""
    from django.db import connection, transaction
    from django.utils import timezone

    from piaops.audittrail.models import Action, AuditEntry
    from piaops.audittrail.services import GENESIS, _entry_payload, jsonable

    prev = GENESIS
    start = timezone.now() - dt.timedelta(days=365)
    rows: list[tuple[Any, ...]] = []
    for seq in range(1, n + 1):
        entry = AuditEntry(
            municipality_id=municipality_id,
            seq=seq,
            at=start + dt.timedelta(seconds=seq * 7, microseconds=seq % 1000),
            actor=None,
            actor_name=f"職員{seq % 997}",
            action=Action.UPDATE,
            object_type="tenancy.Person",
            object_id=str(seq % 15000),
            object_repr=f"札幌 太郎{seq % 15000}",
            summary="職員の所属を変更",
            before=jsonable({"unit_id": seq % 400, "title": "主事", "note": 'a"b\\c ｶﾅ'}),
            after=jsonable({"unit_id": (seq + 1) % 400, "title": "主任", "since": dt.date(2026, 4, 1)}),
            remote_addr="10.0.0.1",
            prev_hash=prev,
        )
        entry.canonical = _entry_payload(entry)
        entry.hash = hashlib.sha256(entry.canonical.encode("utf-8")).hexdigest()
        prev = entry.hash
        rows.append(entry)  # type: ignore[arg-type]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            import json

            columns = [
                "municipality_id", "seq", "at", "actor_id", "actor_name", "action", "object_type", "object_id",
                "object_repr", "summary", "before", "after", "remote_addr", "prev_hash", "hash", "canonical",
            ]  # fmt: skip
            with connection.cursor() as cursor:
                raw: Any = cursor.cursor
                with raw.copy(f"COPY audittrail_auditentry ({', '.join(columns)}) FROM STDIN") as copy:
                    for e in rows:
                        copy.write_row(
                            [getattr(e, c) for c in columns[:10]]
                            + [json.dumps(e.before, ensure_ascii=False), json.dumps(e.after, ensure_ascii=False)]
                            + [e.remote_addr, e.prev_hash, e.hash, e.canonical]
                        )
                cursor.execute("ANALYZE audittrail_auditentry")
        else:
            AuditEntry.objects.bulk_create(rows, batch_size=2000)  # type: ignore[arg-type]
        # No chain head: the database lets it move one entry at a time only; verify reads it with one query.


def run() -> list[Figure]:
    setup_django(database_url("audittrail"))
    from django.db import connection, transaction
    from django.utils import timezone

    from piaops.audittrail.models import Action, AuditEntry
    from piaops.audittrail.services import _first_break_in_database, record, verify_chain
    from piaops.tenancy.models import Municipality

    municipality, _ = Municipality.objects.get_or_create(code="011002", defaults={"name": "札幌市"})
    big = Municipality.objects.create(code="012025", name="函館市")
    after = {"name": "税政課", "code": "A210", "is_active": True, "path": "/3/17/"}

    def chained() -> None:
        for i in range(APPEND):
            with transaction.atomic():
                record(action=Action.UPDATE, municipality_id=municipality.pk, object_repr=f"row {i}", after=after)

    plain_seq = iter(range(10**9, 2 * 10**9))

    def plain() -> None:
        for i in range(APPEND):
            with transaction.atomic():
                AuditEntry.objects.create(
                    municipality=None,  # outside every chain: the same row, without head lock and hash
                    seq=next(plain_seq),
                    at=timezone.now(),
                    action=Action.UPDATE,
                    object_repr=f"row {i}",
                    after=after,
                    prev_hash="0" * 64,
                    hash="0" * 64,
                )

    append, insert = interleaved([chained, plain], repeat=3)
    _bulk_chain(big.pk, N)
    texts = [t.encode("utf-8") for t in AuditEntry.objects.filter(municipality=big).values_list("canonical", flat=True)]
    size = sum(len(t) for t in texts)

    def hashlib_only() -> None:
        for t in texts:
            hashlib.sha256(t).hexdigest()

    result = verify_chain(big.pk)
    assert result.ok and result.count == N, result
    if connection.vendor == "postgresql":
        assert _first_break_in_database(big.pk) is not None, "verify left the chain to Python"
    verify, raw = interleaved([lambda: verify_chain(big.pk), hashlib_only], repeat=3)
    path = "one SQL statement, sha256() in PostgreSQL" if connection.vendor == "postgresql" else "Python re-encoding"
    print(
        f"  verify: {size / verify / 1e6:,.1f} MB/s, hashlib {size / raw / 1e6:,.1f} MB/s: "
        f"{raw / verify * 100:.1f}% of hashlib's throughput ({connection.vendor}, {path})",
        flush=True,
    )
    return [
        Figure(
            name=f"record() {APPEND} chained appends, one transaction each ({connection.vendor})",
            ours=append,
            baseline=insert,
            baseline_name="plain INSERT of the same row",
            unit_count=APPEND,
            target="ours ≤ 3× baseline",
        ),
        Figure(
            name=f"verify_chain over {N:,} entries, {size / 1e6:,.1f} MB canonical ({connection.vendor}: {path})",
            ours=verify,
            baseline=raw,
            baseline_name="hashlib.sha256 over the same canonical bytes in memory",
            unit_count=N,
            target="≥ 25% of hashlib's throughput (ratio ≤ 4×) on PostgreSQL",
        ),
    ]
