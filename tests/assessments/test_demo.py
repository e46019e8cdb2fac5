from __future__ import annotations

import datetime as dt

from django.test import Client

from piaops.assessments import demo
from piaops.assessments.models import AssessmentReport
from piaops.audittrail.models import AuditEntry
from tests.conftest import World


def test_the_demo_imports_the_published_report_and_a_revision_once(world: World, as_viewer: Client) -> None:
    demo.build(municipality=world.a, people=10, today=dt.date(2026, 11, 25))
    entries = AuditEntry.objects.count()
    demo.build(municipality=world.a, people=10, today=dt.date(2026, 11, 25))
    assert AuditEntry.objects.count() == entries

    v1, v2 = AssessmentReport.objects.filter(municipality=world.a, works__name=demo.WORK).order_by("version")
    assert (v1.status, v2.status, v2.previous) == ("superseded", "published", v1)
    assert v1.published_on == dt.date(2023, 3, 27) and v1.next_full_reassessment_due == dt.date(2028, 3, 27)
    assert (v1.revision, v2.revision) == ("reassessment", "correction")  # two kinds of versions
    assert v2.next_full_reassessment_due == dt.date(2028, 3, 27)  # a 修正 does not restart the 5-year clock
    marks = dict.fromkeys(["new", "changed", "unchanged"], 0)
    for change in v2.commitments.values_list("change", flat=True):
        marks[change] += 1
    assert marks["new"] >= 1 and marks["changed"] >= 1 and marks["unchanged"] > marks["new"] + marks["changed"]
    assert v2.items.get(number_path="Ⅳ-1-②").selected_choice == "特に力を入れて行っている"

    body = as_viewer.get(f"/assessments/{v2.pk}/diff/").content.decode()
    assert "<del>十分に行っている</del> → <ins>特に力を入れて行っている</ins>" in body
    assert "<ins>、3年度に1回以上すべての所属に対して</ins>" in body  # only the inserted characters are marked


def test_the_demo_holds_five_reports_of_different_works_and_every_tier(world: World) -> None:
    """Issue 18: the demo municipality holds reports of at least five works, of every tier, read from the files
    shipped in assessments/data by the same import as an upload."""
    demo.build(municipality=world.a, people=10, today=dt.date(2026, 11, 25))
    current = AssessmentReport.objects.filter(municipality=world.a).current()
    works = {w for r in current for w in r.works.values_list("name", flat=True)}
    assert len(works) >= 5 and {"住民基本台帳に関する事務", "介護保険に関する事務"} <= works
    assert {r.tier for r in current} >= {"full", "focused", "basic"}
    assert all(r.commitments.exists() for r in current)
    # The whole report: Ⅰ/Ⅱ/Ⅴ/Ⅵ fields stored and typed (the annual review reads 対象人数 and 取扱者数).
    profiles = {r.works.get().name: r.profile() for r in current if r.works.count() == 1}
    juki, kaigo = profiles["住民基本台帳に関する事務"], profiles["介護保険に関する事務"]
    assert juki.subjects is not None and juki.subjects.contains(1_950_000) and juki.review_result
    assert kaigo.handlers is not None and kaigo.handlers.contains(120) and kaigo.serious_accident is False
