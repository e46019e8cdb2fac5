"""Server rooms over the API: areas and a month's exceptions, tenant-isolated; door logs imported all or nothing."""

from __future__ import annotations

import base64
import datetime as dt

from piaops.api.models import Scope
from piaops.areas.models import Area, DoorEvent, DoorLogImport, DoorLogMapping
from piaops.audittrail.models import Action, AuditEntry
from tests.api.conftest import TokenFor
from tests.conftest import World

MY_NUMBER = "123456789018"  # published test vector (valid check digit)


def test_areas_and_a_month_are_read_and_an_outsider_sees_none(world: World, token_for: TokenFor) -> None:
    area = Area.objects.create(municipality=world.a, name="本庁舎サーバー室", code="SR1", managing_unit=world.tax_a)
    admin = token_for(world.admin_a)
    assert [a["code"] for a in admin.get("/areas/areas").json()["items"]] == ["SR1"]
    assert admin.get(f"/areas/areas/{area.pk}").json()["hours_start"] == dt.time(8, 0).isoformat()
    month = admin.get(f"/areas/areas/{area.pk}/months/2026/4").json()
    assert month["month"] == "2026-04-01" and month["exceptions"] == [] and month["review_status"] == ""
    outsider = token_for(world.user_b)
    assert outsider.get("/areas/areas").json()["items"] == []
    assert outsider.get(f"/areas/areas/{area.pk}").status_code == 404
    assert outsider.get(f"/areas/areas/{area.pk}/months/2026/4").status_code == 404
    assert admin.get(f"/areas/areas/{area.pk}/months/2026/13").status_code == 400


LOG = "日時,カード番号,入退\n2026-11-02 08:15:00,A1,入室\n2026/11/02 9:05,A1,退室\n"


def _area(world: World) -> Area:
    return Area.objects.create(municipality=world.a, name="本庁舎サーバー室", code="SR1", managing_unit=world.tax_a)


def test_a_door_log_is_checked_then_imported_whole(world: World, token_for: TokenFor) -> None:
    area = _area(world)
    admin = token_for(world.admin_a)
    checked = admin.post(f"/areas/areas/{area.pk}/door-logs", {"content": LOG, "dry_run": True})
    assert checked.status_code == 200, checked.content
    assert (checked.json()["id"], checked.json()["rows"]) == (None, 2)
    assert not DoorEvent.objects.exists()
    saved = admin.post(f"/areas/areas/{area.pk}/door-logs", {"content": LOG, "file_name": "gate.csv"})
    assert saved.status_code == 201
    batch = DoorLogImport.objects.get(pk=saved.json()["id"])
    assert (batch.area, batch.rows, batch.imported_by) == (area, 2, world.admin_a)
    assert DoorEvent.objects.filter(batch=batch).count() == 2
    assert AuditEntry.objects.filter(action=Action.IMPORT, object_id=str(batch.pk)).exists()
    # Another column layout through a saved mapping; a CP932 file as base64.
    mapping = DoorLogMapping.objects.create(
        municipality=world.a, name="B社", timestamp_column="通過日時", card_column="ID", direction_column="区分"
    )
    cp932 = "通過日時,ID,区分\n2026-11-03 08:00,B1,入\n".encode("cp932")
    other = admin.post(
        f"/areas/areas/{area.pk}/door-logs",
        {"content_base64": base64.b64encode(cp932).decode(), "mapping_id": mapping.pk},
    )
    assert other.status_code == 201 and other.json()["rows"] == 1


def test_a_bad_door_log_names_every_bad_line_and_saves_nothing(world: World, token_for: TokenFor) -> None:
    area = _area(world)
    content = LOG + "02.11.2026 08:15,A1,入室\n2026-11-02 08:20,,退室\n" + f"2026-11-02 08:30,{MY_NUMBER},入室\n"
    response = token_for(world.admin_a).post(f"/areas/areas/{area.pk}/door-logs", {"content": content})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected" and "誤り 3 件" in error["message"]
    assert [(d["line"], d["message"]) for d in error["details"][:2]] == [
        (4, "4行目：日時を読み取れません（例：2026-11-02 08:15:00 または 2026/11/02 8:15）。"),
        (5, "5行目：カード番号が空です。"),
    ]
    assert "個人番号" in error["details"][2]["message"]
    assert MY_NUMBER not in response.content.decode()
    assert not DoorEvent.objects.exists() and not DoorLogImport.objects.exists()


def test_door_log_import_refuses_outsiders_read_only_personas_and_read_scope_tokens(
    world: World, token_for: TokenFor
) -> None:
    area = _area(world)
    outsider = token_for(world.user_b).post(f"/areas/areas/{area.pk}/door-logs", {"content": LOG})
    assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "not_found"
    b_mapping = DoorLogMapping.objects.create(municipality=world.b, name="標準")
    foreign = token_for(world.admin_a).post(
        f"/areas/areas/{area.pk}/door-logs", {"content": LOG, "mapping_id": b_mapping.pk}
    )
    assert foreign.status_code == 404
    for api in (token_for(world.viewer_a), token_for(world.admin_a, Scope.READ), token_for(world.head_a)):
        assert api.post(f"/areas/areas/{area.pk}/door-logs", {"content": LOG}).status_code == 403
    assert not DoorLogImport.objects.exists()
