from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from piaops.manual.sections import section_for


def help_url(request: HttpRequest) -> str:
    """The manual section for the page being drawn (``piaops.manual.sections``)."""
    match = getattr(request, "resolver_match", None)
    chapter, _, anchor = section_for(match.view_name if match else None).partition("#")
    url = reverse("manual:index") if chapter == "index" else reverse("manual:chapter", args=[chapter])
    return url + (f"#{anchor}" if anchor else "")


def manual(request: HttpRequest) -> dict[str, Any]:
    # A callable: resolved only where the header draws the link.
    return {"help_url": functools.partial(help_url, request)}
