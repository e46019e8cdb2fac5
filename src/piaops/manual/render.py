"""The manual's Markdown (``content/<slug>.md``, the same files as ``docs/manual/`` in the repository) as HTML.

Markdown is read by markdown-it-py (CommonMark + tables) with raw HTML off, so a manual page can hold no script or
markup of its own. A heading ends with ``{#anchor}`` to name its section: the ヘルプ link of a page points there
(``piaops.manual.sections``). Links to ``other.md#anchor`` and images under ``images/`` are written as the app's own
URLs, so the files read the same on a repository browser and in the app.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils.html import escape
from markdown_it import MarkdownIt
from markdown_it.token import Token

CONTENT = Path(__file__).resolve().parent / "content"
IMAGES = CONTENT / "images"
SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")
_ANCHOR = re.compile(r"\s*\{#([a-z][a-z0-9-]*)\}\s*$")
_CHAPTER_LINK = re.compile(r"^([a-z][a-z0-9-]*)\.md(#[a-z][a-z0-9-]*)?$")


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    html: str
    headings: tuple[Heading, ...]
    images: tuple[str, ...]  # the file names under images/ the chapter shows


def _chapter_url(slug: str) -> str:
    return reverse("manual:index") if slug == "index" else reverse("manual:chapter", args=[slug])


def _take_anchors(tokens: list[Token]) -> list[Heading]:
    """Move each heading's trailing ``{#anchor}`` into the heading's ``id``; the headings in order."""
    headings = []
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if opening.type != "heading_open" or inline.type != "inline":
            continue
        found = _ANCHOR.search(inline.content)
        if not found:
            continue
        anchor = found.group(1)
        inline.content = inline.content[: found.start()]
        last = inline.children[-1] if inline.children else None
        if last is not None and last.type == "text":
            last.content = _ANCHOR.sub("", last.content)
        opening.attrSet("id", anchor)
        headings.append(Heading(level=int(opening.tag[1]), anchor=anchor, text=inline.content))
    return headings


def _rewrite_targets(tokens: list[Token]) -> list[str]:
    """Chapter links and image sources as app URLs; the image file names."""
    images = []
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                if src.startswith("images/"):
                    images.append(src.removeprefix("images/"))
                    child.attrSet("src", reverse("manual:image", args=[src.removeprefix("images/")]))
            elif child.type == "link_open":
                found = _CHAPTER_LINK.match(str(child.attrGet("href") or ""))
                if found:
                    child.attrSet("href", _chapter_url(found.group(1)) + (found.group(2) or ""))
    return images


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        # Screenshots are wide: a link to the full-size file, and the browser scales the picture to the column.
        token = tokens[idx]
        src = escape(str(token.attrGet("src") or ""))
        alt = escape(self.renderInlineAsText(token.children or [], options, env))
        return f'<a href="{src}"><img src="{src}" alt="{alt}" loading="lazy"></a>'

    md.add_render_rule("image", image)
    return md


@functools.cache
def slugs() -> list[str]:
    """Every chapter: ``index`` first, then the others in the order ``index.md`` links to them (its table of
    contents), then any it does not link to by file name."""
    found = sorted(p.stem for p in CONTENT.glob("*.md") if SLUG.match(p.stem) and p.stem != "index")
    linked = re.findall(r"\]\(([a-z][a-z0-9-]*)\.md[)#]", (CONTENT / "index.md").read_text(encoding="utf-8"))
    ordered = list(dict.fromkeys(s for s in linked if s in found))
    return ["index", *ordered, *(s for s in found if s not in ordered)]


@functools.cache
def chapter(slug: str) -> Chapter | None:
    """The chapter ``slug`` (``None`` for an unknown one), read and rendered once per process."""
    if not SLUG.match(slug) or not (CONTENT / f"{slug}.md").is_file():
        return None
    md = _markdown()
    tokens = md.parse((CONTENT / f"{slug}.md").read_text(encoding="utf-8"))
    headings = _take_anchors(tokens)
    images = _rewrite_targets(tokens)
    title = next((t.content for o, t in zip(tokens, tokens[1:], strict=False) if o.tag == "h1"), slug)
    html = md.renderer.render(tokens, md.options, {})
    # The page's own <h1> is the chapter title: the file's first heading is not repeated.
    html = re.sub(r"^<h1[^>]*>.*?</h1>\n", "", html, count=1)
    return Chapter(slug=slug, title=title, html=html, headings=tuple(headings), images=tuple(images))


def anchors() -> dict[str, set[str]]:
    """Every chapter's section anchors: slug → anchors."""
    out: dict[str, set[str]] = {}
    for slug in slugs():
        found = chapter(slug)
        assert found is not None
        out[slug] = {h.anchor for h in found.headings}
    return out
