"""The audit-log page, with the personas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import time_machine
from django.test import Client
from django.utils import timezone

from piaops.audittrail.context import Actor
from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.services import record, record_create
from piaops.core.models import SentReminder
from tests.conftest import World

URL = "/audit-log/"


def _history(world: World) -> tuple[AuditEntry, AuditEntry]:
    """An update by admin_a on 2026-04-01 and a log-in of head_a on 2026-05-10 in A; a creation in B.

    (The ``as_*`` fixtures log in too, today: those entries are in the trail as well.)
    """
    admin = Actor(user=world.admin_a, name="admin_a", remote_addr="10.1.2.3")
    head = Actor(user=world.head_a, name="head_a")
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        update = record(
            action=Action.UPDATE,
            municipality_id=world.a.pk,
            obj=world.tax_a,
            before={"name": "税制課"},
            after={"name": "税政課"},
            actor=admin,
            summary="組織名の訂正",
        )
    with time_machine.travel(dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        login = record(action=Action.LOGIN, municipality_id=world.a.pk, obj=world.head_a, actor=head)
    record(
        action=Action.CREATE,
        municipality_id=world.b.pk,
        obj=world.root_b,
        after={"name": "東京都の秘密の組織"},
        actor=Actor(user=world.user_b, name="user_b"),
    )
    return update, login


def test_admin_sees_entries_with_their_before_and_after(world: World, as_admin: Client) -> None:
    _history(world)
    response = as_admin.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "組織名の訂正" in body
    assert '<th scope="row">組織名</th><td><del>税制課</del></td><td><ins>税政課</ins></td>' in body
    assert "3件" in body  # and admin_a's own log-in
    assert "東京都の秘密の組織" not in body


def test_auditor_may_browse_too(world: World, as_auditor: Client) -> None:
    _history(world)
    assert as_auditor.get(URL).status_code == 200


def test_unit_head_and_viewer_are_refused(world: World, as_head: Client, as_viewer: Client) -> None:
    assert as_head.get(URL).status_code == 403
    response = as_viewer.get(URL)
    assert response.status_code == 403
    assert "この操作を行う権限がありません" in response.content.decode()
    assert as_viewer.get(URL + "export.csv").status_code == 403


def test_an_outsider_sees_only_their_own_municipality(world: World, as_outsider: Client) -> None:
    _history(world)
    body = as_outsider.get(URL).content.decode()
    assert "東京都の秘密の組織" in body
    assert "組織名の訂正" not in body and "税政課" not in body and "head_a" not in body
    # Another tenant's user cannot even be chosen as a filter.
    response = as_outsider.get(URL, {"actor": world.admin_a.pk})
    assert "組織名の訂正" not in response.content.decode()
    assert "正しく選択してください" in response.content.decode()
    rows = list(csv.reader(io.StringIO(as_outsider.get(URL + "export.csv").getvalue().decode("utf-8-sig"))))
    assert all("税政課" not in ",".join(r) for r in rows)


def test_filters_narrow_by_date_actor_action_type_and_text(world: World, as_admin: Client) -> None:
    update, login = _history(world)

    def shown(**params: object) -> set[int]:
        response = as_admin.get(URL, params)
        return {e.pk for e, _, _ in response.context["rows"]} & {update.pk, login.pk}

    assert shown() == {update.pk, login.pk}
    assert shown(date_from="2026-05-01") == {login.pk}
    assert shown(date_to="2026-04-30") == {update.pk}
    assert shown(date_from="2026-04-02", date_to="2026-05-09") == set()
    assert shown(actor=world.head_a.pk) == {login.pk}
    assert shown(action="update") == {update.pk}
    assert shown(object_type="tenancy.OrgUnit") == {update.pk}
    assert shown(q="訂正") == {update.pk}
    assert shown(q="10.1.2.3") == {update.pk}
    response = as_admin.get(URL, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert "期間（まで）は期間（から）以降の日付を入力してください。" in response.content.decode()


def test_a_my_number_typed_as_keyword_is_refused_and_not_echoed(world: World, as_admin: Client) -> None:
    body = as_admin.get(URL, {"q": "1234-5678-9018", "page": "2"}).content.decode()
    assert "「キーワード」に個人番号と思われる12桁の数字が含まれています。" in body
    assert "1234-5678-9018" not in body and "123456789018" not in body


def test_the_list_is_paginated(world: World, as_admin: Client) -> None:
    for _ in range(55):
        record(action=Action.LOGIN, municipality_id=world.a.pk, obj=world.admin_a)
    first = as_admin.get(URL, {"action": "login"})
    assert len(first.context["rows"]) == 50
    assert "?action=login&amp;page=2" in first.content.decode()
    second = as_admin.get(URL, {"action": "login", "page": 2})
    assert len(second.context["rows"]) == 6  # 55 + admin_a's own log-in
    assert [e.seq for e, _, _ in second.context["rows"]] == [6, 5, 4, 3, 2, 1]


def test_the_csv_export_is_itself_recorded(world: World, as_admin: Client) -> None:
    update, _ = _history(world)
    response = as_admin.get(URL + "export.csv", {"action": "update"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff連番,日時,実行者")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == [str(update.seq)]
    assert rows[1][1] == "2026-04-01 18:00:00"  # Japan time
    export = AuditEntry.objects.filter(action=Action.EXPORT).get()
    assert export.municipality_id == world.a.pk and export.actor == world.admin_a
    assert export.after == {"format": "CSV", "rows": 1, "criteria": {"action": "update"}}


def test_an_export_entry_names_its_items_in_japanese(world: World, as_admin: Client) -> None:
    """An export describes an action, not a model: its keys still show as 形式, 件数 and 条件, never raw."""
    as_admin.get(URL + "export.csv", {"action": "update"})
    body = as_admin.get(URL, {"action": "export"}).content.decode()
    for label in ("形式", "件数", "条件"):
        assert f'<th scope="row">{label}</th>' in body
    for key in ("format", "rows", "criteria"):
        assert f'<th scope="row">{key}</th>' not in body


def test_csv_cells_that_look_like_formulas_are_defused(world: World, as_admin: Client) -> None:
    record(action=Action.UPDATE, municipality_id=world.a.pk, object_repr='=HYPERLINK("x")', summary="+1")
    response = as_admin.get(URL + "export.csv", {"action": "update"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[1][6] == '\'=HYPERLINK("x")' and rows[1][7] == "'+1"


def test_the_nav_links_to_the_page_for_those_who_may_see_it(world: World, as_admin: Client) -> None:
    assert 'href="/audit-log/"' in as_admin.get("/").content.decode()


def test_entries_of_a_moved_model_keep_its_name_and_are_found_with_the_new_ones(
    world: World, as_admin: Client, as_outsider: Client
) -> None:
    """Reminders were recorded as ``findings.SentReminder`` before the ledger moved to core: the stored label (part of
    the hash) stays, yet the page names the model and filters old and new entries together."""
    sent = SentReminder.objects.create(
        municipality=world.a, key="followup:1:before-5", sent_at=timezone.now(), subject="改善計画の期限"
    )
    old = record(
        action=Action.CREATE,
        municipality_id=world.a.pk,
        object_type="findings.SentReminder",
        object_id="1",
        object_repr="followup:1:before-3",
        after={"subject": "期限の3開庁日前"},
    )
    new = record_create(sent, municipality_id=world.a.pk, summary="リマインダーを送信")
    assert new.object_type == "core.SentReminder"
    response = as_admin.get(URL)
    body = response.content.decode()
    choices = [c for c in response.context["form"].fields["object_type"].choices if "SentReminder" in c[0]]
    assert choices == [("core.SentReminder", "送信済みリマインダー")]
    assert "findings.SentReminder" not in body
    assert '<th scope="row">件名</th><td><del></del></td><td><ins>期限の3開庁日前</ins></td>' in body
    shown = {e.pk for e, _, _ in as_admin.get(URL, {"object_type": "core.SentReminder"}).context["rows"]}
    assert shown == {old.pk, new.pk}
    assert "followup:1:before" not in as_outsider.get(URL).content.decode()


def test_every_kind_of_record_is_named_in_japanese(world: World, as_admin: Client) -> None:
    """The 対象の種類 filter lists what was recorded: never a class name like ``door log import``."""
    from django.apps import apps

    for model in apps.get_models():
        if model.__module__.startswith("piaops."):
            assert not str(model._meta.verbose_name).isascii(), model._meta.label
    for object_type in ("areas.DoorLogImport", "tenancy.PeopleImport"):
        record(action=Action.IMPORT, municipality_id=world.a.pk, object_type=object_type, object_id="1")
    labels = dict(as_admin.get(URL).context["form"].fields["object_type"].choices)
    assert labels["areas.DoorLogImport"] == "入退室ログの取込"
    assert labels["tenancy.PeopleImport"] == "組織・職員の取込"
