from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from piaops.findings import services as findings
from piaops.findings.models import Source
from piaops.incidents.services import incident_record
from piaops.reports.dashboard import build
from piaops.tenancy.models import OrgUnit, User
from tests import factories as f
from tests.conftest import World, login
from tests.selfcheck.helpers import make_campaign

URL = reverse("reports:index")
NOW = dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def count(html: str, key: str) -> int:
    found = re.search(rf'data-count="{key}"><a href="[^"]*"[^>]*>(\d+)', html)
    assert found, key
    return int(found.group(1))


def _records(world: World) -> None:
    make_campaign(world.a, [world.tax_a, world.tax_section_a, world.other_a])
    for title in ("持出簿の記録漏れ", "権限の棚卸し未実施"):
        findings.finding_create(unit=world.tax_a, fiscal_year=2026, title=title, source=Source.SELF_INSPECTION)
    findings.finding_create(unit=world.other_a, fiscal_year=2026, title="施錠の不備", source=Source.SELF_INSPECTION)
    incident_record(
        municipality=world.a,
        user=world.admin_a,
        title="保険年金課の誤送付",
        description="通知書の誤送付",
        detected_at=NOW,
        reporting_unit=world.other_a,
    )


@time_machine.travel(NOW, tick=False)
def test_the_admin_sees_the_numbers_of_the_records_with_links(world: World) -> None:
    _records(world)
    html = login(world.admin_a).get(URL).content.decode()
    assert count(html, "selfcheck-1") == 3  # 未着手
    assert count(html, "selfcheck-overdue") == 3  # the deadline (12/11) has passed
    assert count(html, "findings-1") == 3  # 改善計画未提出
    assert count(html, "incidents-1") == 1
    assert 'href="/findings/?status=open"' in html
    assert "<title" in html and 'role="group"' in html  # the charts carry accessible titles


@time_machine.travel(NOW, tick=False)
def test_a_unit_head_sees_only_their_subtree(world: World) -> None:
    _records(world)
    html = login(world.head_a).get(URL).content.decode()
    assert count(html, "selfcheck-1") == 2  # 税政課 and 税制係, not 保険年金課
    assert count(html, "findings-1") == 2
    assert count(html, "incidents-1") == 0
    assert "ISMAP" not in html  # municipality-wide panels are not shown to a unit


@time_machine.travel(NOW, tick=False)
def test_another_municipality_sees_nothing_of_ours(world: World) -> None:
    _records(world)
    html = login(world.user_b).get(URL).content.decode()
    assert count(html, "findings-1") == 0
    assert count(html, "incidents-1") == 0
    assert "誤送付" not in html and "令和8年度 自己点検" not in html
    assert "この年度の自己点検はまだ開始されていません" in html


def test_read_only_roles_read_it_and_unit_staff_may_not(world: World, as_viewer: Client, as_auditor: Client) -> None:
    assert as_viewer.get(URL).status_code == 200
    assert as_auditor.get(URL).status_code == 200
    staff = f.user(world.a, "staff_a", f.Role.UNIT_STAFF, unit=world.tax_a)
    assert login(staff).get(URL).status_code == 403


def test_a_past_year_is_chosen_with_fy(world: World, as_admin: Client) -> None:
    html = as_admin.get(URL, {"fy": "2024"}).content.decode()
    assert "2024年度（令和6年度）" in html


def _queries(world: World, units: int) -> int:
    for i in range(units):
        unit = f.unit(world.a, f"課{units}-{i}", parent=world.tax_a, code=f"Z{units}{i:03d}", kind=OrgUnit.Kind.SECTION)
        findings.finding_create(unit=unit, fiscal_year=2026, title=f"指摘{i}", source=Source.AUDIT)
        person = f.person(world.a, name=f"職員{units}-{i}", staff_number=f"S{units}{i:04d}")
        f.assignment(person, unit)
    admin, head = (User.objects.get(pk=u.pk) for u in (world.admin_a, world.head_a))  # nothing cached on them
    with CaptureQueriesContext(connection) as ctx:
        build(admin, fiscal_year=2026, today=timezone.localdate())
    with CaptureQueriesContext(connection) as head_ctx:
        build(head, fiscal_year=2026, today=timezone.localdate())
    return len(ctx) * 1000 + len(head_ctx)


def test_the_number_of_queries_does_not_grow_with_units(world: World) -> None:
    make_campaign(world.a, [world.tax_a, world.other_a])
    small = _queries(world, 3)
    large = _queries(world, 30)
    assert small == large


