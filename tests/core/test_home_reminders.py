"""The home page lists the reminders of the user's own tenant (and, for a unit role, of their units) only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.urls import get_script_prefix, reverse, set_script_prefix

from piaops.core.reminders import collect_all, pk_path
from piaops.findings import services as findings
from piaops.findings.models import Source
from piaops.tenancy.models import OrgUnit
from tests import factories as f
from tests.conftest import World, login

TODAY = dt.datetime(2027, 2, 9, 10, tzinfo=dt.UTC)


@contextmanager
def script_prefix(prefix: str) -> Iterator[None]:
    """The prefix a deployment under a sub-path (SCRIPT_NAME) gives every ``reverse`` of a request."""
    previous = get_script_prefix()
    set_script_prefix(prefix)
    try:
        yield
    finally:
        set_script_prefix(previous)


def _late_followup(unit: OrgUnit, title: str) -> None:
    finding = findings.finding_create(unit=unit, fiscal_year=2026, title=title, source=Source.SELF_INSPECTION)
    findings.followup_plan(finding=finding, plan="改善する", due_date=dt.date(2027, 1, 29))


def _home(user: object) -> str:
    with time_machine.travel(TODAY, tick=False):
        return login(user).get("/").content.decode()  # type: ignore[arg-type]


def test_home_shows_own_tenants_reminders_and_never_the_other_tenants(world: World) -> None:
    _late_followup(world.tax_section_a, "台帳の施錠A")
    _late_followup(world.other_a, "持出簿の整備A")
    _late_followup(world.root_b, "東京の指摘B")
    expected = "改善計画】完了予定日を過ぎています"
    admin_a = _home(world.admin_a)
    assert f"{expected}（税制係）" in admin_a and f"{expected}（保険年金課）" in admin_a
    assert "（総務局）" not in admin_a  # B's unit of the same name as A's root: B's follow-up is not listed
    user_b = _home(world.user_b)
    assert f"{expected}（総務局）" in user_b
    assert "税制係" not in user_b and "保険年金課" not in user_b
    head_a = _home(world.head_a)  # 所属長 of 税政課: its subtree (税制係), not 保険年金課
    assert f"{expected}（税制係）" in head_a and "保険年金課" not in head_a and "（総務局）" not in head_a
    viewer = _home(world.viewer_a)  # a read-only persona has no reminders of its own
    assert expected not in viewer


def test_the_filters_keep_what_the_unfiltered_run_finds(world: World) -> None:
    """``piaops remind`` (no filter) and the per-tenant calls partition the same reminders."""
    _late_followup(world.tax_section_a, "A1")
    _late_followup(world.root_b, "B1")
    f.unit(world.b, "区役所", code="B200")
    today = dt.date(2027, 2, 9)
    everyone = {r.key for r in collect_all(today=today)}
    per_tenant = {r.key for m in (world.a, world.b) for r in collect_all(today=today, municipality_id=m.pk)}
    assert everyone == per_tenant and len(everyone) == 2
    tax_only = collect_all(today=today, municipality_id=world.a.pk, unit_ids=[world.tax_section_a.pk])
    assert [r.unit_id for r in tax_only] == [world.tax_section_a.pk]
    assert collect_all(today=today, municipality_id=world.a.pk, unit_ids=[world.other_a.pk]) == []


@pytest.mark.parametrize("prefix", ["/", "/piaops/"])
@pytest.mark.parametrize(
    "view", ["training:person", "findings:detail", "selfcheck:checklist", "incidents:detail", "audits:audit"]
)
def test_a_reminders_link_is_the_pages_own_path_under_any_script_prefix(view: str, prefix: str) -> None:
    """``pk_path`` resolves the pattern once and fills in each id: the same path ``reverse`` gives, per id."""
    with script_prefix(prefix):
        path_of = pk_path(view)
        for pk in (1, 7, 10, 987654, 2**31 - 1):
            assert path_of(pk) == reverse(view, args=[pk])


def test_the_admin_home_counts_reminders_of_a_kind_in_one_line_with_their_links(world: World) -> None:
    """Issue 19 §2: the admin home shows 「…を過ぎています 3件」 with the three links inside it, not three lines."""
    units = [f.unit(world.a, f"係{i}", parent=world.tax_a) for i in range(3)]
    for i, unit in enumerate(units):
        _late_followup(unit, f"台帳{i}")
    page = _home(world.admin_a)
    label = "【改善計画】完了予定日を過ぎています"
    group = page[page.index('<details class="reminder-group">') : page.index("</details>")]
    assert f"{label} <strong>3件</strong></summary>" in group
    assert all(f"{label}（係{i}）</a>" in group for i in range(3))
    assert group.count('<a href="/findings/') == 3
    assert page.count(f"{label}（係0）") == 1  # listed once, inside its group


def test_a_kind_with_one_reminder_stays_one_plain_line(world: World) -> None:
    _late_followup(world.other_a, "持出簿")
    page = _home(world.admin_a)
    assert "reminder-group" not in page and "完了予定日を過ぎています（保険年金課）</a>" in page


def test_the_sources_of_one_page_read_the_addresses_once_and_nothing_is_kept_after_it(world: World) -> None:
    """``collect_home`` asks every source's reminders in one ``shared_addresses`` block: the grants that address
    them (所属長・所属担当者・管理者・事業者担当) are read once for all of them there, in one statement, and read afresh
    by the next page (a new grant shows at once)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from piaops.core.reminders import admin_addresses, collect_home, shared_addresses, unit_recipients

    def head(name: str) -> None:
        user = f.user(world.a, name, f.Role.UNIT_HEAD, unit=world.tax_a)
        user.email = f"{name}@example.jp"
        user.save()

    head("head_one")
    with shared_addresses(), CaptureQueriesContext(connection) as ctx:
        first = unit_recipients({world.a.pk})
        assert unit_recipients({world.a.pk}) == first
        assert admin_addresses([world.a.pk]) == admin_addresses({world.a.pk})
    assert len(ctx) == 1
    with time_machine.travel(TODAY, tick=False), CaptureQueriesContext(connection) as page:
        collect_home(today=TODAY.date(), municipality_id=world.a.pk)
    assert sum('"tenancy_user"."email"' in q["sql"] for q in page.captured_queries) == 1
    assert ("head_one@example.jp" in {e for _, e in first[world.a.pk]}) is True
    head("head_two")
    again = unit_recipients({world.a.pk})
    assert {"head_one@example.jp", "head_two@example.jp"} <= {e for _, e in again[world.a.pk]}
