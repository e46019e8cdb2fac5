from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from piaops.incidents import services
from piaops.incidents.models import Incident
from piaops.tenancy.models import Party
from tests import factories as f
from tests.conftest import World


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def parties(world: World) -> dict[str, Party]:
    return {
        kind: f.party(world.a, name, kind=kind)
        for kind, name in (
            (Party.Kind.MUNICIPALITY, "札幌市"),
            (Party.Kind.GOVERNMENT_CLOUD, "ガバメントクラウド（デジタル庁）"),
            (Party.Kind.ASP, "税務システムASP株式会社"),
            (Party.Kind.GOV_CLOUD_OPERATOR, "運用管理補助者株式会社"),
        )
    }


@pytest.fixture
def leak(world: World) -> Incident:
    """A leak of 特定個人情報 managed in the 個人番号利用事務's system (規則第2条第1号: reportable), known on Wednesday
    2026-11-04, reported by 税政課."""
    return services.incident_record(
        municipality=world.a,
        user=world.head_a,
        title="通知書の誤送付",
        description="12件の通知書を誤送付した。",
        detected_at=at(dt.date(2026, 11, 4)),
        reporting_unit=world.tax_a,
        personal_info_involved=True,
        leaked=True,
        people_affected=12,
        in_network_system=True,
    )
