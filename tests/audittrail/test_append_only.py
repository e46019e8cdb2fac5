"""The database itself refuses to edit or delete the audit trail (SQLite and PostgreSQL triggers)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from piaops.audittrail.context import Actor
from piaops.audittrail.models import Action, AuditEntry, ChainHead
from piaops.audittrail.services import record
from tests.conftest import World

REFUSED = "監査証跡は追記のみです。変更・削除はできません。"
HEAD_REFUSED = "監査証跡の管理情報は変更・削除できません。"


@pytest.fixture
def entry(world: World) -> AuditEntry:
    return record(
        action=Action.UPDATE,
        municipality_id=world.a.pk,
        obj=world.tax_a,
        before={"name": "税制課"},
        after={"name": "税政課"},
        actor=Actor(user=world.admin_a, name="admin_a"),
    )


def _refused(message: str, fn: object) -> None:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        fn()  # type: ignore[operator]
    assert message in str(caught.value)


def test_an_orm_update_is_refused(entry: AuditEntry) -> None:
    _refused(REFUSED, lambda: AuditEntry.objects.filter(pk=entry.pk).update(after={"name": "改ざん"}))
    entry.after = {"name": "改ざん"}
    _refused(REFUSED, lambda: entry.save())
    entry.refresh_from_db()
    assert entry.after == {"name": "税政課"}


def test_an_orm_delete_is_refused(entry: AuditEntry) -> None:
    _refused(REFUSED, lambda: AuditEntry.objects.filter(pk=entry.pk).delete())
    _refused(REFUSED, lambda: AuditEntry.objects.all().delete())
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def _sql(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_raw_sql_update_and_delete_are_refused(entry: AuditEntry) -> None:
    _refused(REFUSED, lambda: _sql("UPDATE audittrail_auditentry SET summary = 'x' WHERE id = %s", [entry.pk]))
    _refused(REFUSED, lambda: _sql("DELETE FROM audittrail_auditentry WHERE id = %s", [entry.pk]))
    _refused(REFUSED, lambda: _sql("DELETE FROM audittrail_auditentry"))
    assert AuditEntry.objects.get(pk=entry.pk).summary == entry.summary


def test_truncate_is_refused_on_postgresql(entry: AuditEntry) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE statement (DELETE without WHERE is covered above)")
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # else PostgreSQL refuses first: the test's foreign keys are pending
    _refused(REFUSED, lambda: _sql("TRUNCATE audittrail_auditentry"))
    _refused(HEAD_REFUSED, lambda: _sql("TRUNCATE audittrail_chainhead"))


def test_the_chain_head_only_moves_forward(entry: AuditEntry, world: World) -> None:
    head = ChainHead.objects.get(municipality_id=world.a.pk)
    assert head.seq == 1
    _refused(HEAD_REFUSED, lambda: ChainHead.objects.filter(pk=head.pk).update(seq=0))
    _refused(HEAD_REFUSED, lambda: ChainHead.objects.filter(pk=head.pk).update(seq=5))
    _refused(HEAD_REFUSED, lambda: ChainHead.objects.filter(pk=head.pk).delete())
    _refused(HEAD_REFUSED, lambda: ChainHead.objects.create(municipality_id=999, seq=7, hash="f" * 64))
    record(action=Action.LOGIN, municipality_id=world.a.pk, obj=world.admin_a)
    assert ChainHead.objects.get(pk=head.pk).seq == 2


def test_inserting_is_what_the_trail_is_for(entry: AuditEntry, world: World) -> None:
    record(action=Action.LOGOUT, municipality_id=world.a.pk, obj=world.admin_a)
    assert list(AuditEntry.objects.chain(world.a.pk).values_list("seq", flat=True)) == [1, 2]
