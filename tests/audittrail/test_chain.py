"""The hash chain: stable across both databases, and every kind of tampering is found and named."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import CommandError

from piaops.audittrail.context import Actor, acting_as
from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.services import (
    entry_hash,
    record,
    record_create,
    record_delete,
    record_export,
    record_update,
    snapshot,
    verify_all,
    verify_chain,
)
from piaops.lib.mynumber import MASK
from tests import factories as f
from tests.audittrail.helpers import drop_triggers, execute
from tests.conftest import World


def _five(world: World) -> list[AuditEntry]:
    actor = Actor(user=world.admin_a, name="admin_a", remote_addr="10.0.0.1")
    return [
        record(action=Action.UPDATE, municipality_id=world.a.pk, obj=world.tax_a, after={"n": i}, actor=actor)
        for i in range(1, 6)
    ]


def _verify_command() -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("audit_log_verify", stdout=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


def test_awkward_values_rehash_identically_after_a_round_trip_through_the_database(world: World) -> None:
    awkward = {
        "日付": dt.date(2026, 3, 31),
        "at": dt.datetime(2026, 4, 1, 0, 30, 15, 123456, tzinfo=dt.UTC),
        "time": dt.time(8, 45),
        "amount": Decimal("1234.50"),
        "ratio": 0.1,
        "huge": 1e16,  # jsonb would print 10000000000000000
        "tiny": 1e-7,
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "nested": {"z": [1, 2, {"b": None, "a": True}], "a": "全角　空白"},
        "big": 2**62,
    }
    entry = record(action=Action.UPDATE, municipality_id=world.a.pk, before=awkward, after={"k": "v"})
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert entry_hash(stored) == stored.hash == entry.hash
    assert stored.before["amount"] == "1234.50" and stored.before["huge"] == "1e+16"
    assert stored.before["日付"] == "2026-03-31"
    assert verify_chain(world.a.pk).ok


def test_each_municipality_has_its_own_chain(world: World) -> None:
    _five(world)
    record(action=Action.LOGIN, municipality_id=world.b.pk, obj=world.user_b)
    record(action=Action.LOGIN_FAILED, municipality_id=None, object_repr="nobody")
    results = {r.municipality_id: r for r in verify_all()}
    assert {k: (r.ok, r.count) for k, r in results.items()} == {
        None: (True, 1),
        world.a.pk: (True, 5),
        world.b.pk: (True, 1),
    }
    assert AuditEntry.objects.get(municipality=world.b).seq == 1
    first, second = AuditEntry.objects.chain(world.a.pk)[:2]
    assert first.prev_hash == "0" * 64 and second.prev_hash == first.hash


def test_verify_prints_ok_with_the_count_of_each_chain(world: World) -> None:
    _five(world)
    record(action=Action.LOGIN, municipality_id=world.b.pk, obj=world.user_b)
    out, code = _verify_command()
    assert code == 0
    assert "OK 札幌市（011002）: 5件" in out
    assert "OK 東京都（130001）: 1件" in out


def test_an_edited_entry_is_named(world: World) -> None:
    entries = _five(world)
    drop_triggers()
    execute("UPDATE audittrail_auditentry SET after = %s WHERE id = %s", ['{"n": 99}', entries[2].pk])
    result = verify_chain(world.a.pk)
    assert (result.ok, result.broken_seq, result.count) == (False, 3, 2)
    assert "ハッシュと一致しません" in result.reason
    out, code = _verify_command()
    assert code == 1
    assert "NG 札幌市（011002）: 連番 3 — 記録の内容がハッシュと一致しません" in out


def test_an_entry_edited_with_its_hash_recomputed_breaks_the_next_link(world: World) -> None:
    entries = _five(world)
    drop_triggers()
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.summary = "書き換え"
    forged.hash = entry_hash(forged)
    execute(
        "UPDATE audittrail_auditentry SET summary = %s, hash = %s WHERE id = %s",
        [forged.summary, forged.hash, forged.pk],
    )
    result = verify_chain(world.a.pk)
    assert (result.ok, result.broken_seq) == (False, 3)
    assert "つながり" in result.reason


def test_a_deleted_middle_entry_is_named(world: World) -> None:
    entries = _five(world)
    drop_triggers()
    execute("DELETE FROM audittrail_auditentry WHERE id = %s", [entries[2].pk])
    result = verify_chain(world.a.pk)
    assert (result.ok, result.broken_seq) == (False, 3)
    out, code = _verify_command()
    assert code == 1
    assert "NG 札幌市（011002）: 連番 3 — 連番 3 の記録がありません" in out


def test_deleted_last_entries_are_named(world: World) -> None:
    entries = _five(world)
    drop_triggers()
    execute("DELETE FROM audittrail_auditentry WHERE id IN (%s, %s)", [entries[3].pk, entries[4].pk])
    result = verify_chain(world.a.pk)
    assert (result.ok, result.broken_seq, result.count) == (False, 4, 3)
    assert "連番 4〜5 の記録がありません" in result.reason
    out, code = _verify_command()
    assert code == 1 and "NG 札幌市（011002）: 連番 4" in out


def test_a_chain_emptied_entirely_is_broken(world: World) -> None:
    _five(world)
    drop_triggers()
    execute("DELETE FROM audittrail_auditentry WHERE municipality_id = %s", [world.a.pk])
    result = verify_chain(world.a.pk)
    assert (result.ok, result.broken_seq) == (False, 1)


def test_an_entry_moved_to_another_chain_is_found_in_both(world: World) -> None:
    entries = _five(world)
    record(action=Action.LOGIN, municipality_id=world.b.pk, obj=world.user_b)
    drop_triggers()
    execute("UPDATE audittrail_auditentry SET municipality_id = %s WHERE id = %s", [world.b.pk, entries[4].pk])
    results = {r.municipality_id: r for r in verify_all()}
    assert not results[world.a.pk].ok and results[world.a.pk].broken_seq == 5
    assert not results[world.b.pk].ok


def test_create_update_delete_helpers_record_snapshots_and_only_changed_fields(world: World) -> None:
    with acting_as(Actor(user=world.admin_a, name="admin_a")):
        party = f.party(world.a, "甲社", kind="contractor")
        created = record_create(party, municipality_id=world.a.pk)
        before = snapshot(party)
        party.note = "再委託あり"
        party.save()
        updated = record_update(party, before=before, municipality_id=world.a.pk)
        assert record_update(party, before=snapshot(party), municipality_id=world.a.pk) is None
        deleted = record_delete(party, municipality_id=world.a.pk)
    assert created.after["name"] == "甲社" and created.actor == world.admin_a
    assert updated is not None and (updated.before, updated.after) == ({"note": ""}, {"note": "再委託あり"})
    assert deleted.before["note"] == "再委託あり" and deleted.object_type == "tenancy.Party"
    assert "password" not in snapshot(world.admin_a)


def test_an_export_is_recorded_with_its_criteria(world: World) -> None:
    entry = record_export(
        municipality_id=world.a.pk, what="監査証跡", file_format="CSV", rows=12, criteria={"action": "login"}
    )
    assert entry.action == Action.EXPORT
    assert entry.summary == "監査証跡をCSVで出力（12件）"
    assert entry.after == {"format": "CSV", "rows": 12, "criteria": {"action": "login"}}


def test_the_trail_never_holds_a_my_number_even_if_a_caller_passes_one(world: World) -> None:
    entry = record(
        action=Action.LOGIN_FAILED,
        municipality_id=None,
        object_repr="1234 5678 9018",
        summary="user 123456789018",
        after={"note": "番号１２３４５６７８９０１８"},
        actor=Actor(user=None, name="123456789018"),
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor_name == MASK[:150] and stored.object_repr == MASK
    assert stored.summary == f"user {MASK}" and stored.after == {"note": f"番号{MASK}"}
    assert verify_chain(None).ok
