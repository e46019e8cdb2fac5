"""Every operation of the OpenAPI document, fuzzed by schemathesis against the real server on loopback.

The server runs in a subprocess (``piaops runserver --noreload``) on a SQLite file of its own, migrated and seeded
with a small municipality and a read-write token (the audit-trail triggers forbid pytest-django's live server).
Checks: no 5xx, every status answered is declared (errors too), and every response conforms to its schema. Few
examples per operation keep it bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.live import DATABASE_FILE, copy_migrated, run_piaops, runserver

pytestmark = pytest.mark.engine_independent

SEED = """
import datetime as dt
from django.utils import timezone
from piaops.api.services import token_create
from piaops.incidents.services import incident_record
from piaops.tenancy.models import *
m = Municipality.objects.create(name="札幌市", code="011002")
root = OrgUnit.objects.create(municipality=m, name="総務局", code="A100", path="")
root.path = f"/{root.pk}/"; root.save()
p = Person.objects.create(municipality=m, staff_number="0001", name="札幌 太郎", employment_type="regular")
Assignment.objects.create(municipality=m, person=p, unit=root, start_date=dt.date(2024, 4, 1))
w = Work.objects.create(municipality=m, name="地方税賦課徴収事務")
Party.objects.create(municipality=m, name="J-LIS", kind="intermediate_server")
u = User.objects.create_user("api_admin", municipality=m)
RoleGrant.objects.create(municipality=m, user=u, role="admin")
incident_record(municipality=m, user=u, title="誤送付", description="通知書", detected_at=timezone.now())
from piaops.selfcheck import services as selfcheck
t = selfcheck.template_create(municipality=m, title="自己点検票")
c = selfcheck.campaign_create(
    municipality=m, fiscal_year=2026, title="自己点検", template=t, deadline=dt.date(2026, 12, 11), units=[root]
)
selfcheck.campaign_launch(campaign=c)
from piaops.findings.services import finding_create
finding_create(unit=root, fiscal_year=2026, title="持出簿が記録されていない", source="self_inspection")
from piaops.audits import services as audits
prog = audits.programme_create(municipality=m, fiscal_year=2026)
audits.audit_create(
    programme=prog, unit=root, works=[w], audit_type="document",
    planned_start=dt.date(2026, 10, 1), planned_end=dt.date(2026, 10, 1), auditors=[],
)
from piaops.training.models import Course, Record, Requirement, Session
c = Course.objects.create(municipality=m, code="SEC1", title="情報セキュリティ研修")
Session.objects.create(municipality=m, course=c, date=dt.date(2026, 4, 10))
r = Requirement.objects.create(municipality=m, name="初任者研修", trigger="initial")
r.courses.add(c)
Record.objects.create(municipality=m, person=p, course=c, completed_on=dt.date(2026, 4, 10))
from piaops.assurance.models import CloudService, Contract, Subcontract
asp = Party.objects.create(municipality=m, name="税務システム株式会社", kind="asp")
k = Contract.objects.create(municipality=m, party=asp, title="運用委託", start_date=dt.date(2025, 4, 1))
Subcontract.objects.create(municipality=m, contract=k, name="データ入力株式会社")
CloudService.objects.create(municipality=m, provider="A社", service_name="基盤", registration_number="C21-0001-1")
from piaops.areas.models import Area
Area.objects.create(municipality=m, name="サーバー室", code="SR1", managing_unit=root)
print("TOKEN=" + token_create(user=u, name="schemathesis", scope="read-write")[1])
"""


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    var_dir: Path = tmp_path_factory.mktemp("api-live")
    copy_migrated(var_dir / DATABASE_FILE)  # the migrate below has nothing left to do
    migrated = run_piaops("migrate", "--no-input", "-v0", var_dir=var_dir)
    assert migrated.returncode == 0, migrated.stderr
    seeded = run_piaops("shell", "-c", SEED, var_dir=var_dir)
    assert seeded.returncode == 0, seeded.stderr
    token = next(line[6:] for line in seeded.stdout.splitlines() if line.startswith("TOKEN="))
    rate = {"PIAOPS_API_RATE_LIMIT_PER_MINUTE": "1000000"}
    with runserver(var_dir, ready="/api/v1/openapi.json", env=rate) as base:
        yield base, token


def test_every_operation_answers_without_5xx_and_as_documented(live_api: tuple[str, str]) -> None:
    base, token = live_api
    api_schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case: Any) -> None:
            response = case.call_and_validate(
                base_url=base,
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            )
            statuses.append(response.status_code)

        exercise()

    # The fuzzing reached real data, not only refusals.
    assert 200 in statuses and 201 in statuses, sorted(set(statuses))
