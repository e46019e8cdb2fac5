"""Pages: what each persona sees and may do. Outsiders get 404 for another municipality's objects, the read-only
viewer 403 on every write."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from piaops.audittrail.models import AuditEntry
from piaops.tenancy.models import EmploymentType, Person
from piaops.training.models import Course, RatingDecision, Record, Requirement, Session, Trigger
from tests import factories as f
from tests.conftest import World, login
from tests.jobs.runner import run_jobs
from tests.training import makers as t

D = dt.date
pytestmark = pytest.mark.django_db


@dataclass
class Data:
    course: Course
    requirement: Requirement
    trained: Person
    untrained: Person
    fy_staff: Person
    elsewhere: Person


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        yield


@pytest.fixture
def data(world: World) -> Data:
    course = t.course(world.a, code="PRV1", title="個人情報保護研修")
    req = t.requirement(world.a, course, Trigger.INITIAL, within_days=30, name="初任時研修")
    trained = f.person(world.a, name="研修 済子", staff_number="1001", employed_from=D(2020, 4, 1))
    untrained = f.person(world.a, name="未受 講太", staff_number="1002", employed_from=D(2026, 4, 1))
    fy_staff = f.person(world.a, name="会計 年度", staff_number="1003", employment_type=EmploymentType.FISCAL_YEAR)
    elsewhere = f.person(world.a, name="保険 年金", staff_number="1004")
    f.assignment(trained, world.tax_a, start=D(2024, 4, 1))
    f.assignment(untrained, world.tax_section_a, start=D(2026, 4, 1))
    f.assignment(fy_staff, world.tax_a, start=D(2026, 11, 1))
    f.assignment(elsewhere, world.other_a, start=D(2026, 4, 1))
    t.record(trained, course, D(2024, 4, 10))
    return Data(course, req, trained, untrained, fy_staff, elsewhere)


def test_the_governance_admin_sees_rates_overdue_people_and_untrained_access(
    as_admin: Client, data: Data, world: World
) -> None:
    page = as_admin.get("/training/").content.decode()
    assert "初任時研修" in page
    assert "会計年度任用職員" in page and "正規職員" in page
    overdue_section = page.split("<h2>期限超過</h2>", 1)[1]
    assert "未受 講太" in overdue_section and "研修 済子" not in overdue_section
    untrained_section = page.split("初任時研修を受けずに", 1)[1].split("<h2>期限超過", 1)[0]
    assert "会計 年度" in untrained_section and "未受 講太" in untrained_section
    assert "保険 年金" in untrained_section  # other_a also handles (assignment default)


def test_an_earlier_as_of_date_changes_the_status(as_admin: Client, data: Data) -> None:
    page = as_admin.get("/training/", {"as_of": "2026-04-15"}).content.decode()
    overdue_section = page.split("<h2>期限超過</h2>", 1)[1]
    assert "未受 講太" not in overdue_section


def test_a_unit_head_lands_on_their_unit_roster_with_each_persons_status(
    as_head: Client, data: Data, world: World
) -> None:
    response = as_head.get("/training/")
    assert response.status_code == 302 and response["Location"].endswith(f"/training/units/{world.tax_a.pk}/")
    page = as_head.get(response["Location"]).content.decode()
    assert "研修 済子" in page and "未受 講太" in page and "会計 年度" in page
    assert "保険 年金" not in page
    assert "期限超過" in page and "受講済" in page


def test_a_unit_head_sent_to_the_overview_with_a_date_keeps_that_date(as_head: Client, world: World) -> None:
    """A dashboard link chooses a 基準日; the 所属長 is redirected to their roster, which must show that date."""
    response = as_head.get("/training/?as_of=2026-04-01")
    assert response["Location"] == f"/training/units/{world.tax_a.pk}/?as_of=2026-04-01"
    assert 'value="2026-04-01"' in as_head.get(response["Location"]).content.decode()


def test_a_unit_head_cannot_see_another_units_roster_or_people(as_head: Client, data: Data, world: World) -> None:
    assert as_head.get(f"/training/units/{world.other_a.pk}/").status_code == 403
    assert as_head.get(f"/training/people/{data.elsewhere.pk}/").status_code == 403
    assert as_head.get(f"/training/people/{data.untrained.pk}/").status_code == 200


def test_the_roster_exports_to_xlsx(as_admin: Client, data: Data, world: World) -> None:
    response = as_admin.get(f"/training/units/{world.tax_a.pk}/", {"format": "xlsx", "as_of": "2026-11-25"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("職員番号", "氏名", "雇用形態", "所属")
    by_number = {r[0]: r for r in rows[2:]}
    assert by_number["1001"][4] == "受講済"
    assert by_number["1002"][4] == "期限超過（未受講で取扱い中）"
    assert by_number["1002"][5] == dt.datetime(2026, 5, 1)


def test_a_persons_page_shows_their_full_history(as_admin: Client, data: Data) -> None:
    page = as_admin.get(f"/training/people/{data.trained.pk}/").content.decode()
    assert "2024-04-10" in page and "個人情報保護研修" in page and "受講済" in page


def test_the_outsider_gets_404_for_every_object_of_another_municipality(
    as_outsider: Client, data: Data, world: World
) -> None:
    for url in (
        f"/training/units/{world.tax_a.pk}/",
        f"/training/people/{data.trained.pk}/",
        f"/training/courses/{data.course.pk}/",
        f"/training/courses/{data.course.pk}/edit/",
        f"/training/requirements/{data.requirement.pk}/edit/",
    ):
        assert as_outsider.get(url).status_code == 404, url
    assert as_outsider.post(f"/training/courses/{data.course.pk}/", {"date": "2026-11-01"}).status_code == 404
    assert "個人情報保護研修" not in as_outsider.get("/training/courses/").content.decode()


def test_the_read_only_viewer_gets_403_on_every_write(as_viewer: Client, data: Data) -> None:
    assert as_viewer.get("/training/").status_code == 200
    for url in (
        "/training/courses/new/",
        f"/training/courses/{data.course.pk}/edit/",
        "/training/requirements/new/",
        f"/training/requirements/{data.requirement.pk}/edit/",
        "/training/records/new/",
        "/training/records/import/",
    ):
        assert as_viewer.get(url).status_code == 403, url
        assert as_viewer.post(url, {}).status_code == 403, url
    assert as_viewer.post(f"/training/courses/{data.course.pk}/", {"date": "2026-11-01"}).status_code == 403
    assert as_viewer.post("/training/rating/", {"rating": "1", "reason": "x"}).status_code == 403
    assert Session.objects.count() == 0 and RatingDecision.objects.count() == 0


def test_the_admin_registers_a_course_a_session_and_a_requirement(as_admin: Client, data: Data, world: World) -> None:
    response = as_admin.post(
        "/training/courses/new/",
        {
            "code": "SEC1",
            "title": "情報セキュリティ研修",
            "topics": ["security", "operations"],
            "material_title": "情報セキュリティ教育資料",
            "material_version": "2026年版",
            "material_source": "IPA",
            "material_date": "2026-03-01",
            "delivery": "elearning",
            "duration_minutes": "45",
            "has_test": "on",
            "pass_mark": "70",
            "is_active": "on",
        },
    )
    course = Course.objects.get(code="SEC1")
    assert response.status_code == 302 and course.topics == ["security", "operations"]
    entry = AuditEntry.objects.get(object_type="training.Course", object_id=str(course.pk))
    assert entry.actor == world.admin_a and entry.after["material_source"] == "IPA"
    as_admin.post(f"/training/courses/{course.pk}/", {"date": "2026-10-01", "place": "本庁舎", "trainer": "情報課"})
    assert course.sessions.get().place == "本庁舎"
    response = as_admin.post(
        "/training/requirements/new/",
        {
            "name": "中間サーバー運用者 年2回",
            "courses": [course.pk],
            "trigger": "per_fiscal_year",
            "within_days": "30",
            "every_months": "12",
            "times_per_year": "2",
            "grace_days": "14",
            "employment_types": ["contractor"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    req = Requirement.objects.get(name="中間サーバー運用者 年2回")
    assert list(req.courses.all()) == [course] and req.employment_types == ["contractor"]


def test_a_pass_mark_is_needed_when_the_course_has_a_test(as_admin: Client, data: Data) -> None:
    page = as_admin.post(
        "/training/courses/new/",
        {"code": "T1", "title": "テスト付き", "delivery": "classroom", "duration_minutes": "60", "has_test": "on"},
    ).content.decode()
    assert "合格点を入力してください" in page and not Course.objects.filter(code="T1").exists()


def test_a_record_entered_by_hand_counts_and_dates_outside_employment_are_refused(
    as_admin: Client, data: Data, world: World
) -> None:
    page = as_admin.post(
        "/training/records/new/",
        {"staff_number": "1002", "course": data.course.pk, "completed_on": "2026-03-01"},
    ).content.decode()
    assert "任用開始日（2026-04-01）より前" in page and Record.objects.filter(person=data.untrained).count() == 0
    response = as_admin.post(
        "/training/records/new/",
        {"staff_number": "1002", "course": data.course.pk, "completed_on": "2026-11-20", "evidence": "受講票"},
    )
    assert response.status_code == 302
    rec = Record.objects.get(person=data.untrained)
    assert rec.recorded_by == world.admin_a
    roster = as_admin.get(f"/training/units/{world.tax_a.pk}/").content.decode()
    assert "期限超過（" not in roster  # the flag is gone once recorded
    unknown = as_admin.post(
        "/training/records/new/", {"staff_number": "9999", "course": data.course.pk, "completed_on": "2026-11-20"}
    ).content.decode()
    assert "この職員番号の職員等が登録されていません" in unknown


def test_the_web_import_names_bad_rows_and_imports_a_clean_file(as_admin: Client, data: Data) -> None:
    bad = SimpleUploadedFile(
        "el.csv", "職員番号,研修コード,受講日\n1002,PRV1,2026-11-02\n9999,PRV1,2026-11-02\n".encode()
    )
    page = as_admin.post("/training/records/import/", {"file": bad}).content.decode()
    assert "3行目：職員番号「9999」" in page and Record.objects.count() == 1
    good = SimpleUploadedFile("el.csv", "職員番号,研修コード,受講日\n1002,PRV1,2026-11-02\n".encode("cp932"))
    response = as_admin.post("/training/records/import/", {"file": good})
    assert response.status_code == 302 and Record.objects.count() == 1  # the import is a background job
    run_jobs()
    job_page = as_admin.get(response["Location"]).content.decode()
    assert "1 件の受講記録を登録しました" in job_page and 'href="/training/records/"' in job_page
    assert Record.objects.count() == 2


def test_the_rating_is_suggested_with_its_numbers_and_an_override_needs_a_reason(as_admin: Client, data: Data) -> None:
    page = as_admin.get("/training/rating/").content.decode()
    # 1 done of 4 in scope (25%) → 3.
    assert "1 ÷ 4 = 25.0%" in page and "提案：3）十分に行っていない" in page
    page = as_admin.post("/training/rating/", {"rating": "2", "reason": ""}).content.decode()
    assert "理由を入力してください" in page and RatingDecision.objects.count() == 0
    as_admin.post("/training/rating/", {"rating": "2", "reason": "年度末までに全員受講予定のため"})
    decision = RatingDecision.objects.get()
    assert decision.suggested == 3 and decision.rating == 2 and decision.overridden
    assert decision.figures["in_scope"] == 4 and decision.fiscal_year == 2026


def test_a_roster_on_an_earlier_date_shows_who_was_in_the_unit_then(as_head: Client, data: Data, world: World) -> None:
    mover = f.person(world.a, name="異動 した", staff_number="1005")
    f.assignment(mover, world.tax_a, start=D(2024, 4, 1), end=D(2026, 3, 31))
    f.assignment(mover, world.other_a, start=D(2026, 4, 1))
    url = f"/training/units/{world.tax_a.pk}/"
    assert "異動 した" in as_head.get(url, {"as_of": "2026-03-31"}).content.decode()
    assert "異動 した" not in as_head.get(url, {"as_of": "2026-04-01"}).content.decode()


def test_the_training_menu_offers_a_unit_head_only_the_pages_they_may_open(world: World) -> None:
    """受講記録 and Ⅳ-2 評価 are municipality-wide pages (403 to a 所属長): the menu leaves them out for them."""
    head = login(world.head_a)
    html = head.get(reverse("training:courses")).content.decode()
    menu = re.search(r'<nav class="actions" aria-label="研修メニュー">(.*?)</nav>', html, re.S)
    assert menu is not None
    links = re.findall(r'href="([^"]+)"', menu.group(1))
    assert reverse("training:records") not in links and reverse("training:rating") not in links
    for href in links:
        assert head.get(href, follow=True).status_code == 200, href
    admin_html = login(world.admin_a).get(reverse("training:courses")).content.decode()
    assert f'href="{reverse("training:records")}"' in admin_html and "Ⅳ-2 評価" in admin_html


def _row(page: str, label: str) -> list[str]:
    """The cells of the overview's table row whose first cell is ``label`` (tags stripped)."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label}")


