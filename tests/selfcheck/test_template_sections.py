"""A unit's 自己点検票 covers the report's real measures: Section Ⅲ's as well as Ⅳ's, by a setting (issue 18 §2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from piaops.assessments.questions import as_question
from piaops.assessments.services import report_import
from piaops.selfcheck import services
from piaops.selfcheck.models import Category
from piaops.settings import _sections
from tests import factories as f
from tests.assessments.test_report_files import SOURCE
from tests.conftest import World

SECTION_III_MEASURE = "入手した書類は施錠できる書庫に保管する。"
SECTION_IV_MEASURE = "現地監査を定期的に行う。"  # an audit: never a unit's item
SECTION_IV_TRAINING = "研修(個人情報保護、セキュリティ対策に関する内容を含む。)を実施"


def _report_items(world: World) -> list[str]:
    report = report_import(
        municipality=world.a, works=[f.work(world.a)], data=SOURCE.encode(), filename="r.md", user=None
    )
    template = services.template_create(municipality=world.a, title="自己点検票", report=report, include_general=False)
    return list(template.items.filter(category=Category.REPORT).values_list("guidance", "text"))


def test_by_default_sections_iii_and_iv_feed_the_checklist(world: World) -> None:
    items = _report_items(world)
    assert any(g.startswith("評価書 Ⅲ-2-その他") and t == as_question(SECTION_III_MEASURE) for g, t in items)
    assert any(g.startswith("評価書 Ⅳ-2") and SECTION_IV_TRAINING in t for g, t in items)
    assert not any(t == as_question(SECTION_IV_MEASURE) for _, t in items)


@override_settings(PIAOPS_SELFCHECK_SECTIONS=("Ⅳ",))
def test_the_setting_chooses_the_sections(world: World) -> None:
    items = _report_items(world)
    assert items and all(g.startswith("評価書 Ⅳ") for g, _ in items)


def test_a_measure_of_a_party_not_registered_is_asked_naming_the_party(world: World) -> None:
    """§4: an item names the party when it is not the municipality. With no party registered the eLTAX
    contractor's measures are not recognised as another party's, so they stay in the checklist, but named; the
    municipality's own (札幌市における措置) are not."""
    items = [t for _, t in _report_items(world)]
    eltax = [t for t in items if t.endswith("セキュリティ対策の定期的な見直しを行っているか。")]
    assert eltax == [
        "【eLTAXシステム認定委託先事業者】技術基準により、認定委託先事業者はセキュリティ対策の定期的な見直しを"
        "行っているか。"
    ]
    own = [t for t in items if SECTION_IV_TRAINING in t]
    assert own and not any(t.startswith("【") for t in own)


def test_a_registered_party_of_the_municipality_is_not_named(world: World) -> None:
    f.party(world.a, "札幌市", kind="municipality")
    items = [t for _, t in _report_items(world)]
    assert any(SECTION_IV_TRAINING in t and not t.startswith("【") for t in items)


def test_the_setting_reads_ascii_numerals_and_refuses_anything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _sections("X_SECTIONS_UNSET", "III,IV") == ("Ⅲ", "Ⅳ")
    monkeypatch.setenv("X_SECTIONS", "iii, Ⅳ ,V")
    assert _sections("X_SECTIONS", "III,IV") == ("Ⅲ", "Ⅳ", "Ⅴ")
    monkeypatch.setenv("X_SECTIONS", "VII")
    with pytest.raises(ImproperlyConfigured):
        _sections("X_SECTIONS", "III,IV")


def test_the_admin_rewords_a_question_derived_from_a_commitment(
    world: World, as_admin: Client, as_viewer: Client, as_outsider: Client
) -> None:
    """§4: the rewriter's question is editable per item by the admin (the page's form); read-only roles get 403,
    another municipality 404. The link to the commitment is kept."""
    report = report_import(
        municipality=world.a, works=[f.work(world.a)], data=SOURCE.encode(), filename="r.md", user=None
    )
    template = services.template_create(municipality=world.a, title="自己点検票", report=report, include_general=False)
    item = template.items.filter(category=Category.REPORT).order_by("order").first()
    assert item is not None and item.text.endswith("か。") and item.commitment_id is not None
    url = f"/selfcheck/items/{item.pk}/"
    wording = {
        "category": item.category,
        "text": "書庫は施錠して管理しているか（所属で確認）。",
        "guidance": item.guidance,
    }
    assert as_viewer.post(url, wording).status_code == 403
    assert as_outsider.post(url, wording).status_code == 404
    assert as_admin.post(url, wording).status_code == 302
    item.refresh_from_db()
    assert item.text == wording["text"] and item.commitment_id is not None
