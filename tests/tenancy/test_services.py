"""The services refuse what a form would have caught, for callers without a form (CLI, imports, other apps)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from piaops.audittrail.context import Actor, acting_as
from piaops.audittrail.models import AuditEntry
from piaops.audittrail.services import verify_chain
from piaops.tenancy import services
from piaops.tenancy.models import OrgUnit, Role, RoleGrant, WorkUnit
from tests import factories as f
from tests.conftest import World


def test_services_refuse_objects_of_another_municipality(world: World) -> None:
    person = f.person(world.a)
    other_party = f.party(world.b, "東京の委託先", kind="contractor")
    with pytest.raises(ValidationError):
        services.assignment_create(person=person, unit=world.root_b, start_date=dt.date(2025, 4, 1))
    with pytest.raises(ValidationError):
        services.work_create(municipality=world.a, name="事務", units=[world.root_b])
    with pytest.raises(ValidationError):
        services.person_update(
            person=person, staff_number=person.staff_number, name="X", employment_type="regular", party=other_party
        )
    with pytest.raises(ValidationError):
        services.role_grant(user=world.viewer_a, role=Role.UNIT_HEAD, unit=world.root_b)
    with pytest.raises(ValidationError):
        services.unit_create(municipality=world.a, name="X", code="X1", parent=world.root_b)
    assert not WorkUnit.objects.exists()
    person.refresh_from_db()
    assert person.party is None and person.name == "札幌 太郎"


def test_a_refused_update_leaves_the_callers_object_as_stored(world: World) -> None:
    with pytest.raises(ValidationError):
        services.unit_update(
            unit=world.tax_a, name="新しい名前", code="A100", kind="division", is_governance=False, is_it=False
        )
    assert world.tax_a.name == "税政課" and world.tax_a.code == "A210"


def test_an_invalid_municipality_code_is_refused_by_the_service_too(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.municipality_update(municipality=world.a, name="札幌市", code="011003", onsite_audit_cycle_years=3)
    assert "検査数字" in str(exc.value)


def test_a_role_is_granted_only_with_the_scope_it_needs(world: World) -> None:
    party = f.party(world.a, "委託先A", kind="contractor")
    with pytest.raises(ValidationError):
        services.role_grant(user=world.viewer_a, role=Role.UNIT_STAFF)
    with pytest.raises(ValidationError):
        services.role_grant(user=world.viewer_a, role=Role.CONTRACTOR)
    with pytest.raises(ValidationError):
        services.role_grant(user=world.viewer_a, role=Role.ADMIN, party=party)
    with pytest.raises(ValidationError):
        services.role_grant(user=world.viewer_a, role="superuser")
    assert RoleGrant.objects.filter(user=world.viewer_a).count() == 1


def test_the_last_active_admin_cannot_be_deactivated(world: World) -> None:
    second = f.user(world.a, "admin2_a", Role.ADMIN)
    services.user_deactivate(user=second, by=world.admin_a)
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(user=world.admin_a, by=world.viewer_a)
    assert "最後の番号制度総括管理者" in str(exc.value)
    world.admin_a.refresh_from_db()
    assert world.admin_a.is_active


def test_each_write_names_the_acting_user_and_keeps_the_chain_valid(world: World) -> None:
    with acting_as(Actor(user=world.admin_a, name="admin_a", remote_addr="10.0.0.1")):
        unit = services.unit_create(municipality=world.a, name="市民税課", code="A220", parent=world.tax_a)
        services.unit_move(unit=world.tax_a, parent=world.root_a)
    entries = AuditEntry.objects.for_municipality(world.a)
    assert entries.filter(object_id=str(unit.pk), object_type="tenancy.OrgUnit").count() == 2  # created, then moved
    assert set(entries.values_list("actor_name", flat=True)) == {"admin_a"}
    assert verify_chain(world.a.pk).ok
    unit.refresh_from_db()
    assert unit.path == f"{world.root_a.path}{world.tax_a.pk}/{unit.pk}/" and unit.depth == 2
    assert set(OrgUnit.objects.subtree(world.root_a)) >= {world.tax_a, world.tax_section_a, unit}