def test_the_overview_counts_people_and_person_requirement_pairs_apart(
    as_admin: Client, data: Data, world: World
) -> None:
    """Two requirements for the same people: the employment-type and unit rows show each person once (人) and the
    pairs they are counted in (件), not the pairs as if they were people."""
    t.requirement(world.a, data.course, Trigger.PER_FISCAL_YEAR, name="年次研修")
    page = as_admin.get("/training/").content.decode()
    regular = _row(page, "正規職員")  # 研修 済子, 未受 講太, 保険 年金
    people, pairs, done, pending, overdue = regular[1:6]
    assert people == "3人"
    assert pairs == f"{int(done[:-1]) + int(pending[:-1]) + int(overdue[:-1])}件"
    assert int(pairs[:-1]) > 3  # each regular is counted once per requirement that applies to them
    tax = _row(page, "税政課")  # 研修 済子 and 会計 年度 (未受 講太 is in the 税制係 below it)
    assert tax[1] == "2人"
    assert "人 × その人に適用される受講要件" in page


WORD = "未受講（期限内）"  # trained neither yet nor late: one word on every page


def test_not_yet_trained_but_not_yet_due_reads_the_same_on_every_page(
    as_admin: Client, data: Data, world: World
) -> None:
    from tests.selfcheck.helpers import make_report

    report = make_report(world.a)
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False):
        overview_page = as_admin.get("/training/").content.decode()
        person_page = as_admin.get(f"/training/people/{data.untrained.pk}/").content.decode()
        dashboard = as_admin.get("/reports/").content.decode()
        section4 = as_admin.get(f"/reports/assessments/{report.pk}/section4/").content.decode()
    for page in (overview_page, person_page, dashboard, section4):
        assert WORD in page
        assert "期限内</" not in page.replace(WORD, "")  # the old word is gone, not kept beside the new
        assert "未受講</" not in page.replace(WORD, "")
