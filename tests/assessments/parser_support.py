"""Shared helpers of the parser tests: fixture texts and a structural fingerprint of a parsed report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piaops.assessments.parsed import ParsedReport

DATA = Path(__file__).parent / "data"


def fixture_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def reference_text() -> str:
    return fixture_text("sapporo_section_iv.md")


def structure(report: ParsedReport) -> list[Any]:
    """What must survive a round trip or a noisy extraction: sections, items, ratings, parties, commitments."""
    return [
        (
            s.number,
            s.title,
            [
                (
                    i.number_path,
                    i.title,
                    i.choices,
                    i.selected,
                    [
                        (b.party_name, [(c.text, c.kind, c.cadence, c.cadences) for c in b.commitments])
                        for b in i.blocks
                    ],
                )
                for i in s.items
            ],
        )
        for s in report.sections
    ]
