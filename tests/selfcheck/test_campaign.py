from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from piaops.selfcheck import services
from piaops.selfcheck.models import Answer, CampaignStatus, Checklist, ChecklistStatus
from piaops.selfcheck.xlsx import checklist_workbook
from tests import factories as f
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign, make_report


@time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC))
def test_default_targets_are_units_with_someone_handling_specific_personal_information(world: World) -> None:
    handling = f.person(world.a)
    f.assignment(handling, world.tax_section_a, handles=True)
    f.assignment(f.person(world.a), world.other_a, handles=False)
    ended = f.person(world.a)
    f.assignment(ended, world.governance_a, start=dt.date(2020, 4, 1), end=dt.date(2025, 3, 31), handles=True)
    units = services.default_target_units(municipality=world.a, on=dt.date(2026, 10, 1))
    assert units == [world.tax_section_a]


def test_a_deadline_on_a_closed_day_is_refused_with_the_next_office_day(world: World) -> None:
    template = services.template_create(municipality=world.a, title="一般")
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(
            municipality=world.a,
            fiscal_year=2026,
            title="x",
            template=template,
            deadline=dt.date(2026, 12, 29),  # year-end closure
            units=[world.tax_a],
        )
    assert "2027-01-04" in str(exc.value)


def test_launching_creates_one_checklist_per_unit_with_every_item(world: World) -> None:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a], general=True)
    assert campaign.status == CampaignStatus.LAUNCHED
    items = campaign.template.items.count()
    assert Checklist.objects.filter(campaign=campaign).count() == 2
    assert Answer.objects.filter(checklist__campaign=campaign).count() == 2 * items
    assert set(Checklist.objects.values_list("status", flat=True)) == {ChecklistStatus.NOT_STARTED}
    with pytest.raises(ValidationError):
        services.campaign_launch(campaign=campaign)


def test_copying_to_next_year_takes_the_changed_commitments_of_a_new_report(world: World) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    old_report = campaign.template.report
    assert old_report is not None
    make_report(
        world.a,
        version=2,
        previous=old_report,
        commitments=(
            ("所属長は自己点検票により年1回、評価書の記載どおり運用されているかを点検する。", "self_inspection"),
            ("端末は生体認証と二要素認証でログインする。", "operations"),
        ),
    )
    new = services.campaign_copy_to_next_year(campaign=campaign)
    assert new.fiscal_year == 2027
    assert new.deadline == dt.date(2027, 12, 13)  # 2027-12-11 is a Saturday
    assert new.template.version == 2 and new.template.report is not None and new.template.report.version == 2
    marks = dict(new.template.items.filter(category="report").values_list("text", "change"))
    # The items ask the commitments as questions (issue 18 §4).
    assert marks["端末は生体認証と二要素認証でログインしているか。"] == "new"
    assert marks["所属長は自己点検票により年1回、評価書の記載どおり運用されているかを点検しているか。"] == "unchanged"
    assert list(new.targets.all()) == [world.tax_a]
    assert new.status == CampaignStatus.DRAFT
    services.campaign_launch(campaign=new)
    wb = load_workbook(io.BytesIO(checklist_workbook(new.checklists.get())))
    marked = {row[2]: row[1] for row in wb["自己点検票"].iter_rows(min_row=7, values_only=True)}
    assert marked["端末は生体認証と二要素認証でログインしているか。"] == "評価書の記載事項【評価書で新規】"


def test_copying_without_a_new_report_keeps_the_template(world: World) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    new = services.campaign_copy_to_next_year(campaign=campaign)
    assert new.template == campaign.template


def test_next_year_takes_the_newest_template_version_with_the_admins_edits(world: World) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    services.template_item_add(template=campaign.template, text="来年度から追加する項目")
    new = services.campaign_copy_to_next_year(campaign=campaign)
    assert new.template.version == 2
    assert new.template.items.filter(text="来年度から追加する項目").exists()
