from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Min
from django.test import Client

from piaops.audittrail.models import AuditEntry
from piaops.core.demo import DEMO_CODE, DEMO_PASSWORD
from piaops.tenancy import access
from piaops.tenancy.models import Assignment, OrgUnit, Party, Person, Role, RoleGrant, User, Work
from piaops.training.models import Record


def _demo(people: int = 120) -> str:
    out = io.StringIO()
    call_command("demo", people=people, today="2026-11-25", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (OrgUnit, Person, Assignment, Work, Party, User, RoleGrant, AuditEntry)
    }


def test_the_demo_mirrors_the_reference_report_and_prints_the_logins(db: None) -> None:
    output = _demo()

    sapporo = OrgUnit.objects.filter(municipality__code=DEMO_CODE)
    assert 40 <= sapporo.count() <= 50
    assert sapporo.get(is_governance=True).name == "番号制度推進課" and sapporo.filter(is_it=True).exists()
    works = set(Work.objects.filter(municipality__code=DEMO_CODE).values_list("name", flat=True))
    assert {"地方税賦課徴収事務", "国民健康保険に関する事務", "住民基本台帳に関する事務"} <= works
    kinds = set(Party.objects.filter(municipality__code=DEMO_CODE).values_list("kind", flat=True))
    assert {
        Party.Kind.MUNICIPALITY,
        Party.Kind.INTERMEDIATE_SERVER,
        Party.Kind.ELTAX_CONTRACTOR,
        Party.Kind.GOVERNMENT_CLOUD,
        Party.Kind.ASP,
        Party.Kind.GOV_CLOUD_OPERATOR,
    } <= kinds
    employment = set(Person.objects.filter(municipality__code=DEMO_CODE).values_list("employment_type", flat=True))
    assert {"regular", "fiscal_year", "reemployed", "dispatched", "contractor"} <= employment
    transfers = Assignment.objects.filter(municipality__code=DEMO_CODE, end_date="2026-03-31", person__employed_to=None)
    assert transfers.exists() and Assignment.objects.filter(handles_specific_personal_info=True).exists()
    roles = set(RoleGrant.objects.filter(municipality__code=DEMO_CODE).values_list("role", flat=True))
    assert roles == set(Role.values)
    for login in ("demo-admin", "demo-auditor", "demo-head", "demo-staff", "demo-contractor", "demo-viewer"):
        assert login in output
    assert DEMO_PASSWORD in output and "tokyo-admin" in output
    # The internal 個人番号利用事務監査 is run by an internal-control unit, named as municipalities name it; 「監査課」
    # (under a 監査事務局) reads as the secretariat of the statutory 監査委員, which does not run this audit.
    names = set(sapporo.values_list("name", flat=True))
    assert not names & {"監査課", "監査事務局", "監査委員事務局"}
    auditor = User.objects.get(username="demo-auditor")
    assert {a.unit.name for a in auditor.person.assignments.select_related("unit")} == {"内部統制推進課"}
    assert "札幌市 内部統制推進課" in output


def test_running_the_demo_twice_changes_nothing(db: None) -> None:
    _demo()
    first = _counts()

    _demo()

    assert _counts() == first


def test_every_demo_login_works_and_the_second_municipality_sees_only_its_own_units(db: None) -> None:
    _demo(people=30)

    for username in ("demo-admin", "demo-viewer", "tokyo-admin"):
        assert Client().login(username=username, password=DEMO_PASSWORD), username
    tokyo_admin = User.objects.get(username="tokyo-admin")
    visible = set(access.scoped(tokyo_admin, OrgUnit).values_list("municipality__code", flat=True))
    assert visible == {"130001"}


def test_years_gives_every_module_that_many_years_of_history(db: None) -> None:
    """``--years 3`` on 2026-11-25 (令和8年度): three past 年度 (令和5・6・7) and the current one, of people and
    training, self-inspections, audit programmes and their findings, incidents and door logs — nothing earlier."""
    from piaops.areas.models import DoorEvent
    from piaops.audits.models import AuditProgramme, AuditReport
    from piaops.findings.models import Finding, FindingStatus
    from piaops.incidents.models import Incident
    from piaops.lib.fiscal import fiscal_year
    from piaops.selfcheck.models import Campaign, CampaignStatus

    call_command("demo", people=120, years=3, today="2026-11-25", stdout=io.StringIO())
    m = {"municipality__code": DEMO_CODE}
    sapporo = Assignment.objects.filter(**m)
    assert sapporo.aggregate(first=Min("start_date"))["first"].isoformat() == "2023-04-01"  # 令和5年度 = 3 年度 back
    first_record = Record.objects.filter(**m).aggregate(first=Min("completed_on"))["first"]
    assert first_record is not None and first_record.year >= 2023
    years = {2023, 2024, 2025, 2026}

    campaigns = dict(Campaign.objects.filter(**m).values_list("fiscal_year", "status"))
    assert set(campaigns) == years
    assert campaigns[2023] == campaigns[2024] == campaigns[2025] == CampaignStatus.CLOSED
    assert set(AuditProgramme.objects.filter(**m).values_list("fiscal_year", flat=True)) == years
    assert set(AuditReport.objects.filter(**m).values_list("fiscal_year", flat=True)) == {2023, 2024, 2025}
    findings = Finding.objects.filter(**m)
    assert set(findings.values_list("fiscal_year", flat=True)) == years
    for source in ("self_inspection", "audit"):  # every past 年度 has findings of both kinds, all verified in 2023
        assert findings.filter(fiscal_year=2023, source=source).exists(), source
    assert set(findings.filter(fiscal_year=2023).values_list("status", flat=True)) == {FindingStatus.VERIFIED}
    incidents = Incident.objects.filter(**m)
    assert {fiscal_year(i.detected_at.date()) for i in incidents} == years
    door = DoorEvent.objects.filter(**m)
    assert {fiscal_year(e.at.date()) for e in door.only("at")} == years


def test_years_out_of_range_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="--years"):
        call_command("demo", years=0, stdout=io.StringIO())
