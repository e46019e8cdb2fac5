"""The 操作マニュアル pages: the same for every municipality and every role, behind the log-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from piaops.manual import render
from tests.conftest import World

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "manual" / "images"
ROLES = ["as_admin", "as_head", "as_auditor", "as_viewer", "as_outsider"]


@pytest.mark.engine_independent
def test_every_picture_the_manual_shows_is_committed_and_every_committed_picture_is_shown() -> None:
    shown = {name for slug in render.slugs() if (c := render.chapter(slug)) for name in c.images}
    committed = {p.name for p in IMAGES.glob("*.png")}
    assert {"checklist.png", "checklist-review.png", "dashboard.png", "section4.png", "review.png"} <= shown
    assert shown - committed == set(), f"not in docs/manual/images: {shown - committed}"
    assert committed - shown == set(), f"not shown by the manual: {committed - shown}"


@pytest.mark.engine_independent
def test_the_chapters_are_the_files_of_docs_manual_and_the_app_reads_them_from_its_package() -> None:
    assert render.CONTENT.resolve() == IMAGES.parent.resolve()
    assert render.slugs()[0] == "index"
    assert {"selfcheck", "audits", "training", "assurance", "areas", "incidents", "assessments", "reports"} <= set(
        render.slugs()
    )


@pytest.mark.engine_independent
def test_markup_written_in_the_markdown_is_shown_as_text() -> None:
    md = render._markdown()
    html = md.render("<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img src=x" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("role", ROLES)
def test_every_role_of_any_municipality_reads_every_chapter(
    world: World, role: str, request: pytest.FixtureRequest
) -> None:
    client: Client = request.getfixturevalue(role)
    for slug in render.slugs():
        url = reverse("manual:index") if slug == "index" else reverse("manual:chapter", args=[slug])
        response = client.get(url)
        assert response.status_code == 200, (role, slug)
        chapter = render.chapter(slug)
        assert chapter is not None
        body = response.content.decode()
        assert f"<h1>{chapter.title}</h1>" in body
        for name in chapter.images:  # the pictures are the app's own URLs
            assert f'src="{reverse("manual:image", args=[name])}"' in body


def test_a_chapter_links_to_the_others_by_their_app_urls(world: World, as_head: Client) -> None:
    body = as_head.get(reverse("manual:index")).content.decode()
    assert 'href="/manual/selfcheck/#submit"' in body
    assert ".md" not in body.replace("README.md", "")


def test_the_pictures_are_served_by_the_app(world: World, as_viewer: Client) -> None:
    response = as_viewer.get(reverse("manual:image", args=["dashboard.png"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert as_viewer.get(reverse("manual:image", args=["nothing.png"])).status_code == 404
    assert as_viewer.get("/manual/images/..%2Findex.md").status_code == 404


def test_unknown_chapters_are_404_and_the_manual_needs_a_log_in(world: World, as_head: Client) -> None:
    assert as_head.get(reverse("manual:chapter", args=["nothing"])).status_code == 404
    anonymous = Client().get(reverse("manual:chapter", args=["selfcheck"]))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert Client().get(reverse("manual:image", args=["dashboard.png"])).status_code == 302
