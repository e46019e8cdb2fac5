from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from piaops.audittrail.models import Action
from piaops.tenancy.models import Assignment, EmploymentType, Person
from tests import factories as f
from tests.conftest import World
from tests.tenancy.helpers import body, last_entry

TODAY = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


def person_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "staff_number": "S900001",
        "name": "北海 花子",
        "name_kana": "ホッカイ ハナコ",
        "employment_type": EmploymentType.REGULAR,
        "email": "hanako@example.jp",
        "employed_from": "2025-04-01",
        "employed_to": "",
        "party": "",
    }
    data.update(overrides)
    return data


def roster(world: World) -> dict[str, Person]:
    """Three people: one in 税制係 (under 税政課), one in 保険年金課, one who left 税政課 last year."""
    in_tax = f.person(world.a, name="税制 一郎", staff_number="S1")
    f.assignment(in_tax, world.tax_section_a, start=dt.date(2024, 4, 1), handles=True)
    in_pension = f.person(world.a, name="年金 次郎", staff_number="S2", employment_type=EmploymentType.FISCAL_YEAR)
    f.assignment(in_pension, world.other_a, start=dt.date(2024, 4, 1), handles=False)
    left = f.person(world.a, name="転出 三郎", staff_number="S3")
    f.assignment(left, world.tax_a, start=dt.date(2020, 4, 1), end=dt.date(2024, 3, 31))
    f.assignment(left, world.other_a, start=dt.date(2024, 4, 1))
    outsider = f.person(world.b, name="東京 四郎", staff_number="S1")
    f.assignment(outsider, world.root_b)
    return {"tax": in_tax, "pension": in_pension, "left": left, "outsider": outsider}


# --- list ---------------------------------------------------------------------------------------------------


@time_machine.travel(TODAY)
def test_the_admin_sees_every_person_of_the_municipality_only(as_admin: Client, world: World) -> None:
    roster(world)
    page = body(as_admin, "/tenancy/people/")
    assert "税制 一郎" in page and "年金 次郎" in page and "転出 三郎" in page
    assert "東京 四郎" not in page
    assert "3人" in page


@time_machine.travel(TODAY)
def test_a_unit_head_sees_only_the_people_of_their_subtree(as_head: Client, world: World) -> None:
    people = roster(world)
    page = body(as_head, "/tenancy/people/")
    assert "税制 一郎" in page
    assert "年金 次郎" not in page and "転出 三郎" not in page
    assert as_head.get(f"/tenancy/people/{people['tax'].pk}/").status_code == 200
    assert as_head.get(f"/tenancy/people/{people['pension'].pk}/").status_code == 403
    assert as_head.get(f"/tenancy/people/{people['left'].pk}/").status_code == 403


@time_machine.travel(TODAY)
def test_the_list_filters_by_unit_subtree_type_and_handling(as_admin: Client, world: World) -> None:
    roster(world)
    by_unit = body(as_admin, "/tenancy/people/", unit=world.tax_a.pk)
    assert "税制 一郎" in by_unit and "年金 次郎" not in by_unit and "転出 三郎" not in by_unit
    by_type = body(as_admin, "/tenancy/people/", employment_type=EmploymentType.FISCAL_YEAR)
    assert "年金 次郎" in by_type and "税制 一郎" not in by_type
    handling = body(as_admin, "/tenancy/people/", handles="yes")
    assert "税制 一郎" in handling and "年金 次郎" not in handling
    not_handling = body(as_admin, "/tenancy/people/", handles="no")
    assert "税制 一郎" not in not_handling and "年金 次郎" in not_handling
    by_name = body(as_admin, "/tenancy/people/", q="次郎")
    assert "年金 次郎" in by_name and "税制 一郎" not in by_name


@time_machine.travel(TODAY)
def test_a_unit_of_another_municipality_is_not_a_valid_filter(as_admin: Client, world: World) -> None:
    roster(world)
    page = body(as_admin, "/tenancy/people/", unit=world.root_b.pk)
    assert "正しく選択してください" in page and "東京 四郎" not in page and "税制 一郎" not in page


def test_a_my_number_typed_into_the_search_box_is_refused(as_admin: Client, world: World) -> None:
    page = body(as_admin, "/tenancy/people/", q="123456789018")
    assert "個人番号と思われる12桁の数字" in page


