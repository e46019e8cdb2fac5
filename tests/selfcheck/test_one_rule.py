"""The one rule of each kind in self-inspection: who sees which rows (``visible_to``), the save-and-submit service,
the answers form (dates read by the lib's reader) and one view per action."""

from __future__ import annotations

import pytest
from django.test import Client

from piaops.audittrail.models import Action, AuditEntry
from piaops.selfcheck import services
from piaops.selfcheck.errors import ChecklistInvalid, SubmissionRefused
from piaops.selfcheck.models import Campaign, CampaignStatus, Checklist, ChecklistEvent, ChecklistStatus
from tests import factories as f
from tests.conftest import World, login
from tests.selfcheck.helpers import make_campaign


def test_visible_to_is_every_row_for_wide_readers_the_subtree_for_unit_roles_and_nothing_for_a_contractor(
    world: World,
) -> None:
    launched = make_campaign(world.a, [world.tax_a, world.other_a])
    draft = make_campaign(world.a, [world.tax_a], launch=False)
    make_campaign(world.b, [world.root_b])
    contractor = f.user(world.a, "contractor_a", f.Role.CONTRACTOR, party=f.party(world.a, "委託先", "contractor"))
    tax = Checklist.objects.get(campaign=launched, unit=world.tax_a)
    for wide in (world.admin_a, world.auditor_a, world.viewer_a):
        assert set(Checklist.objects.visible_to(wide)) == set(launched.checklists.all())
        assert set(Campaign.objects.visible_to(wide)) == {launched, draft}
    assert list(Checklist.objects.visible_to(world.head_a)) == [tax]
    assert list(Campaign.objects.visible_to(world.head_a)) == [launched]  # not the one in preparation
    assert not Checklist.objects.visible_to(contractor).exists()
    assert not Campaign.objects.visible_to(contractor).exists()


def test_a_checklist_the_user_may_not_see_answers_403_on_every_action(world: World, as_head: Client) -> None:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    other = Checklist.objects.get(campaign=campaign, unit=world.other_a)
    for action in ("", "submit/", "accept/", "return/", "reopen/", "evidence/", "upload/", "checklist.xlsx"):
        assert as_head.post(f"/selfcheck/checklists/{other.pk}/{action}", {}).status_code in (403, 405), action


def test_save_and_submit_is_one_service_that_keeps_the_draft_when_the_submission_is_refused(world: World) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    checklist = campaign.checklists.get()
    item_ids = list(checklist.answers.values_list("item_id", flat=True))
    incomplete = {item_ids[0]: services.AnswerInput("yes")}
    with pytest.raises(SubmissionRefused) as refused:
        services.checklist_save_and_submit(checklist=checklist, answers=incomplete, by=world.head_a, expected_version=1)
    assert refused.value.problems
    stored = Checklist.objects.get(pk=checklist.pk)
    assert stored.status == ChecklistStatus.DRAFT and stored.version == checklist.version == 2
    assert checklist.answers.get(item_id=item_ids[0]).value == "yes"
    complete = {i: services.AnswerInput("yes") for i in item_ids}
    submission = services.checklist_save_and_submit(
        checklist=checklist, answers=complete, by=world.head_a, expected_version=2
    )
    assert submission.submitted_by == world.head_a
    stored.refresh_from_db()
    assert stored.status == ChecklistStatus.SUBMITTED
    # The history row and the audit entry name the same actor (record_transition).
    event = ChecklistEvent.objects.filter(checklist=checklist).last()
    assert event is not None and event.by == world.head_a and event.to_status == ChecklistStatus.SUBMITTED
    entry = (
        AuditEntry.objects.filter(action=Action.TRANSITION, object_type="selfcheck.Checklist").order_by("seq").last()
    )
    assert entry is not None and entry.object_id == str(checklist.pk) and entry.actor == world.head_a
    assert entry.after is not None and (entry.after["status"], entry.after["round"]) == (ChecklistStatus.SUBMITTED, 1)


def test_a_refused_save_in_save_and_submit_saves_nothing(world: World) -> None:
    checklist = make_campaign(world.a, [world.tax_a]).checklists.get()
    with pytest.raises(ChecklistInvalid) as refused:
        services.checklist_save_and_submit(checklist=checklist, answers={999999: services.AnswerInput("yes")})
    assert not isinstance(refused.value, SubmissionRefused)
    stored = Checklist.objects.get(pk=checklist.pk)
    assert (stored.status, stored.version) == (ChecklistStatus.NOT_STARTED, 1)


@pytest.mark.parametrize("typed", ["2027-01-29", "2027/1/29", "R9.1.29", "令和9年1月29日"])
def test_the_answers_form_reads_the_target_date_with_the_lib_reader(world: World, as_head: Client, typed: str) -> None:
    checklist = make_campaign(world.a, [world.tax_a]).checklists.get()
    a = checklist.answers.first()
    assert a is not None
    data = {"version": "1", f"v{a.item_id}": "no", f"c{a.item_id}": "理由", f"p{a.item_id}": "計画"}
    response = as_head.post(f"/selfcheck/checklists/{checklist.pk}/", data | {f"d{a.item_id}": typed})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.target_date is not None and a.target_date.isoformat() == "2027-01-29"


def test_an_unreadable_date_is_shown_with_what_was_typed_and_nothing_is_saved(world: World, as_head: Client) -> None:
    checklist = make_campaign(world.a, [world.tax_a]).checklists.get()
    a = checklist.answers.first()
    assert a is not None
    data = {"version": "1", f"v{a.item_id}": "no", f"c{a.item_id}": "理由のメモ", f"d{a.item_id}": "来年"}
    response = as_head.post(f"/selfcheck/checklists/{checklist.pk}/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "改善予定日: 日付として読めません" in body and "理由のメモ" in body and 'value="来年"' in body
    assert Checklist.objects.get(pk=checklist.pk).version == 1


def test_the_submit_button_without_the_confirmation_saves_a_draft_only(world: World, as_head: Client) -> None:
    checklist = make_campaign(world.a, [world.tax_a]).checklists.get()
    data = {f"v{i}": "yes" for i in checklist.answers.values_list("item_id", flat=True)}
    response = as_head.post(f"/selfcheck/checklists/{checklist.pk}/submit/", data, follow=True)
    assert "下書きを保存しましたが、提出していません。" in response.content.decode()
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.DRAFT


def test_each_campaign_action_has_its_own_view(world: World, as_admin: Client) -> None:
    campaign = make_campaign(world.a, [world.tax_a], launch=False)
    response = as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/targets/", {"unit": [world.other_a.pk]})
    assert response.status_code == 302
    assert list(campaign.campaign_targets.values_list("unit_id", flat=True)) == [world.other_a.pk]
    as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/launch/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LAUNCHED
    as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/close/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    response = as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/copy/")
    new = Campaign.objects.exclude(pk=campaign.pk).get()
    assert response["Location"] == f"/selfcheck/campaigns/{new.pk}/" and new.fiscal_year == campaign.fiscal_year + 1
    head = login(world.head_a)
    for action in ("launch", "close", "copy", "targets"):
        assert head.post(f"/selfcheck/campaigns/{campaign.pk}/{action}/").status_code == 403


def test_a_unit_of_another_municipality_is_no_target(world: World, as_admin: Client) -> None:
    campaign = make_campaign(world.a, [world.tax_a], launch=False)
    as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/targets/", {"unit": [world.root_b.pk]})
    assert list(campaign.campaign_targets.values_list("unit_id", flat=True)) == [world.tax_a.pk]
