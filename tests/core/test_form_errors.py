"""Errors announced and linked to their fields (issue 19 §3, JIS X 8341-3 / WCAG 3.3.1, 3.3.3, 4.1.2).

A refused form shows one error summary at the top (role="alert", focused by autofocus) whose entries link to the
fields; each field in error has aria-invalid="true" and an aria-describedby naming the element with its error text.
Every form renders through the one include (core/_form.html, core/_form_errors.html, core/_field.html).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.test import Client

from tests.conftest import World

SRC = Path(__file__).resolve().parents[2] / "src" / "piaops"


class _Elements(HTMLParser):
    """Every element's attributes by id, and the error summary's links."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.summary: dict[str, str] | None = None
        self.summary_links: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.by_id[a["id"]] = {"tag": tag, **a}
        if "error-summary" in a.get("class", "").split():
            self.summary = a
            self._in_summary = 1
        elif self._in_summary and tag == "a":
            self.summary_links.append(a.get("href", ""))
        if self._in_summary and tag == "div" and "error-summary" not in a.get("class", ""):
            self._in_summary += 1

    def handle_endtag(self, tag: str) -> None:
        if self._in_summary and tag == "div":
            self._in_summary -= 1


def _parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def test_a_refused_form_announces_its_errors_and_links_each_to_its_field(world: World, as_admin: Client) -> None:
    # A unit without name or kind, and a code with only spaces: three fields in error.
    response = as_admin.post("/tenancy/units/new/", {"name": "", "code": "", "kind": ""})
    assert response.status_code == 200
    page = _parse(response.content.decode())
    assert page.summary is not None, "no error summary"
    assert page.summary.get("role") == "alert" and "autofocus" in page.summary and page.summary["tabindex"] == "-1"
    assert len(page.summary_links) >= 2
    for href in page.summary_links:
        assert href.startswith("#")
        field = page.by_id.get(href[1:])
        assert field is not None, f"the summary links to {href}, which is not on the page"
        assert field.get("aria-invalid") == "true", f"{href} is not marked invalid"
        described = field.get("aria-describedby", "").split()
        assert f"{href[1:]}_error" in described, f"{href}: aria-describedby={described}"
        assert all(d in page.by_id for d in described), f"{href}: describedby names a missing id: {described}"


def test_a_valid_page_shows_no_summary_and_no_invalid_field(world: World, as_admin: Client) -> None:
    html = as_admin.get("/tenancy/units/new/").content.decode()
    assert "error-summary" not in html and 'aria-invalid="true"' not in html


# Templates that show a form's errors their own way, each with its reason.
OWN_WAY = {
    # A GET filter above a table: its one field's error, with its id for aria-describedby, beside the field.
    "training/templates/training/_asof.html": "filter form of one field",
}
_OWN_RENDERING = re.compile(r"\.as_(p|div|table|ul)\b|non_field_errors|\bfield\.errors\b|\bform\.errors\b")


def test_every_form_shows_its_errors_through_the_shared_include() -> None:
    shared = {
        "core/templates/core/_form.html",
        "core/templates/core/_form_errors.html",
        "core/templates/core/_field.html",
        "core/templates/core/_field_error.html",
    }
    offenders = []
    for template in sorted(SRC.rglob("templates/**/*.html")):
        name = str(template.relative_to(SRC))
        if name in shared or name in OWN_WAY:
            continue
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if _OWN_RENDERING.search(line):
                offenders.append(f"{name}:{number}: {line.strip()[:100]}")
    assert offenders == [], 'render the form with {% include "core/_form.html" %}:\n' + "\n".join(offenders)
