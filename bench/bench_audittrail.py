"""Audit trail: appending to the hash chain and verifying it, next to plain inserts and a plain read.

Size: ``PIAOPS_BENCH_AUDIT_N`` entries (default 500).
"""

from __future__ import annotations

import os

from bench.harness import Figure, median_seconds, setup_django

N = int(os.environ.get("PIAOPS_BENCH_AUDIT_N", "500"))


def run() -> list[Figure]:
    setup_django()
    from django.db import transaction
    from django.utils import timezone

    from piaops.audittrail.models import Action, AuditEntry
    from piaops.audittrail.services import record, verify_chain
    from piaops.tenancy.models import Municipality

    municipality, _ = Municipality.objects.get_or_create(code="011002", defaults={"name": "札幌市"})
    after = {"name": "税政課", "code": "A210", "is_active": True, "path": "/3/17/"}

    def chained() -> None:
        for i in range(N):
            with transaction.atomic():
                record(action=Action.UPDATE, municipality_id=municipality.pk, object_repr=f"row {i}", after=after)

    plain_seq = iter(range(10**9, 2 * 10**9))

    def plain() -> None:
        for i in range(N):
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

    append = median_seconds(chained, repeat=3)
    insert = median_seconds(plain, repeat=3)
    size = AuditEntry.objects.filter(municipality=municipality).count()
    verify = median_seconds(lambda: verify_chain(municipality.pk), repeat=3)
    read = median_seconds(lambda: list(AuditEntry.objects.chain(municipality.pk).iterator(chunk_size=2000)), repeat=3)
    return [
        Figure(
            name=f"record() {N} chained appends, one transaction each",
            ours=append,
            baseline=insert,
            baseline_name="plain INSERT of the same row",
            unit_count=N,
            target="ours ≤ 3× baseline",
        ),
        Figure(
            name=f"verify_chain over {size} entries",
            ours=verify,
            baseline=read,
            baseline_name="reading the same rows",
            unit_count=size,
            target="ours ≤ 3× baseline",
        ),
    ]
