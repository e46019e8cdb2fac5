"""Unit names are unambiguous everywhere (issue 19 §2): two 市民税課, one under each 市税事務所, are told apart in
every pick list and every list of units, through the one helper ``unit_label`` (name with the unit's code, unique
in the municipality)."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

from piaops.areas.forms import AreaForm
from piaops.assessments.forms import CommitmentForm
from piaops.audits.forms import AuditAddForm
from piaops.incidents.forms import IncidentForm
from piaops.selfcheck.forms import TargetsForm
from piaops.tenancy.forms import UnitForm
from piaops.tenancy.models import OrgUnit, unit_label
from piaops.training.forms import RequirementForm
from tests import factories as f
from tests.conftest import World

SRC = Path(__file__).resolve().parents[2] / "src" / "piaops"


def _twins(world: World) -> tuple[OrgUnit, OrgUnit]:
    north = f.unit(world.a, "北部市税事務所", code="320100")
    south = f.unit(world.a, "南部市税事務所", code="320200")
    return f.unit(world.a, "市民税課", parent=north, code="320110"), f.unit(
        world.a, "市民税課", parent=south, code="320210"
    )


def test_the_label_is_the_name_with_the_code(world: World) -> None:
    one, two = _twins(world)
    assert (unit_label(one), unit_label(two)) == ("市民税課（320110）", "市民税課（320210）")
    assert one.label == unit_label(one)


def test_every_unit_pick_list_tells_two_units_of_one_name_apart(world: World) -> None:
    one, two = _twins(world)
    forms = {
        "UnitForm.parent": UnitForm(municipality=world.a).fields["parent"],
        "AuditAddForm.unit": AuditAddForm(user=world.admin_a).fields["unit"],
        "TargetsForm.unit": TargetsForm(municipality_id=world.a.pk).fields["unit"],
        "IncidentForm.reporting_unit": IncidentForm(municipality=world.a).fields["reporting_unit"],
        "AreaForm.managing_unit": AreaForm(municipality=world.a).fields["managing_unit"],
        "CommitmentForm.owner_unit": CommitmentForm(municipality=world.a).fields["owner_unit"],
        "RequirementForm.unit": RequirementForm(municipality=world.a).fields["unit"],
    }
    for name, field in forms.items():
        labels = {str(label).strip("　") for value, label in field.choices if value}  # type: ignore[attr-defined]
        assert {"市民税課（320110）", "市民税課（320210）"} <= labels, f"{name}: {sorted(labels)}"


def test_the_unit_tree_names_both(world: World, as_admin: Client) -> None:
    _twins(world)
    page = as_admin.get("/tenancy/units/").content.decode()
    assert "市民税課（320110）" in page and "市民税課（320210）" in page


def test_no_page_template_names_a_unit_by_its_bare_name() -> None:
    """Lists and headings name a unit by ``.label``; the PDF reports carry the code in a column of its own."""
    bare = re.compile(r"unit\.name\s*\}\}")
    found = [
        f"{t.relative_to(SRC)}:{n}"
        for t in sorted(SRC.rglob("templates/**/*.html"))
        if not t.name.endswith("_pdf.html")
        for n, line in enumerate(t.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line)
    ]
    assert found == [], "use {{ ….unit.label }}: " + ", ".join(found)