@time_machine.travel(TODAY)
def test_the_list_is_paginated(as_admin: Client, world: World) -> None:
    for i in range(55):
        f.person(world.a, name=f"職員{i:02d}", staff_number=f"P{i:03d}")
    first = body(as_admin, "/tenancy/people/")
    assert "職員00" in first and "職員50" not in first and "1 / 2 ページ" in first
    second = body(as_admin, "/tenancy/people/", page=2)
    assert "職員50" in second and "職員00" not in second


@time_machine.travel(TODAY)
def test_the_list_makes_the_same_number_of_queries_for_many_rows(as_admin: Client, world: World) -> None:
    def add(n: int, offset: int) -> None:
        party = f.party(world.a, f"委託先{offset}", kind="contractor")
        for i in range(n):
            p = f.person(world.a, staff_number=f"Q{offset + i:04d}", party=party)
            f.assignment(p, world.tax_a, start=dt.date(2024, 4, 1))
            f.assignment(p, world.other_a, start=dt.date(2024, 4, 1), handles=False)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_admin.get("/tenancy/people/").status_code == 200
        return len(ctx.captured_queries)

    add(2, 0)
    few = count()
    add(40, 100)
    assert count() == few


# --- detail -------------------------------------------------------------------------------------------------


@time_machine.travel(TODAY)
def test_the_detail_shows_the_assignment_history(as_viewer: Client, world: World) -> None:
    people = roster(world)
    page = body(as_viewer, f"/tenancy/people/{people['left'].pk}/")
    assert "税政課" in page and "保険年金課" in page and "終了" in page and "現在" in page
    assert "/edit/" not in page and "配属を登録" not in page


