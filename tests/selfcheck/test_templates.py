from __future__ import annotations

from piaops.selfcheck import services
from piaops.selfcheck.general import GENERAL_ITEMS
from piaops.selfcheck.models import Category, ChecklistTemplate
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign, make_report


def test_a_template_takes_the_commitments_a_unit_can_check_and_the_general_set(world: World) -> None:
    report = make_report(world.a)
    template = services.template_create(municipality=world.a, title="自己点検票", report=report)
    texts = list(template.items.order_by("order").values_list("text", flat=True))
    assert texts[0].startswith("所属長は自己点検票により")
    assert "特定個人情報を扱う端末は二要素認証でログインしているか。" in texts  # asked as a question
    assert not any("監査を年1回" in t for t in texts)  # audits are not a unit's to check
    assert not any("中間サーバー" in t for t in texts)  # another party's measure
    general = template.items.exclude(category__in=[Category.REPORT, Category.ADDED])
    assert general.count() == len(GENERAL_ITEMS)
    assert set(general.values_list("category", flat=True)) == {
        Category.ORGANIZATIONAL,
        Category.HUMAN,
        Category.PHYSICAL,
        Category.TECHNICAL,
    }


def test_editing_a_template_in_use_makes_a_new_version_and_leaves_the_old_one(world: World) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    v1 = campaign.template
    assert v1.is_locked
    first = v1.items.order_by("order").first()
    assert first is not None
    item = services.template_item_update(item=first, text="所属長は年1回点検する（改）")
    assert item.template.version == 2
    assert item.template.previous == v1
    first.refresh_from_db()
    assert first.text.startswith("所属長は自己点検票により")
    services.template_item_add(template=v1, text="追加の確認項目")  # goes to the same draft version 2
    assert ChecklistTemplate.objects.filter(code=v1.code).count() == 2
    assert item.template.items.filter(text="追加の確認項目").exists()


def test_an_unused_template_is_edited_in_place(world: World) -> None:
    template = services.template_create(municipality=world.a, title="一般", include_general=True)
    item = services.template_item_add(template=template, text="個別の項目")
    assert item.template == template
    assert ChecklistTemplate.objects.count() == 1
