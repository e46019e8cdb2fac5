"""Test data of the 見直し: a published report of 地方税 on one work, with a contractor."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from piaops.assessments.models import AssessmentReport, ReportWork
from piaops.assessments.vocab import Tier
from piaops.tenancy.models import Municipality, Party, Work
from tests import factories as f
from tests.selfcheck.helpers import make_report

PUBLISHED = dt.date(2025, 6, 2)  # the version in force: the window starts here
FY = 2026


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def report_on_work(m: Municipality, *, tier: str = Tier.FOCUSED) -> tuple[AssessmentReport, Work, Party]:
    report = make_report(m)
    report.published_on, report.tier = PUBLISHED, tier
    report.save()
    work = f.work(m)
    ReportWork.objects.create(municipality=m, report=report, work=work)
    asp = f.party(m, "税務システムASP株式会社", kind=Party.Kind.ASP)
    return report, work, asp
