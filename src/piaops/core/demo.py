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

DEMO_STEPS = [
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

DEMO_CODE = "011002"
DEMO_PASSWORD = "piaops-demo-2026"
