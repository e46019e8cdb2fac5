"""Run in a subprocess by the browser test: builds a launched campaign in the live server's own database.

Prints the checklist id.
"""

from __future__ import annotations

import django

django.setup()

from piaops.selfcheck.models import Checklist  # noqa: E402
from piaops.tenancy.models import Municipality, OrgUnit, Role, RoleGrant, User  # noqa: E402
from tests.selfcheck.helpers import make_campaign  # noqa: E402

m = Municipality.objects.create(name="札幌市", code="011002")
unit = OrgUnit.objects.create(municipality=m, name="税政課", code="A210")
unit.path = f"/{unit.pk}/"
unit.save()
head = User.objects.create_user(username="head", password="correct-horse-battery", municipality=m)
RoleGrant.objects.create(municipality=m, user=head, role=Role.UNIT_HEAD, unit=unit)
campaign = make_campaign(m, [unit])
print(Checklist.objects.get(campaign=campaign).pk)