def test_another_municipalitys_person_answers_404(as_outsider: Client, world: World) -> None:
    person = f.person(world.a)
    assignment = f.assignment(person, world.tax_a)
    for url in (
        f"/tenancy/people/{person.pk}/",
        f"/tenancy/people/{person.pk}/edit/",
        f"/tenancy/people/{person.pk}/assignments/new/",
        f"/tenancy/assignments/{assignment.pk}/end/",
    ):
        assert as_outsider.get(url).status_code == 404, url
    assert as_outsider.post(f"/tenancy/assignments/{assignment.pk}/end/", {"end_date": "2025-01-01"}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.end_date is None


# --- create / edit ------------------------------------------------------------------------------------------


def test_the_admin_registers_a_person_and_it_is_audited(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/people/new/", person_data())
    assert response.status_code == 302
    person = Person.objects.get(municipality=world.a, staff_number="S900001")
    assert response["Location"] == f"/tenancy/people/{person.pk}/"
    entry = last_entry(person)
    assert entry.action == Action.CREATE and entry.after["name"] == "北海 花子"
    assert entry.after["employed_from"] == "2025-04-01"


def test_it_refuses_a_staff_number_already_used(as_admin: Client, world: World) -> None:
    f.person(world.a, staff_number="S900001")
    response = as_admin.post("/tenancy/people/new/", person_data())
    assert "この職員番号は既に使われています。" in response.content.decode()
    assert Person.objects.filter(municipality=world.a).count() == 1


def test_it_refuses_an_employment_that_ends_before_it_starts(as_admin: Client, world: World) -> None:
    response = as_admin.post("/tenancy/people/new/", person_data(employed_to="2025-03-31"))
    assert "任用終了日は任用開始日以降の日付を入力してください。" in response.content.decode()
    assert not Person.objects.exists()


def test_it_refuses_a_party_of_another_municipality(as_admin: Client, world: World) -> None:
    other = f.party(world.b, "東京の委託先", kind="contractor")
    response = as_admin.post("/tenancy/people/new/", person_data(party=other.pk))
    assert "正しく選択してください" in response.content.decode()
    assert not Person.objects.exists()


def test_the_admin_edits_a_person_with_before_and_after(as_admin: Client, world: World) -> None:
    person = f.person(world.a, name="旧姓 花子", staff_number="S900001")
    response = as_admin.post(f"/tenancy/people/{person.pk}/edit/", person_data(name="新姓 花子"))
    assert response.status_code == 302
    entry = last_entry(person)
    assert entry.action == Action.UPDATE
    assert entry.before["name"] == "旧姓 花子" and entry.after["name"] == "新姓 花子"


def test_read_only_roles_cannot_register_or_edit_people(
    as_viewer: Client, as_auditor: Client, as_head: Client, world: World
) -> None:
    person = f.person(world.a, name="札幌 太郎")
    f.assignment(person, world.tax_a)
    for client in (as_viewer, as_auditor, as_head):
        assert client.post("/tenancy/people/new/", person_data()).status_code == 403
        assert client.post(f"/tenancy/people/{person.pk}/edit/", person_data(name="X")).status_code == 403
    person.refresh_from_db()
    assert person.name == "札幌 太郎" and Person.objects.count() == 1


# --- assignments --------------------------------------------------------------------------------------------


def assignment_data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "unit": world.tax_a.pk,
        "title": "主査",
        "start_date": "2025-04-01",
        "end_date": "",
        "handles_specific_personal_info": "on",
    }
    data.update(overrides)
    return data


def test_the_admin_adds_an_assignment(as_admin: Client, world: World) -> None:
    person = f.person(world.a)
    response = as_admin.post(f"/tenancy/people/{person.pk}/assignments/new/", assignment_data(world))
    assert response.status_code == 302
    assignment = Assignment.objects.get(person=person)
    assert assignment.unit == world.tax_a and assignment.handles_specific_personal_info
    assert assignment.municipality_id == world.a.pk
    entry = last_entry(assignment)
    assert entry.action == Action.CREATE and entry.after["unit_id"] == world.tax_a.pk


def test_it_refuses_an_assignment_that_ends_before_it_starts(as_admin: Client, world: World) -> None:
    person = f.person(world.a)
    data = assignment_data(world, end_date="2025-03-31")
    response = as_admin.post(f"/tenancy/people/{person.pk}/assignments/new/", data)
    assert "終了日は開始日以降の日付を入力してください。" in response.content.decode()
    assert not Assignment.objects.exists()


def test_it_refuses_an_assignment_to_a_unit_of_another_municipality(as_admin: Client, world: World) -> None:
    person = f.person(world.a)
    data = assignment_data(world, unit=world.root_b.pk)
    response = as_admin.post(f"/tenancy/people/{person.pk}/assignments/new/", data)
    assert "正しく選択してください" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_admin_ends_an_assignment(as_admin: Client, world: World) -> None:
    assignment = f.assignment(f.person(world.a), world.tax_a, start=dt.date(2024, 4, 1))
    response = as_admin.post(f"/tenancy/assignments/{assignment.pk}/end/", {"end_date": "2025-03-31"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.end_date == dt.date(2025, 3, 31)
    entry = last_entry(assignment)
    assert entry.before == {"end_date": None} and entry.after == {"end_date": "2025-03-31"}


def test_an_assignment_cannot_end_before_it_started(as_admin: Client, world: World) -> None:
    assignment = f.assignment(f.person(world.a), world.tax_a, start=dt.date(2024, 4, 1))
    response = as_admin.post(f"/tenancy/assignments/{assignment.pk}/end/", {"end_date": "2024-03-31"})
    assert "終了日は開始日以降の日付を入力してください。" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_an_assignment_may_end_on_its_first_day(as_admin: Client, world: World) -> None:
    assignment = f.assignment(f.person(world.a), world.tax_a, start=dt.date(2024, 4, 1))
    as_admin.post(f"/tenancy/assignments/{assignment.pk}/end/", {"end_date": "2024-04-01"})
    assignment.refresh_from_db()
    assert assignment.end_date == dt.date(2024, 4, 1)


def test_read_only_roles_cannot_change_assignments(as_viewer: Client, as_head: Client, world: World) -> None:
    person = f.person(world.a)
    assignment = f.assignment(person, world.tax_a)
    for client in (as_viewer, as_head):
        url = f"/tenancy/people/{person.pk}/assignments/new/"
        assert client.post(url, assignment_data(world)).status_code == 403
        assert client.post(f"/tenancy/assignments/{assignment.pk}/end/", {"end_date": "2025-01-01"}).status_code == 403
    assert Assignment.objects.count() == 1
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_a_contractor_sees_no_people(world: World) -> None:
    party = f.party(world.a, "委託先A", kind="contractor")
    client = Client()
    client.force_login(f.user(world.a, "contractor_a", f.Role.CONTRACTOR, party=party))
    assert client.get("/tenancy/people/").status_code == 403
    assert "/tenancy/people/" not in body(client, "/tenancy/")
    assert client.get("/tenancy/units/").status_code == 200


@time_machine.travel(TODAY)
def test_an_auditor_sees_everyone_and_the_head_sees_their_subtree_filter_only(
    as_auditor: Client, as_head: Client, world: World
) -> None:
    roster(world)
    assert "年金 次郎" in body(as_auditor, "/tenancy/people/")
    head_page = body(as_head, "/tenancy/people/")
    assert f'<option value="{world.tax_section_a.pk}">' in head_page
    assert f'<option value="{world.other_a.pk}">' not in head_page
