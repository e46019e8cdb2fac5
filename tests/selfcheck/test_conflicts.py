"""Two people saving the same checklist from one version: the second is told, sees both, and nothing is overwritten.

(The same race between two real database connections is in tests/trust/test_races.py.)
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from piaops.lib.versioning import ConflictError
from piaops.selfcheck import services
from piaops.selfcheck.models import Checklist
from tests import factories as f
from tests.conftest import World, login
from tests.selfcheck.helpers import make_campaign


def _checklist(world: World) -> Checklist:
    campaign = make_campaign(world.a, [world.tax_a])
    return Checklist.objects.get(campaign=campaign, unit=world.tax_a)


def _form(client: Client, checklist: Checklist) -> dict[str, str]:
    """What the page's answer form would post untouched: its version and the items left unanswered."""
    body = client.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', body)
    assert version is not None
    data = {"version": version.group(1)}
    for a in checklist.answers.all():
        data |= {f"v{a.item_id}": "", f"c{a.item_id}": "", f"p{a.item_id}": "", f"d{a.item_id}": ""}
    return data


def _answer(data: dict[str, str], item_id: int, value: str, comment: str = "") -> dict[str, str]:
    return data | {f"v{item_id}": value, f"c{item_id}": comment}


def test_the_second_of_two_saves_from_one_version_is_refused_with_both_versions_shown(
    world: World, as_head: Client
) -> None:
    checklist = _checklist(world)
    item = checklist.answers.order_by("item__order").first()
    assert item is not None
    staff = login(f.user(world.a, "staff_a", f.Role.UNIT_STAFF, unit=world.tax_a))
    head_form, staff_form = _form(as_head, checklist), _form(staff, checklist)

    first = as_head.post(f"/selfcheck/checklists/{checklist.pk}/", _answer(head_form, item.item_id, "yes"))
    assert first.status_code == 302
    second = staff.post(
        f"/selfcheck/checklists/{checklist.pk}/", _answer(staff_form, item.item_id, "na", "窓口業務なし")
    )

    assert second.status_code == 409
    body = second.content.decode()
    assert "他の利用者が先に保存しました" in body
    assert "第1版" in body and "第2版" in body  # the version the staff opened, and the one stored now
    assert "head_a" in body  # who saved the stored version
    assert "窓口業務なし" in body  # what the staff typed is shown and kept in the form
    item.refresh_from_db()
    assert (item.value, item.comment) == ("yes", "")  # the head's answer stands
    checklist.refresh_from_db()
    assert checklist.version == 2

    # Having seen both, saving again (the form now carries version 2) keeps the staff's answer.
    again = re.search(r'name="version" value="(\d+)"', body)
    assert again is not None and again.group(1) == "2"
    third = staff.post(
        f"/selfcheck/checklists/{checklist.pk}/",
        _answer(staff_form | {"version": "2"}, item.item_id, "na", "窓口業務なし"),
    )
    assert third.status_code == 302
    item.refresh_from_db()
    assert (item.value, item.comment) == ("na", "窓口業務なし")


def test_a_save_submit_from_a_stale_version_submits_nothing(world: World, as_head: Client) -> None:
    checklist = _checklist(world)
    stale = _form(as_head, checklist)
    services.checklist_save_answers(
        checklist=checklist, answers={a.item_id: services.AnswerInput("yes") for a in checklist.answers.all()}
    )
    data = stale | {"confirm": "1"} | {f"v{a.item_id}": "yes" for a in checklist.answers.all()}
    assert as_head.post(f"/selfcheck/checklists/{checklist.pk}/submit/", data).status_code == 409
    checklist.refresh_from_db()
    assert checklist.status == "draft" and not checklist.submissions.exists()


def test_the_service_refuses_a_stale_version_and_writes_nothing(world: World) -> None:
    checklist = _checklist(world)
    item_id = checklist.answers.values_list("item_id", flat=True).first()
    assert item_id is not None
    services.checklist_save_answers(checklist=checklist, answers={item_id: services.AnswerInput("yes")})
    with pytest.raises(ConflictError) as exc:
        services.checklist_save_answers(
            checklist=Checklist.objects.get(pk=checklist.pk),
            answers={item_id: services.AnswerInput("no")},
            expected_version=1,
        )
    assert (exc.value.expected, exc.value.current) == (1, 2)
    assert checklist.answers.get(item_id=item_id).value == "yes"
    # None (imports, the API) skips the check but still moves the version, so that open forms notice.
    services.checklist_save_answers(checklist=checklist, answers={item_id: services.AnswerInput("na", "x")})
    checklist.refresh_from_db()
    assert checklist.version == 3


def test_the_versioned_post_keeps_the_outsider_out_and_the_read_only_roles_refused(
    world: World, as_head: Client, as_outsider: Client, as_viewer: Client
) -> None:
    checklist = _checklist(world)
    data = _form(as_head, checklist)
    assert as_outsider.post(f"/selfcheck/checklists/{checklist.pk}/", data).status_code == 404
    assert as_viewer.post(f"/selfcheck/checklists/{checklist.pk}/", data).status_code == 403
    checklist.refresh_from_db()
    assert checklist.version == 1
