"""The demo municipality is built by steps, one per app, in dependency order.

Each step is a module with ``build(*, municipality: Municipality, people: int, today: date) -> None`` (the first,
``piaops.tenancy.demo``, creates the municipality itself through ``create_municipality``). A step whose ``build``
also takes ``years`` gets ``piaops demo --years N`` (the 年度 of history: the people's start dates, which the
training history follows, and the past 年度 of self-inspections, audit programmes, findings, incidents and door
logs); without ``--years`` each step keeps its own default. Each step runs in one transaction. Every step is idempotent
on its own: it checks whether its data is there and returns if so, so ``piaops demo`` can run again after a new
module is added. Steps are deterministic (a seeded ``random.Random``), never the wall clock except ``today``.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from typing import TYPE_CHECKING, Protocol

from piaops.lib.registry import load_all

if TYPE_CHECKING:
    from piaops.tenancy.models import Municipality

DEMO_STEPS: list[str] = [  # each a DemoStep (loaded by ``demo_steps``), in dependency order
    "piaops.tenancy.demo",
    "piaops.assessments.demo",
    "piaops.selfcheck.demo",
    "piaops.audits.demo",
    "piaops.training.demo",
    "piaops.assurance.demo",
    "piaops.incidents.demo",
    "piaops.areas.demo",
    "piaops.reviews.demo",
]


class DemoStep(Protocol):
    """A ``piaops.<app>.demo`` module (see the module docstring). Its ``build`` may also take ``years``."""

    __name__: str

    def build(self, *, municipality: Municipality, people: int, today: dt.date) -> None:
        """Build the step's data for ``municipality`` unless it is there already."""


@functools.cache
def demo_steps() -> list[DemoStep]:
    """The modules of ``DEMO_STEPS``, each held to :class:`DemoStep` (loaded once)."""
    return load_all(DEMO_STEPS, DemoStep)


def run_step(step: DemoStep, *, municipality: Municipality, people: int, today: dt.date, years: int | None) -> None:
    """``step.build``, with ``years`` when it is given and the step takes it (else the step keeps its default)."""
    takes_years = "years" in inspect.signature(step.build).parameters
    extra = {"years": years} if years is not None and takes_years else {}
    step.build(municipality=municipality, people=people, today=today, **extra)


DEMO_CODE = "011002"
DEMO_PASSWORD = "piaops-demo-2026"
