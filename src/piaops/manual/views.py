"""The 操作マニュアル: the same for every municipality, open to every logged-in user (it holds no tenant data)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from piaops.manual import render as manual
from piaops.tenancy.access import tenant_view


@tenant_view()
def chapter(request: HttpRequest, slug: str = "index") -> HttpResponse:
    found = manual.chapter(slug)
    if found is None:
        raise Http404("このページはマニュアルにありません。")
    contents = [(s, c.title) for s in manual.slugs() if (c := manual.chapter(s)) is not None]
    # The HTML comes from our own Markdown files with raw HTML switched off (piaops.manual.render).
    body = mark_safe(found.html)
    return render(request, "manual/chapter.html", {"chapter": found, "body": body, "contents": contents})


@tenant_view()
def image(request: HttpRequest, name: str) -> FileResponse:
    """A screenshot of the manual (demo data only), by its file name under ``docs/manual/images/``."""
    path = manual.IMAGES / name
    if not manual.IMAGE_NAME.match(name) or not path.is_file():
        raise Http404("画像がありません。")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
