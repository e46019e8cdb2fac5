"""The 安全管理措置 baseline: a section organised as the PPC guideline for 行政機関等 (基本方針, 取扱規程等,
組織的・人的・物理的・技術的) on every unit's 自己点検票 of the 年度, edited by the admin per 年度 (versioned,
audited), its いいえ turned into findings and follow-up like every other item."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from piaops.audittrail.models import Action, AuditEntry
from piaops.findings.models import Finding, Source
from piaops.selfcheck import baseline, services
from piaops.selfcheck.models import AnswerValue, Campaign, Category, Checklist
from tests.conftest import World, login
from tests.selfcheck.helpers import DEADLINE, make_campaign, make_report

FY = 2026


def test_a_new_baseline_has_the_six_sections_of_the_guideline_in_order_and_is_recorded(world: World) -> None:
    template = baseline.ensure(municipality=world.a, fiscal_year=FY)
    categories = list(template.items.order_by("order").values_list("category", flat=True))
    # Every section present, in the guideline's order.
    assert (
        list(dict.fromkeys(categories))
        == list(baseline.SECTIONS)
        == [
            Category.POLICY,
            Category.RULES,
            Category.ORGANIZATIONAL,
            Category.HUMAN,
            Category.PHYSICAL,
            Category.TECHNICAL,
        ]
    )
    texts = "".join(template.items.values_list("text", flat=True))
    for workplace_measure in (
        "利用・出力",
        "持出し",
        "削除・廃棄の証明書",
        "アクセス権限",
        "ログ",
        "取扱区域",
        "管理区域",
    ):
        assert workplace_measure in texts
    assert baseline.ensure(municipality=world.a, fiscal_year=FY) == template  # once per 年度
    entry = AuditEntry.objects.get(object_type="selfcheck.ChecklistTemplate", object_id=str(template.pk))
    assert entry.action == Action.CREATE and "標準の項目" in entry.summary


def test_every_checklist_of_the_year_carries_the_newest_baseline_after_the_report_items(world: World) -> None:
    base = baseline.ensure(municipality=world.a, fiscal_year=FY)
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    report_template, carried = campaign.template_list()
    assert report_template.report is not None and carried == base
    for checklist in Checklist.objects.filter(campaign=campaign):
        answers = campaign.sort_answers(checklist.answers.select_related("item"))
        assert [a.item.template_id for a in answers][-base.items.count() :] == [base.pk] * base.items.count()
    # The baseline is in use: an edit makes version 2, which the next campaign of the 年度 carries at its launch.
    base.refresh_from_db()  # locked by the launch
    item = base.items.get(category=Category.POLICY)
    services.template_item_update(item=item, text="基本方針を所属の全員に周知しましたか。")
    v2 = baseline.current(world.a.pk, FY)
    assert v2 is not None and v2.version == 2 and v2.baseline_year == FY
    later = services.campaign_create(
        municipality=world.a, fiscal_year=FY, title="追加点検", templates=[base], deadline=DEADLINE, units=[world.tax_a]
    )
    assert later.template_list() == [v2]
    # A campaign of another 年度 never carries this one.
    other = services.campaign_create(
        municipality=world.a,
        fiscal_year=FY + 1,
        title="翌年度",
        templates=[report_template],
        deadline=DEADLINE,
        units=[world.tax_a],
    )
    assert other.template_list() == [report_template]


def test_an_edit_made_between_creation_and_launch_goes_into_the_checklists(world: World) -> None:
    base = baseline.ensure(municipality=world.a, fiscal_year=FY)
    first = make_campaign(world.a, [world.tax_a], launch=False)
    second = make_campaign(world.a, [world.other_a])  # launches: the baseline's version 1 is locked
    base.refresh_from_db()
    services.template_item_add(
        template=base, text="複合機の保存文書を定期的に消去していますか。", category=Category.TECHNICAL
    )
    services.campaign_launch(campaign=first)
    first = Campaign.objects.get(pk=first.pk)
    newest = baseline.current(world.a.pk, FY)
    assert newest is not None and newest.version == 2
    assert first.template_list()[-1] == newest and second.template_list()[-1] == base
    texts = set(Checklist.objects.get(campaign=first).answers.values_list("item__text", flat=True))
    assert "複合機の保存文書を定期的に消去していますか。" in texts
    assert AuditEntry.objects.filter(summary="安全管理措置の基準（最新の版）を付加", object_id=str(first.pk)).exists()


def test_the_next_year_starts_from_this_years_edits_and_a_copied_campaign_carries_it(world: World) -> None:
    base = baseline.ensure(municipality=world.a, fiscal_year=FY)
    services.template_item_add(template=base, text="窓口の受付簿を施錠保管していますか。", category=Category.PHYSICAL)
    campaign = make_campaign(world.a, [world.tax_a])
    nxt = services.campaign_copy_to_next_year(campaign=campaign)
    carried = nxt.template_list()[-1]
    assert carried.baseline_year == FY + 1 and carried.code == baseline.code_for(FY + 1)
    assert "窓口の受付簿を施錠保管していますか。" in set(carried.items.values_list("text", flat=True))
    assert sum(t.baseline_year is not None for t in nxt.template_list()) == 1


def test_a_no_to_a_baseline_item_becomes_a_finding_with_its_follow_up(world: World) -> None:
    baseline.ensure(municipality=world.a, fiscal_year=FY)
    campaign = make_campaign(world.a, [world.tax_a])
    checklist = Checklist.objects.get(campaign=campaign)
    answers = {}
    for a in checklist.answers.select_related("item"):
        if "持出し" in a.item.text:
            answers[a.item_id] = services.AnswerInput(
                AnswerValue.NO, "持出簿を付けていない。", "持出簿を備え付ける。", DEADLINE
            )
        else:
            answers[a.item_id] = services.AnswerInput(AnswerValue.YES)
    services.checklist_save_answers(checklist=checklist, answers=answers)
    services.checklist_submit(checklist=checklist)
    services.checklist_review(checklist=checklist, accept=True)
    finding = Finding.objects.get(source=Source.SELF_INSPECTION)
    assert "持出し" in finding.title and finding.unit == world.tax_a
    assert finding.followup.plan == "持出簿を備え付ける。"


# ------------------------------------------------------------------------------------------------ the page


def test_the_page_shows_the_sections_and_the_admin_creates_a_year(world: World, as_admin: Client) -> None:
    url = reverse("selfcheck:baseline")
    page = as_admin.get(f"{url}?fy={FY}").content.decode()
    assert "この年度の基準を作成する" in page
    response = as_admin.post(reverse("selfcheck:baseline_create"), {"fiscal_year": FY})
    assert response.status_code == 302 and response["Location"] == f"{url}?fy={FY}"
    page = as_admin.get(f"{url}?fy={FY}").content.decode()
    positions = [
        page.index(f"<h2>{label}</h2>") for label in ("基本方針の策定", "取扱規程等の策定", "技術的安全管理措置")
    ]
    assert positions == sorted(positions)
    template = baseline.current(world.a.pk, FY)
    assert template is not None and reverse("selfcheck:template", args=[template.pk]) in page


def test_creating_a_campaign_on_the_page_makes_and_attaches_the_baseline(world: World, as_admin: Client) -> None:
    report_template = services.template_create(municipality=world.a, title="自己点検票", report=make_report(world.a))
    response = as_admin.post(
        reverse("selfcheck:campaign_create"),
        {
            "fiscal_year": FY,
            "title": "令和8年度 自己点検",
            "templates": [report_template.pk],
            "deadline": DEADLINE.isoformat(),
            "reminder_office_days": 5,
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(municipality=world.a)
    assert [t.baseline_year for t in campaign.template_list()] == [None, FY]


@pytest.mark.parametrize("persona", ["auditor_a", "viewer_a"])
def test_readers_read_the_baseline_but_may_not_create_it(world: World, persona: str) -> None:
    baseline.ensure(municipality=world.a, fiscal_year=FY)
    client = login(getattr(world, persona))
    page = client.get(reverse("selfcheck:baseline") + f"?fy={FY}").content.decode()
    assert "基本方針の策定" in page and "項目を追加・変更する" not in page
    assert client.post(reverse("selfcheck:baseline_create"), {"fiscal_year": FY + 1}).status_code == 403
    assert baseline.current(world.a.pk, FY + 1) is None


def test_a_unit_head_may_not_read_it_and_another_municipality_sees_only_its_own(
    world: World, as_head: Client, as_outsider: Client
) -> None:
    template = baseline.ensure(municipality=world.a, fiscal_year=FY)
    services.template_item_add(template=template, text="札幌市だけの点検項目", category=Category.PHYSICAL)
    assert as_head.get(reverse("selfcheck:baseline")).status_code == 403
    page = as_outsider.get(reverse("selfcheck:baseline") + f"?fy={FY}").content.decode()
    assert "札幌市だけの点検項目" not in page and "この年度の基準を作成する" in page
    as_outsider.post(reverse("selfcheck:baseline_create"), {"fiscal_year": FY})
    own = baseline.current(world.b.pk, FY)
    assert own is not None and own != template and own.municipality_id == world.b.pk
