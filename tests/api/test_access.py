"""The user's roles and municipality apply exactly as on the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from piaops.incidents import services as incident_services
from piaops.tenancy.models import Assignment, EmploymentType, Party, Person, Work
from tests.api.conftest import TokenFor
from tests.conftest import World

LISTS = ["/tenancy/units", "/tenancy/people", "/tenancy/works", "/tenancy/parties", "/incidents/incidents"]


@pytest.fixture
def objects_a(world: World) -> dict[str, int]:
    a = world.a
    person = Person.objects.create(
        municipality=a, staff_number="A0001", name="札幌 太郎", employment_type=EmploymentType.REGULAR
    )
    Assignment.objects.create(municipality=a, person=person, unit=world.tax_section_a, start_date=dt.date(2024, 4, 1))
    other = Person.objects.create(
        municipality=a, staff_number="A0002", name="保険 花子", employment_type=EmploymentType.REGULAR
    )
    Assignment.objects.create(municipality=a, person=other, unit=world.other_a, start_date=dt.date(2024, 4, 1))
    work = Work.objects.create(municipality=a, name="地方税賦課徴収事務")
    party = Party.objects.create(municipality=a, name="J-LIS", kind=Party.Kind.INTERMEDIATE_SERVER)
    incident = incident_services.incident_record(
        municipality=a, user=world.admin_a, title="誤送付", description="通知書の誤送付", detected_at=timezone.now()
    )
    return {
        "/tenancy/units": world.tax_a.pk,
        "/tenancy/people": person.pk,
        "/tenancy/works": work.pk,
        "/tenancy/parties": party.pk,
        "/incidents/incidents": incident.pk,
        "other_person": other.pk,
    }


def test_an_outsider_gets_404_for_every_object_and_sees_nothing_of_the_other_tenant(
    world: World, objects_a: dict[str, int], token_for: TokenFor
) -> None:
    outsider = token_for(world.user_b)
    for path in LISTS:
        assert outsider.get(f"{path}/{objects_a[path]}").status_code == 404, path
        body = outsider.get(path, limit=200).json()
        ids = {item["id"] for item in body["items"]}
        assert objects_a[path] not in ids, path
    units = outsider.get("/tenancy/units").json()["items"]
    assert [u["name"] for u in units] == ["総務局"] and units[0]["id"] == world.root_b.pk
    assert outsider.get("/tenancy/municipality").json()["code"] == "130001"
    note = outsider.post(f"/incidents/incidents/{objects_a['/incidents/incidents']}/timeline", {"text": "覗き見"})
    assert note.status_code == 404
    assert note.json()["error"]["code"] == "not_found"


def test_the_insider_reads_each_object(world: World, objects_a: dict[str, int], token_for: TokenFor) -> None:
    admin = token_for(world.admin_a)
    for path in LISTS:
        assert admin.get(f"{path}/{objects_a[path]}").json()["id"] == objects_a[path]
    person = admin.get(f"/tenancy/people/{objects_a['/tenancy/people']}").json()
    assert [a["unit_id"] for a in person["assignments"]] == [world.tax_section_a.pk]


def test_a_unit_head_sees_only_people_of_their_subtree(
    world: World, objects_a: dict[str, int], token_for: TokenFor
) -> None:
    head = token_for(world.head_a)
    ids = {p["id"] for p in head.get("/tenancy/people").json()["items"]}
    assert ids == {objects_a["/tenancy/people"]}
    assert head.get(f"/tenancy/people/{objects_a['other_person']}").status_code == 403


def test_a_read_only_role_gets_403_on_writes(world: World, objects_a: dict[str, int], token_for: TokenFor) -> None:
    viewer = token_for(world.viewer_a)
    created = viewer.post(
        "/incidents/incidents", {"title": "件名", "description": "内容", "detected_at": "2026-04-01T09:00:00+09:00"}
    )
    assert created.status_code == 403
    assert created.json()["error"]["code"] == "forbidden"
    note = viewer.post(f"/incidents/incidents/{objects_a['/incidents/incidents']}/timeline", {"text": "メモ"})
    assert note.status_code == 403


def test_an_incident_and_a_timeline_entry_are_recorded(world: World, token_for: TokenFor) -> None:
    head = token_for(world.head_a)
    created = head.post(
        "/incidents/incidents",
        {
            "title": "USBメモリの紛失",
            "description": "課税資料を保存した媒体の所在不明",
            "detected_at": "2026-04-01T09:00:00+09:00",
            "reporting_unit_id": world.tax_a.pk,
            "personal_info_involved": True,
            "lost": True,
            "public_exposure": True,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ppc_prompt_due"] is not None
    assert body["ppc_report_required"] is True and "第3号" in body["ppc_report_decision"]
    note = head.post(f"/incidents/incidents/{body['id']}/timeline", {"text": "庁舎内を捜索中"})
    assert note.status_code == 201
    detail = head.get(f"/incidents/incidents/{body['id']}").json()
    assert [e["text"] for e in detail["timeline"]][-1] == "庁舎内を捜索中"
