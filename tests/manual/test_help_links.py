"""Every page's ヘルプ link opens a section of the 操作マニュアル that exists (issue 19 §4)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from piaops.manual import render
from piaops.manual.sections import NAMESPACES, SECTIONS, section_for
from tests.conftest import World
from tests.trust.isolation_urls import PAGE_IDS, PAGE_SCANS, url_patterns


def _lands(target: str) -> bool:
    chapter, _, anchor = target.partition("#")
    anchors = render.anchors()
    return chapter in anchors and (not anchor or anchor in anchors[chapter])


@pytest.mark.engine_independent
def test_every_page_of_the_isolation_tables_opens_a_section_of_the_manual() -> None:
    names = sorted(set(PAGE_IDS) | set(PAGE_SCANS))
    assert len(names) > 150
    missing = [(name, section_for(name)) for name in names if not _lands(section_for(name))]
    assert not missing, f"ヘルプの行き先がマニュアルにありません: {missing}"
    # A page lands on a section of its own chapter, not on the manual's front page.
    unplaced = [name for name in names if "#" not in section_for(name) and not name.startswith("manual:")]
    assert not unplaced, f"ヘルプが節を指していないページ: {unplaced}"


@pytest.mark.engine_independent
def test_the_mapping_names_only_real_pages_and_sections() -> None:
    real = {p.key for p in url_patterns()}
    assert not set(SECTIONS) - real, f"SECTIONS names pages that do not exist: {set(SECTIONS) - real}"
    namespaces = {p.namespace for p in url_patterns()}
    assert not set(NAMESPACES) - namespaces, set(NAMESPACES) - namespaces
    stale = {k: v for k, v in {**SECTIONS, **NAMESPACES}.items() if not _lands(v)}
    assert not stale, f"sections that are not in the manual: {stale}"


@pytest.mark.engine_independent
def test_a_page_outside_the_tables_opens_the_manual_front_page() -> None:
    assert section_for(None) == "index"
    assert section_for("login") == "index"
    assert section_for("selfcheck:no_such_page") == "selfcheck#overview"


def _help_href(body: str) -> str:
    found = re.search(r'<a class="help" href="([^"]+)">ヘルプ', body)
    assert found, "no ヘルプ link in the header"
    return found.group(1)


def test_the_header_links_each_page_to_its_section(world: World, as_head: Client, as_admin: Client) -> None:
    assert _help_href(as_head.get(reverse("home")).content.decode()) == "/manual/#home"
    assert _help_href(as_admin.get(reverse("selfcheck:index")).content.decode()) == "/manual/selfcheck/#overview"
    assert _help_href(as_admin.get(reverse("reports:index")).content.decode()) == "/manual/reports/#dashboard"
    page = as_admin.get(reverse("manual:chapter", args=["selfcheck"])).content.decode()
    assert _help_href(page) == "/manual/#contents"
    # The link leads to a heading with that id.
    assert 'id="overview"' in page


def test_the_log_in_page_has_no_help_link(world: World) -> None:
    """The manual needs a log-in: the anonymous header links nowhere it cannot open."""
    assert 'class="help"' not in Client().get(reverse("login")).content.decode()
