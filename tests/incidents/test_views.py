"""Incident pages for each persona: who may read, record, manage; the outsider gets 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client

from piaops.incidents import services
from piaops.incidents.models import Cause, Incident, Status
from piaops.tenancy.models import Party
from tests import factories as f
from tests.conftest import World, login
from tests.incidents.conftest import at


def test_the_list_shows_the_municipalitys_incidents_and_flags_late_ppc_reports(
    as_admin: Client, leak: Incident, world: World
) -> None:
    services.incident_record(
        municipality=world.b, user=None, title="東京都の事故", description="x", detected_at=at(dt.date(2026, 11, 1))
    )
    body = as_admin.get("/incidents/").content.decode()
    assert "通知書の誤送付" in body and "東京都の事故" not in body
    assert 'class="bad"' in body  # today (2026-11-25 or later) is past the 速報 due date of 2026-11-09


def test_a_unit_head_records_an_incident_for_their_unit(as_head: Client, world: World) -> None:
    response = as_head.post(
        "/incidents/new/",
        {
            "title": "USBメモリの紛失",
            "description": "課税資料を保存したUSBメモリを紛失した。",
            "detected_at": "2026-11-20T09:30",
            "reporting_unit": world.tax_a.pk,
            "personal_info_involved": "on",
            "lost": "on",
            "people_affected": "40",
            "unlawful_purpose": "on",
        },
    )
    incident = Incident.objects.get(title="USBメモリの紛失")
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.municipality == world.a and incident.created_by == world.head_a
    assert incident.ppc_prompt_due == dt.date(2026, 11, 25)
    page = as_head.get(f"/incidents/{incident.pk}/").content.decode()
    assert "USBメモリの紛失" in page and "2026-11-25" in page
    assert "報告が必要" in page and "第2号：不正の目的をもって行われたおそれ" in page


def test_the_page_shows_a_non_reportable_decision_and_its_reason(as_head: Client, world: World) -> None:
    as_head.post(
        "/incidents/new/",
        {
            "title": "通知書の誤送付",
            "description": "紙の通知書3通を誤送付した。",
            "detected_at": "2026-11-20T09:30",
            "reporting_unit": world.tax_a.pk,
            "personal_info_involved": "on",
            "leaked": "on",
            "people_affected": "3",
        },
    )
    incident = Incident.objects.get(title="通知書の誤送付")
    assert incident.ppc_prompt_due is None and incident.ppc_final_due is None
    page = as_head.get(f"/incidents/{incident.pk}/").content.decode()
    assert "報告は不要（団体内で対応し終結）" in page
    assert "規則第2条各号のいずれにも当たらない（本人の数3人）" in page
    assert "報告日を記録" not in page


def test_the_form_refuses_a_unit_of_another_municipality(as_head: Client, world: World) -> None:
    response = as_head.post(
        "/incidents/new/",
        {"title": "x", "description": "x", "detected_at": "2026-11-20T09:30", "reporting_unit": world.root_b.pk},
    )
    assert response.status_code == 200 and "正しく選択してください" in response.content.decode()
    assert not Incident.objects.filter(title="x").exists()


def test_a_unit_head_sees_only_incidents_of_their_subtree(world: World, leak: Incident) -> None:
    other = services.incident_record(
        municipality=world.a,
        user=world.admin_a,
        title="保険年金課の事故",
        description="x",
        detected_at=at(dt.date(2026, 11, 2)),
        reporting_unit=world.other_a,
    )
    client = login(world.head_a)
    body = client.get("/incidents/?status=all").content.decode()
    assert "通知書の誤送付" in body and "保険年金課の事故" not in body
    # Own municipality, outside their visible_to: 403 (tenant_object: 404 only outside the municipality).
    assert client.get(f"/incidents/{other.pk}/").status_code == 403


@pytest.mark.parametrize("persona", ["viewer_a", "auditor_a", "head_a"])
def test_read_only_personas_cannot_manage(
    world: World, parties: dict[str, Party], leak: Incident, persona: str
) -> None:
    client = login(getattr(world, persona))
    assert client.get(f"/incidents/{leak.pk}/").status_code == 200
    for url, data in [
        (f"/incidents/{leak.pk}/edit/", {}),
        (f"/incidents/{leak.pk}/transition/contain/", {}),
        (f"/incidents/{leak.pk}/route/", {"cause": Cause.ASP, "rationale": "x"}),
        (f"/incidents/{leak.pk}/ppc/", {"kind": "prompt", "reported_on": "2026-11-05"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    leak.refresh_from_db()
    assert leak.status == Status.REPORTED and leak.routed_party is None and leak.ppc_prompt_reported_on is None


def test_viewers_cannot_record_incidents(as_viewer: Client) -> None:
    assert as_viewer.get("/incidents/new/").status_code == 403


def test_the_outsider_gets_404_on_every_incident_url(
    as_outsider: Client, parties: dict[str, Party], leak: Incident
) -> None:
    assert as_outsider.get(f"/incidents/{leak.pk}/").status_code == 404
    assert "通知書の誤送付" not in as_outsider.get("/incidents/?status=all").content.decode()
    for url, data in [
        (f"/incidents/{leak.pk}/edit/", {}),
        (f"/incidents/{leak.pk}/note/", {"text": "x"}),
        (f"/incidents/{leak.pk}/transition/contain/", {}),
        (f"/incidents/{leak.pk}/route/", {"cause": Cause.ASP, "rationale": "x"}),
        (f"/incidents/{leak.pk}/consultation/", {}),
        (f"/incidents/{leak.pk}/ppc/", {"kind": "prompt", "reported_on": "2026-11-05"}),
    ]:
        assert as_outsider.post(url, data).status_code == 404, url


def test_the_admin_routes_reports_and_closes_through_the_pages(
    as_admin: Client, parties: dict[str, Party], leak: Incident
) -> None:
    as_admin.post(
        f"/incidents/{leak.pk}/route/", {"cause": Cause.ASP, "rationale": "ASPの設定誤り", "contract_clause": "第15条"}
    )
    as_admin.post(f"/incidents/{leak.pk}/ppc/", {"kind": "prompt", "reported_on": "2026-11-06"})
    as_admin.post(f"/incidents/{leak.pk}/ppc/", {"kind": "final", "reported_on": "2026-11-30"})
    as_admin.post(f"/incidents/{leak.pk}/transition/contain/", {})
    response = as_admin.post(f"/incidents/{leak.pk}/transition/close/", {"note": "再発防止策を確認"}, follow=True)
    leak.refresh_from_db()
    assert leak.status == Status.CLOSED and leak.routed_party == parties[Party.Kind.ASP]
    body = response.content.decode()
    assert "ASPが、当団体との契約に基づき対応する。" in body and "第15条" in body and "再発防止策を確認" in body


def test_a_refused_transition_shows_its_reason(as_admin: Client, leak: Incident) -> None:
    response = as_admin.post(f"/incidents/{leak.pk}/transition/close/", {}, follow=True)
    assert "できません" in response.content.decode()


def test_two_editors_saving_at_once_gets_a_conflict_with_both_versions(as_admin: Client, leak: Incident) -> None:
    form = {
        "title": leak.title,
        "description": "最初の編集者の内容",
        "detected_at": "2026-11-04T10:00",
        "personal_info_involved": "on",
        "people_affected": "20",
        "version": str(leak.version),
    }
    assert as_admin.post(f"/incidents/{leak.pk}/edit/", form).status_code == 302
    form["description"] = "二人目の編集者の内容"
    response = as_admin.post(f"/incidents/{leak.pk}/edit/", form)
    body = response.content.decode()
    assert response.status_code == 409
    assert "最初の編集者の内容" in body and "二人目の編集者の内容" in body
    leak.refresh_from_db()
    assert leak.description == "最初の編集者の内容"


def test_the_form_names_each_checkbox_beside_it_and_the_affected_works_as_a_group(
    as_head: Client, world: World
) -> None:
    """A checkbox's label sits beside it (not on the next line, where it reads as the next box's), and the list of
    affected works is a group with its name above it, not a label trailing after the last box."""
    f.work(world.a, "地方税賦課徴収事務")
    html = as_head.get("/incidents/new/").content.decode()
    assert 'class="inline-label">漏えい</label>' in html
    group = r"<fieldset[^>]*>\s*<legend>影響を受けた事務</legend>.*地方税賦課徴収事務.*</fieldset>"
    assert re.search(group, html, re.S)
    assert not re.search(r"地方税賦課徴収事務.*<label[^>]*>影響を受けた事務</label>", html, re.S)
    css = (settings.BASE_DIR / "core/static/piaops/app.css").read_text(encoding="utf-8")
    assert ".form label.inline-label { display:inline; }" in css  # beats ``.form label { display:block }``
