from __future__ import annotations

import datetime as dt
from collections import Counter

from piaops.findings.models import Finding
from piaops.selfcheck import baseline, demo
from piaops.selfcheck.models import Campaign, Checklist
from tests import factories as f
from tests.conftest import World
from tests.selfcheck.helpers import make_report

TODAY = dt.date(2026, 11, 25)


def test_the_demo_step_skips_when_there_is_no_report(world: World) -> None:
    demo.build(municipality=world.a, people=10, today=TODAY)
    assert not Campaign.objects.exists()


def test_the_demo_step_builds_a_campaign_with_a_mix_of_states_once(world: World) -> None:
    make_report(world.a)
    units = [f.unit(world.a, f"第{i}課", parent=world.root_a) for i in range(10)]
    for u in units:
        f.assignment(f.person(world.a), u, handles=True)
    demo.build(municipality=world.a, people=10, today=TODAY)
    demo.build(municipality=world.a, people=10, today=TODAY)
    campaign, second = Campaign.objects.order_by("pk")  # a 年度 with two campaigns
    assert second.title == demo.SECOND_TITLE and second.fiscal_year == campaign.fiscal_year
    assert second.deadline > campaign.deadline and second.template_list() == [campaign.template_list()[1]]
    assert Counter(second.checklists.values_list("status", flat=True)) == {"accepted": 1, "not_started": 2}
    report_template, general = campaign.template_list()  # the report's commitments and the 安全管理措置 baseline
    assert report_template.report is not None and general.baseline_year == campaign.fiscal_year
    assert set(general.items.values_list("category", flat=True)) == set(baseline.SECTIONS)
    n_items = report_template.items.count() + general.items.count()
    assert all(c.answers.count() == n_items for c in Checklist.objects.filter(campaign=campaign))
    assert campaign.fiscal_year == 2026 and campaign.deadline == dt.date(2026, 12, 9)  # 10 開庁日 after
    states = Counter(Checklist.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert states == {"accepted": 4, "submitted": 2, "returned": 1, "draft": 2, "not_started": 1}
    assert Finding.objects.count() == sum(
        1 for c in Checklist.objects.filter(status="accepted") for a in c.answers.filter(value="no")
    )  # both campaigns' accepted いいえ
