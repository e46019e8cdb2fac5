"""Server-rendered inline SVG charts: no JavaScript, readable when printed (patterns of grey plus labels),
each with an accessible ``<title>``/``<desc>`` and every bar a link to the list behind it.

A chart is ``role="group"``, not ``img``: an image's content is presentational, so the links inside it would be
interactive controls nested in a non-interactive one (axe ``nested-interactive``) and unreachable for screen
readers. Each link carries its own name (``aria-label``), as a bare ``<rect>`` has no text."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)

# Colours from the DADS palette, distinguishable in greyscale print; the labels carry the meaning anyway.
PALETTE = ("#197a4b", "#9bd4b5", "#ffc700", "#fe3939", "#b3b3b3", "#7096f8")
# A segment's colour says what its state means (never "done" green for work not started), by its tone.
TONES = {
    "done": "#197a4b",  # green-800: finished
    "waiting": "#9bd4b5",  # green-200: handed in, not yet confirmed
    "progress": "#7096f8",  # blue-400: being worked on
    "attention": "#fe3939",  # red-600: sent back / needs action
    "idle": "#e6e6e6",  # solid-gray-100: not started
}


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    href: str = ""
    tone: str = ""  # a key of TONES; without one the segment takes the palette colour of its position


def _fill(segment: Segment, i: int) -> str:
    return TONES.get(segment.tone) or PALETTE[i % len(PALETTE)]


def stacked_bar(title: str, segments: list[Segment], *, width: int = 560) -> SafeString:
    """One horizontal bar split into segments (e.g. checklists per status), with a legend below it."""
    total = sum(s.value for s in segments)
    uid = f"chart{next(_ids)}"
    desc = "、".join(f"{s.label} {s.value}" for s in segments)
    parts = [
        f'<svg class="chart" role="group" aria-labelledby="{uid}t {uid}d" width="{width}" '
        f'height="{30 + 22 * len(segments)}" viewBox="0 0 {width} {30 + 22 * len(segments)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}t">{escape(title)}</title><desc id="{uid}d">{escape(desc)}（計 {total}）</desc>',
    ]
    x = 0.0
    for i, s in enumerate(segments):
        if total and s.value:
            w = width * s.value / total
            rect = (
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="20" fill="{_fill(s, i)}" '
                f'stroke="#000" stroke-width="0.5"><title>{escape(s.label)}: {s.value}</title></rect>'
            )
            name = escape(f"{s.label}: {s.value}")
            parts.append(f'<a href="{escape(s.href)}" aria-label="{name}">{rect}</a>' if s.href else rect)
            x += w
    for i, s in enumerate(segments):
        y = 30 + 22 * i
        text = (
            f'<rect x="0" y="{y}" width="14" height="14" fill="{_fill(s, i)}" stroke="#000" '
            f'stroke-width="0.5"/><text x="20" y="{y + 12}" font-size="13">{escape(s.label)}: {s.value}</text>'
        )
        name = escape(f"{s.label}: {s.value}")
        parts.append(f'<a href="{escape(s.href)}" aria-label="{name}">{text}</a>' if s.href else text)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def text_width(text: str, size: int) -> float:
    """A generous estimate of ``text``'s width in px at ``size``: full-width characters (漢字, かな) take the whole em,
    others at most 0.62 em; fonts differ, so the estimate errs on the wide side."""
    return sum(size if ord(c) > 0x2E7F or c in "（）" else size * 0.62 for c in text)


def fit(text: str, size: int, room: float) -> str:
    """``text`` cut (with …) to fit ``room`` px at ``size``: a label never runs out of its chart."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


@dataclass(frozen=True)
class Bar:
    label: str
    rate: float | None  # 0..1
    note: str = ""
    href: str = ""


def rate_bars(title: str, bars: list[Bar], *, width: int = 560, label_width: int = 200) -> SafeString:
    """Horizontal bars of rates (0–100%), one per row, with the percentage written next to each bar."""
    uid = f"chart{next(_ids)}"
    row = 22
    height = row * len(bars) + 4
    plot = width - label_width - 130  # room for "100.0%（123/456）" at 12px: never clipped by the SVG edge
    desc = "、".join(f"{b.label} {'—' if b.rate is None else f'{b.rate * 100:.1f}%'}" for b in bars)
    parts = [
        f'<svg class="chart" role="group" aria-labelledby="{uid}t {uid}d" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}t">{escape(title)}</title><desc id="{uid}d">{escape(desc)}</desc>',
    ]
    for i, b in enumerate(bars):
        y = i * row + 2
        pct = "—" if b.rate is None else f"{b.rate * 100:.1f}%"
        w = 0 if b.rate is None else plot * b.rate
        fill = PALETTE[0] if (b.rate or 0) >= 0.95 else PALETTE[2] if (b.rate or 0) >= 0.8 else PALETTE[3]
        body = (
            f'<text x="{label_width - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
            f"{escape(fit(b.label, 12, label_width - 8))}<title>{escape(b.label)}</title></text>"
            f'<rect x="{label_width}" y="{y}" width="{plot}" height="16" fill="none" stroke="#999" stroke-width="0.5"/>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="16" fill="{fill}"/>'
            f'<text x="{label_width + plot + 6}" y="{y + 14}" font-size="12">{pct}{escape(b.note)}</text>'
        )
        name = escape(f"{b.label} {pct}{b.note}")
        parts.append(f'<a href="{escape(b.href)}" aria-label="{name}">{body}</a>' if b.href else body)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
