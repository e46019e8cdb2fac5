from __future__ import annotations

import datetime as dt

from django.test import Client

from piaops.selfcheck.models import Campaign, CampaignStatus, Checklist, ChecklistTemplate
from piaops.tenancy.access import POLICY, Perm
from piaops.tenancy.models import Role
from tests.conftest import World
from tests.selfcheck.helpers import make_report


def test_selfcheck_and_findings_views_are_for_everyone_but_contractors() -> None:
    for perm in (Perm.SELFCHECK_VIEW, Perm.FINDINGS_VIEW):
        assert Role.CONTRACTOR not in POLICY[perm]
        assert {Role.UNIT_STAFF, Role.VIEWER, Role.AUDITOR} <= POLICY[perm]


def test_the_admin_creates_a_template_and_a_campaign_and_launches_it_on_the_web(world: World, as_admin: Client) -> None:
    report = make_report(world.a)
    response = as_admin.post(
        "/selfcheck/templates/new/", {"title": "令和8年度 自己点検票", "report": report.pk, "include_general": "on"}
    )
    template = ChecklistTemplate.objects.get()
    assert response["Location"] == f"/selfcheck/templates/{template.pk}/"
    assert "二要素認証" in as_admin.get(response["Location"]).content.decode()
    response = as_admin.post(
        "/selfcheck/campaigns/new/",
        {
            "fiscal_year": 2026,
            "title": "自己点検",
            "templates": [template.pk],
            "deadline": "2026-12-12",  # a Saturday
            "reminder_office_days": 5,
        },
    )
    assert "提出期限は開庁日を指定してください" in response.content.decode()
    as_admin.post(
        "/selfcheck/campaigns/new/",
        {
            "fiscal_year": 2026,
            "title": "自己点検",
            "templates": [template.pk],
            "deadline": "2026-12-11",
            "reminder_office_days": 5,
        },
    )
    campaign = Campaign.objects.get()
    as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/targets/", {"unit": [world.tax_a.pk, world.other_a.pk]})
    as_admin.post(f"/selfcheck/campaigns/{campaign.pk}/launch/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LAUNCHED
    assert Checklist.objects.filter(campaign=campaign).count() == 2
    page = as_admin.get(f"/selfcheck/campaigns/{campaign.pk}/").content.decode()
    assert "未着手 2" in page and "税政課" in page


def test_an_overdue_unit_is_highlighted(world: World, as_admin: Client) -> None:
    import time_machine

    from tests.selfcheck.helpers import make_campaign

    campaign = make_campaign(world.a, [world.tax_a], deadline=dt.date(2026, 10, 1))
    with time_machine.travel(dt.datetime(2026, 10, 2, 1, tzinfo=dt.UTC)):
        page = as_admin.get(f"/selfcheck/campaigns/{campaign.pk}/").content.decode()
    assert "期限超過 1" in page


def test_only_the_admin_manages_templates_and_campaigns(
    world: World, as_head: Client, as_viewer: Client, as_outsider: Client
) -> None:
    report = make_report(world.a)
    for client in (as_head, as_viewer):
        assert client.post("/selfcheck/templates/new/", {"title": "x", "report": report.pk}).status_code == 403
        assert client.get("/selfcheck/campaigns/new/").status_code == 403
    # the outsider is an admin, but another municipality's report is not a choice for them
    response = as_outsider.post("/selfcheck/templates/new/", {"title": "x", "report": report.pk}, follow=True)
    assert "正しく選択してください" in response.content.decode()
    assert not ChecklistTemplate.objects.exists()


def test_unit_roles_see_their_checklists_on_the_index_but_not_a_campaign_in_preparation(
    world: World, as_head: Client, as_admin: Client
) -> None:
    from tests.selfcheck.helpers import make_campaign

    launched = make_campaign(world.a, [world.tax_a, world.other_a])
    draft = make_campaign(world.a, [world.tax_a], launch=False)
    page = as_head.get("/selfcheck/").content.decode()
    assert f"/selfcheck/checklists/{launched.checklists.get(unit=world.tax_a).pk}/" in page
    assert "保険年金課" not in page
    assert as_head.get(f"/selfcheck/campaigns/{draft.pk}/").status_code == 403
    admin_page = as_admin.get(f"/selfcheck/campaigns/{draft.pk}/").content.decode()
    assert 'name="unit"' in admin_page and "対象所属を保存" in admin_page


def test_a_closed_campaign_refuses_answers(world: World, as_head: Client) -> None:
    from piaops.selfcheck import services
    from tests.selfcheck.helpers import answer_all, make_campaign

    campaign = make_campaign(world.a, [world.tax_a])
    services.campaign_close(campaign=campaign)
    checklist = campaign.checklists.get()
    response = answer_all(as_head, checklist, action="save")
    assert response.status_code == 400
    assert "実施中ではないため、回答を変更できません" in response.content.decode()
    assert "下書き保存" not in response.content.decode()
    assert not checklist.answers.exclude(value="").exists()


def test_every_page_renders_for_the_admin(world: World, as_admin: Client) -> None:
    from tests.selfcheck.helpers import answer_all, make_campaign

    campaign = make_campaign(world.a, [world.tax_a], general=True)
    checklist = campaign.checklists.get()
    answer_all(as_admin, checklist, value="no", action="submit", comment="未実施", plan="実施する", date="2027-01-29")
    as_admin.post(f"/selfcheck/checklists/{checklist.pk}/accept/", {"confirm": "1"})
    finding = checklist.answers.first()
    assert finding is not None
    pages = [
        "/selfcheck/",
        "/selfcheck/campaigns/new/",
        f"/selfcheck/templates/{campaign.template_id}/",
        f"/selfcheck/campaigns/{campaign.pk}/",
        f"/selfcheck/campaigns/{campaign.pk}/results/",
        f"/selfcheck/campaigns/{campaign.pk}/rating/",
        f"/selfcheck/checklists/{checklist.pk}/",
        "/findings/",
    ]
    for url in pages:
        assert as_admin.get(url).status_code == 200, url
    from piaops.findings.models import Finding

    detail = as_admin.get(f"/findings/{Finding.objects.first().pk}/").content.decode()  # type: ignore[union-attr]
    assert "実施する" in detail and "改善中" in detail
