"""Records of other apps made from a report's commitments follow a new version of the report.

An obligation (assurance) or a training requirement made from a commitment keeps pointing at the version it was
made from until a newer version is imported; then each follows the commitment's successor, and when the
successor states another cadence its cycle changes with it (audit entry, and a note on its page).

The apps are named here by dotted path and imported when used, so this app imports none of them (the layering
rule). Each follower is ``follow(*, report, actor) -> int`` (rows changed) and runs inside the import's
transaction, so an import and what follows from it commit together or not at all.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from piaops.assessments.models import AssessmentReport, Commitment
from piaops.tenancy.models import User

FOLLOWERS = [
    "piaops.assurance.services.follow_report_version",
    "piaops.training.services.follow_report_version",
]


def successors(report: AssessmentReport) -> dict[int, Commitment]:
    """Each commitment of ``report`` that has a predecessor, keyed by the predecessor's id."""
    return {
        c.previous_id: c
        for c in Commitment.objects.filter(report=report, previous__isnull=False).select_related("report")
        if c.previous_id is not None
    }


def follow(*, report: AssessmentReport, actor: User | None) -> dict[str, int]:
    """Run every follower for a newly saved version; rows changed per follower."""
    return {path: import_string(path)(report=report, actor=actor) for path in FOLLOWERS}