def test_a_unit_head_is_shown_the_audit_figures_without_links_they_may_not_open(world: World) -> None:
    """The 監査 panel's links lead to the audit pages, which a 所属長 may not open (403): the figures stay, unlinked."""
    head = login(world.head_a)
    html = head.get(URL).content.decode()
    assert 'data-count="audit-coverage">' in html and "この年度の監査計画はまだありません。" in html
    assert 'href="/audits/' not in html
    for href in set(re.findall(r'href="(/[^"#]*)"', html)) - {"/logout/"}:
        assert head.get(href, follow=True).status_code == 200, href
    assert 'href="/audits/"' in login(world.admin_a).get(URL).content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_self_inspection_chart_colours_mean_the_state_not_the_position(world: World) -> None:
    """未着手 (3 units here) is drawn grey, never in the green of 確認済 (issue 19 §2)."""
    from piaops.reports.charts import TONES

    _records(world)
    html = login(world.admin_a).get(URL).content.decode()
    fill = re.search(r'<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*><title>未着手: 3</title>', html)
    assert fill, "no 未着手 segment in the self-inspection chart"
    assert fill.group(1) == TONES["idle"] != TONES["done"]


@time_machine.travel(NOW, tick=False)
def test_a_unit_heads_incident_count_is_their_incident_list(world: World) -> None:
    """One rule (``Incident.objects.visible_to``): the incident a 所属長 recorded for another unit is on their list,
    so the dashboard counts it too (the dashboard used to count only their subtree's)."""
    _records(world)
    incident_record(
        municipality=world.a,
        user=world.head_a,
        title="他課の端末の紛失",
        description="税政課の所属長が見つけて記録した",
        detected_at=NOW,
        reporting_unit=world.other_a,
    )
    client = login(world.head_a)
    listed = client.get(reverse("incidents:index")).content.decode()
    assert "他課の端末の紛失" in listed and "保険年金課の誤送付" not in listed
    assert count(client.get(URL).content.decode(), "incidents-1") == 1


def test_the_dashboard_is_wide_only_for_municipality_wide_readers_of_reports(world: World) -> None:
    """``is_municipality_wide(user, Perm.REPORTS_VIEW)``: admin, auditor, viewer; a 所属長 is not."""
    today = NOW.date()
    assert build(world.admin_a, fiscal_year=2026, today=today).wide
    assert build(world.viewer_a, fiscal_year=2026, today=today).wide
    assert not build(world.head_a, fiscal_year=2026, today=today).wide


def test_a_draft_new_version_does_not_hide_its_series(world: World) -> None:
    """Importing a new version marks the previous one 旧版 at once: the series stays on the dashboard through its
    version in force (``AssessmentReport.objects.current()``), the draft, until that is published."""
    from piaops.assessments.models import AssessmentReport
    from tests.selfcheck.helpers import make_report

    first = make_report(world.a)
    first.published_on = dt.date(2025, 4, 1)
    first.save()
    today = NOW.date()
    assert [r.pk for r in build(world.admin_a, fiscal_year=2026, today=today).reports] == [first.pk]
    draft = AssessmentReport.objects.create(
        municipality=world.a, series=first.series, version=2, previous=first, title=first.title
    )
    AssessmentReport.objects.filter(pk=first.pk).update(status=AssessmentReport.Status.SUPERSEDED)
    assert [r.pk for r in build(world.admin_a, fiscal_year=2026, today=today).reports] == [draft.pk]
    html = login(world.admin_a).get(URL).content.decode()
    assert f'data-section4="{draft.pk}"' in html and "下書き（未公表）" in html
    assert not build(world.user_b, fiscal_year=2026, today=today).reports  # another municipality's stay theirs


def test_the_number_of_queries_does_not_grow_with_assessment_reports(world: World) -> None:
    """Each report's re-assessment date (its series' 5-year clock) is read for all the listed reports at once."""
    from dataclasses import replace

    from tests.assessments import builders as b

    admin = login(world.admin_a)

    def page_queries(reports: int) -> tuple[int, int]:
        for i in range(reports):
            work = f.work(world.a, f"事務{reports}-{i}")
            b.save(world.a, [work], replace(b.reference(), report_number=f"R{reports}-{i}"))
        admin.get(URL)  # the session's first request writes it
        with CaptureQueriesContext(connection) as ctx:
            html = admin.get(URL).content.decode()
        return len(ctx), html.count('data-section4="')

    one, listed_one = page_queries(1)
    four, listed_four = page_queries(3)
    assert (listed_one, listed_four) == (1, 4)
    assert one == four
