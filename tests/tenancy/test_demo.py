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


def test_years_sets_how_far_back_the_people_and_their_training_go(db: None) -> None:
    call_command("demo", people=200, years=2, today="2026-11-25", stdout=io.StringIO())
    sapporo = Assignment.objects.filter(municipality__code=DEMO_CODE)
    assert sapporo.aggregate(first=Min("start_date"))["first"].isoformat() == "2024-04-01"  # 令和6年度 = 2 年度 back
    first_record = Record.objects.filter(municipality__code=DEMO_CODE).aggregate(first=Min("completed_on"))["first"]
    assert first_record is not None and first_record.year >= 2024


def test_years_out_of_range_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="--years"):
        call_command("demo", years=0, stdout=io.StringIO())
