"""Training over the API: reads as the pages allow them, attendance recorded one by one or imported all or nothing."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from piaops.api.framework import CursorPagination, value_columns
from piaops.api.models import Scope
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Person
from piaops.training.models import Course, Record, Requirement, Session, Trigger
from tests import factories as f
from tests.api.conftest import TokenFor
from tests.conftest import World
from tests.training import makers as t

MY_NUMBER = "123456789018"  # published test vector (valid check digit)
TODAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@dataclass
class Training:
    course: Course
    session: Session
    requirement: Requirement
    taxman: Person  # in 税制係 (head_a's subtree), trained
    nurse: Person  # in 保険年金課 (outside it), untrained
    record: Record


@pytest.fixture
def training(world: World) -> Training:
    course = t.course(world.a, code="SEC1", title="情報セキュリティ研修")
    session = Session.objects.create(municipality=world.a, course=course, date=dt.date(2026, 4, 10), place="本庁舎")
    requirement = t.requirement(world.a, course, Trigger.INITIAL, name="初任者研修", within_days=30)
    taxman = f.person(world.a, name="税務 一郎", staff_number="1001", employed_from=dt.date(2026, 4, 1))
    nurse = f.person(world.a, name="保険 花子", staff_number="1002", employed_from=dt.date(2026, 4, 1))
    f.assignment(taxman, world.tax_section_a, start=dt.date(2026, 4, 1))
    f.assignment(nurse, world.other_a, start=dt.date(2026, 4, 1))
    record = t.record(taxman, course, dt.date(2026, 4, 10), session=session)
    return Training(course, session, requirement, taxman, nurse, record)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(TODAY, tick=False):
        yield


def test_the_admin_reads_courses_sessions_requirements_and_records(
    world: World, training: Training, token_for: TokenFor
) -> None:
    admin = token_for(world.admin_a, Scope.READ)
    assert [c["code"] for c in admin.get("/training/courses").json()["items"]] == ["SEC1"]
    assert admin.get(f"/training/courses/{training.course.pk}").json()["title"] == "情報セキュリティ研修"
    sessions = admin.get("/training/sessions", course_id=training.course.pk).json()["items"]
    assert [s["place"] for s in sessions] == ["本庁舎"]
    requirement = admin.get(f"/training/requirements/{training.requirement.pk}").json()
    assert requirement["course_ids"] == [training.course.pk]
    assert requirement["timing"].startswith("初任時")
    assert [r["id"] for r in admin.get("/training/records").json()["items"]] == [training.record.pk]
    assert admin.get("/training/records", person_id=training.nurse.pk).json()["items"] == []
    assert admin.get(f"/training/records/{training.record.pk}").json()["session_id"] == training.session.pk


def test_a_list_read_with_values_answers_as_the_detail_read_from_the_row(
    world: World, training: Training, token_for: TokenFor
) -> None:
    """Pages of records and courses come from ``values()`` of their schema's columns (no model instance per row):
    each item is exactly what the detail operation, which reads the model row, answers — and pages join up."""
    admin = token_for(world.admin_a, Scope.READ)
    second = t.record(training.nurse, training.course, dt.date(2026, 4, 11), session=training.session)
    first_page = admin.get("/training/records", limit=1).json()
    second_page = admin.get("/training/records", limit=1, cursor=first_page["next_cursor"]).json()
    assert second_page["next_cursor"] is None
    items = first_page["items"] + second_page["items"]
    assert [r["id"] for r in items] == [training.record.pk, second.pk]
    assert items == [admin.get(f"/training/records/{r['id']}").json() for r in items]
    course = admin.get(f"/training/courses/{training.course.pk}").json()
    assert admin.get("/training/courses").json()["items"] == [course]
    pager = _paginator_of("records")
    assert pager.item_schema is not None and value_columns(pager.item_schema, Record) is not None  # values()


def _paginator_of(operation: str) -> CursorPagination:
    from piaops.training import api

    view = getattr(api, operation)
    cells = [c.cell_contents for c in view.__closure__ or ()]
    return next(c for c in cells if isinstance(c, CursorPagination))


def test_compliance_status_per_person_and_per_unit(world: World, training: Training, token_for: TokenFor) -> None:
    admin = token_for(world.admin_a, Scope.READ)
    taxman = admin.get(f"/training/people/{training.taxman.pk}/status").json()
    assert [(s["status"], s["status_label"]) for s in taxman["statuses"]] == [("done", "受講済")]
    assert [r["id"] for r in taxman["records"]] == [training.record.pk]
    nurse = admin.get(f"/training/people/{training.nurse.pk}/status", as_of="2026-06-01").json()
    assert nurse["statuses"][0]["status"] == "overdue"
    assert nurse["statuses"][0]["due"] == "2026-05-01" and nurse["statuses"][0]["untrained_access"] is True
    # Before the deadline the same person is 期限内.
    early = admin.get(f"/training/people/{training.nurse.pk}/status", as_of="2026-04-15").json()
    assert early["statuses"][0]["status"] == "pending"

    roster = admin.get(f"/training/units/{world.root_a.pk}/status").json()
    assert roster["items"] == []  # nobody is assigned under 総務局
    finance = admin.get(f"/training/units/{world.tax_a.pk}/status").json()
    assert finance["requirement_ids"] == [training.requirement.pk]
    assert [(r["staff_number"], r["unit_ids"], r["statuses"][0]["status"]) for r in finance["items"]] == [
        ("1001", [world.tax_section_a.pk], "done")
    ]
    assert admin.get(f"/training/units/{world.tax_a.pk}/status", as_of="9999-12-31").status_code == 400


def test_the_unit_roster_pages_with_a_cursor(world: World, training: Training, token_for: TokenFor) -> None:
    for number in range(5):
        f.assignment(f.person(world.a, staff_number=f"20{number}"), world.tax_a, start=dt.date(2026, 4, 1))
    admin = token_for(world.admin_a, Scope.READ)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = admin.get(f"/training/units/{world.tax_a.pk}/status", **params).json()
        seen += [row["staff_number"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["1001", "200", "201", "202", "203", "204"]
    assert len(seen) == len(set(seen))


def test_a_unit_head_sees_what_the_pages_let_them_see(world: World, training: Training, token_for: TokenFor) -> None:
    head = token_for(world.head_a, Scope.READ)
    assert head.get("/training/courses").status_code == 200
    assert head.get("/training/records").status_code == 403  # the records page is for municipality-wide roles
    assert head.get(f"/training/records/{training.record.pk}").status_code == 403
    assert head.get(f"/training/people/{training.taxman.pk}/status").status_code == 200
    assert head.get(f"/training/people/{training.nurse.pk}/status").status_code == 403
    assert head.get(f"/training/units/{world.tax_a.pk}/status").status_code == 200
    assert head.get(f"/training/units/{world.other_a.pk}/status").status_code == 403


def test_an_outsider_gets_404_and_sees_nothing(world: World, training: Training, token_for: TokenFor) -> None:
    outsider = token_for(world.user_b)
    for path in (
        f"/training/courses/{training.course.pk}",
        f"/training/sessions/{training.session.pk}",
        f"/training/requirements/{training.requirement.pk}",
        f"/training/records/{training.record.pk}",
        f"/training/people/{training.taxman.pk}/status",
        f"/training/units/{world.tax_a.pk}/status",
    ):
        response = outsider.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    for path in ("/training/courses", "/training/sessions", "/training/requirements", "/training/records"):
        assert outsider.get(path).json()["items"] == [], path
    written = outsider.post(
        "/training/records",
        {"person_id": training.taxman.pk, "course_id": training.course.pk, "completed_on": "2026-05-01"},
    )
    assert written.status_code == 404
    assert Record.objects.count() == 1


def _one(training: Training, **extra: object) -> dict[str, object]:
    return {"person_id": training.nurse.pk, "course_id": training.course.pk, "completed_on": "2026-05-20"} | extra


def test_attendance_is_recorded_through_the_service(world: World, training: Training, token_for: TokenFor) -> None:
    admin = token_for(world.admin_a)
    created = admin.post("/training/records", _one(training, session_id=training.session.pk, evidence="出席簿"))
    assert created.status_code == 201, created.content
    body = created.json()
    record = Record.objects.get(pk=body["id"])
    assert (record.person, record.result, record.recorded_by) == (training.nurse, "completed", world.admin_a)
    assert AuditEntry.objects.filter(action=Action.CREATE, object_id=str(record.pk)).exists()
    status = admin.get(f"/training/people/{training.nurse.pk}/status").json()
    assert status["statuses"][0]["status"] == "done"
    # The service's rules apply: a future date is refused in Japanese.
    future = admin.post("/training/records", _one(training, completed_on="2026-07-01"))
    assert future.status_code == 400
    assert future.json()["error"]["message"] == "受講日が未来の日付です。"


def test_a_read_only_persona_and_a_read_scope_token_get_403_on_writes(
    world: World, training: Training, token_for: TokenFor
) -> None:
    upload = {"content": "職員番号,研修コード,受講日\n1002,SEC1,2026-05-20\n"}
    for api in (token_for(world.viewer_a), token_for(world.admin_a, Scope.READ)):
        one = api.post("/training/records", _one(training))
        assert one.status_code == 403 and one.json()["error"]["code"] == "forbidden"
        assert api.post("/training/records/import", upload).status_code == 403
    assert Record.objects.count() == 1


def test_a_my_number_in_a_single_record_is_refused(world: World, training: Training, token_for: TokenFor) -> None:
    response = token_for(world.admin_a).post("/training/records", _one(training, evidence=f"番号 {MY_NUMBER}"))
    assert response.status_code == 400
    assert "「証跡」" in response.json()["error"]["message"]
    assert MY_NUMBER not in response.content.decode()
    assert Record.objects.count() == 1


GOOD = "職員番号,研修コード,受講日,得点\n1002,SEC1,2026/05/20,\n1001,SEC1,2026-05-21,\n"


def test_an_import_is_previewed_then_saved_whole(world: World, training: Training, token_for: TokenFor) -> None:
    admin = token_for(world.admin_a)
    preview = admin.post("/training/records/import", {"content": GOOD, "dry_run": True})
    assert preview.status_code == 200
    assert preview.json() == {"dry_run": True, "rows": 2, "created": 0}
    assert Record.objects.count() == 1
    saved = admin.post("/training/records/import", {"content": GOOD, "file_name": "el.csv"})
    assert saved.status_code == 201
    assert saved.json()["created"] == 2
    assert Record.objects.filter(source=Record.Source.IMPORT).count() == 2
    # A CP932 file comes as base64.
    cp932 = "職員番号,研修コード,受講日\n1002,SEC1,2026-05-22\n".encode("cp932")
    sent = admin.post("/training/records/import", {"content_base64": base64.b64encode(cp932).decode()})
    assert sent.status_code == 201 and sent.json()["created"] == 1


def test_a_bad_import_names_every_row_in_japanese_and_writes_nothing(
    world: World, training: Training, token_for: TokenFor
) -> None:
    admin = token_for(world.admin_a)
    content = (
        "職員番号,研修コード,受講日\n"
        "1002,SEC1,2026-05-20\n"
        "9999,SEC1,2026-05-20\n"
        "1002,NOPE,2026-05-21\n"
        f"1002,SEC1,2026-05-22,{MY_NUMBER}\n"
    )
    response = admin.post("/training/records/import", {"content": content})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected" and "誤り 3 件" in error["message"]
    assert [d["line"] for d in error["details"]] == [3, 4, 5]
    assert "職員番号「9999」の職員等が登録されていません" in error["details"][0]["message"]
    assert "個人番号" in error["details"][2]["message"]
    assert MY_NUMBER not in response.content.decode()
    assert Record.objects.count() == 1
    assert not AuditEntry.objects.filter(action=Action.IMPORT).exists()
    header_only = admin.post("/training/records/import", {"content": "氏名\n"})
    assert header_only.status_code == 422
    assert "必要な列がありません" in header_only.json()["error"]["message"]
    both = admin.post("/training/records/import", {"content": GOOD, "content_base64": "eA=="})
    assert both.status_code == 400
    named = admin.post("/training/records/import", {"content": GOOD, "file_name": f"{MY_NUMBER}.csv"})
    assert named.status_code == 400 and MY_NUMBER not in named.content.decode()
    assert Record.objects.count() == 1
