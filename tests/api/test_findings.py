"""Findings and follow-ups over the API: read as on the pages; the follow-up transitions with the pages' rights."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from piaops.api.models import Scope
from piaops.findings import services
from piaops.findings.models import Finding, FindingStatus, FollowUp, ProgressUpdate, Source
from tests.api.conftest import TokenFor
from tests.api.test_protocol import MY_NUMBER
from tests.conftest import World

PLAN = {"plan": "持出簿を毎日確認する", "due_date": "2027-01-29", "responsible": "税政課長"}


@pytest.fixture
def finding(world: World) -> Finding:
    return services.finding_create(
        unit=world.tax_a, fiscal_year=2026, title="持出簿が記録されていない", source=Source.SELF_INSPECTION
    )


def _path(finding: Finding, step: str) -> str:
    return f"/findings/findings/{finding.pk}/followup/{step}"


def _status(finding: Finding) -> str:
    finding.refresh_from_db()
    return finding.status


def test_findings_are_read_as_on_the_pages(world: World, finding: Finding, token_for: TokenFor) -> None:
    elsewhere = services.finding_create(unit=world.other_a, fiscal_year=2026, title="鍵の管理", source=Source.AUDIT)
    head = token_for(world.head_a)
    assert [x["id"] for x in head.get("/findings/findings").json()["items"]] == [finding.pk]
    assert head.get(f"/findings/findings/{elsewhere.pk}").status_code == 403
    detail = head.get(f"/findings/findings/{finding.pk}").json()
    assert detail["followup"] is None and [e["to_status"] for e in detail["history"]] == ["open"]
    viewer = token_for(world.viewer_a)
    assert {x["id"] for x in viewer.get("/findings/findings").json()["items"]} == {finding.pk, elsewhere.pk}
    assert [x["id"] for x in viewer.get("/findings/findings", status="open", fiscal_year=2025).json()["items"]] == []
    bad = viewer.get("/findings/findings", status="closed")
    assert bad.status_code == 400 and "status は open" in bad.json()["error"]["message"]
    outsider = token_for(world.user_b)
    assert outsider.get(f"/findings/findings/{finding.pk}").status_code == 404
    assert outsider.get("/findings/findings").json()["items"] == []


def test_a_follow_up_runs_from_plan_to_verification_and_shows_on_the_page(
    world: World, finding: Finding, token_for: TokenFor, as_head: Client
) -> None:
    head = token_for(world.head_a)
    planned = head.post(_path(finding, "plan"), PLAN)
    assert planned.status_code == 200, planned.content
    assert planned.json()["status"] == "planned" and planned.json()["followup"]["responsible"] == "税政課長"
    progress = head.post(_path(finding, "progress"), {"note": "様式を改訂した"})
    assert progress.status_code == 201 and progress.json()["note"] == "様式を改訂した"
    completed = head.post(_path(finding, "complete"), {"completed_on": "2027-01-20", "note": "運用を開始"})
    assert completed.json()["status"] == "completed"
    assert head.post(_path(finding, "accept"), {}).status_code == 403  # a unit does not verify itself
    admin = token_for(world.admin_a)
    accepted = admin.post(_path(finding, "accept"), {"note": "確認した"})
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["status"] == "verified" and body["followup"]["verified_by_id"] == world.admin_a.pk
    assert [e["to_status"] for e in body["history"]] == ["open", "planned", "completed", "verified"]
    followup = head.get(f"/findings/followups/{body['followup']['id']}").json()
    assert [p["note"] for p in followup["progress"]] == ["様式を改訂した"] and followup["status"] == "verified"
    assert [x["id"] for x in head.get("/findings/followups").json()["items"]] == [followup["id"]]
    page = as_head.get(f"/findings/{finding.pk}/").content.decode()
    assert "持出簿を毎日確認する" in page and "様式を改訂した" in page


def test_transitions_not_allowed_from_the_current_state_are_refused(
    world: World, finding: Finding, token_for: TokenFor
) -> None:
    head, admin = token_for(world.head_a), token_for(world.admin_a)
    no_plan = head.post(_path(finding, "complete"), {"completed_on": "2027-01-20", "note": "完了"})
    assert no_plan.status_code == 400 and no_plan.json()["error"]["message"] == "改善計画がまだありません。"
    head.post(_path(finding, "plan"), PLAN)
    early = admin.post(_path(finding, "accept"), {})
    assert early.status_code == 400
    assert early.json()["error"]["message"] == "完了報告済みの指摘事項だけ確認できます。"
    head.post(_path(finding, "complete"), {"completed_on": "2027-01-20", "note": "完了"})
    twice = head.post(_path(finding, "complete"), {"completed_on": "2027-01-21", "note": "完了"})
    assert twice.json()["error"]["message"] == "改善中の指摘事項だけ完了報告できます。"
    no_reason = admin.post(_path(finding, "reopen"), {"note": " "})
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["details"] == [{"field": "note", "message": "差し戻す理由を入力してください。"}]
    assert _status(finding) == FindingStatus.COMPLETED
    reopened = admin.post(_path(finding, "reopen"), {"note": "確認方法が未定"})
    assert reopened.json()["status"] == "planned"
    head.post(_path(finding, "complete"), {"completed_on": "2027-01-25", "note": "週次で確認"})
    admin.post(_path(finding, "accept"), {})
    revised = head.post(_path(finding, "plan"), PLAN)
    assert revised.status_code == 400
    assert revised.json()["error"]["message"] == "確認済みの指摘事項の改善計画は変更できません。"


def test_invalid_input_and_a_my_number_write_nothing(world: World, finding: Finding, token_for: TokenFor) -> None:
    head = token_for(world.head_a)
    saturday = head.post(_path(finding, "plan"), {**PLAN, "due_date": "2027-01-30"})
    assert saturday.status_code == 400 and "開庁日" in saturday.json()["error"]["message"]
    assert saturday.json()["error"]["details"][0]["field"] == "due_date"
    blank = head.post(_path(finding, "plan"), {**PLAN, "plan": ""})
    assert blank.json()["error"]["message"] == "改善計画を入力してください。"
    shape = head.post(_path(finding, "plan"), {"plan": "x", "due_date": "来月"})
    assert shape.status_code == 400 and shape.json()["error"]["code"] == "invalid_request"
    mine = head.post(_path(finding, "plan"), {**PLAN, "actions": f"番号 {MY_NUMBER} の本人に連絡"})
    assert mine.status_code == 400 and "個人番号" in mine.json()["error"]["message"]
    assert MY_NUMBER not in mine.content.decode()
    assert not FollowUp.objects.exists() and _status(finding) == FindingStatus.OPEN
    head.post(_path(finding, "plan"), PLAN)
    note = head.post(_path(finding, "progress"), {"note": f"{MY_NUMBER}の書類を回収"})
    assert note.status_code == 400 and MY_NUMBER not in note.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_rights_tokens_and_tenants_apply_to_every_step(world: World, finding: Finding, token_for: TokenFor) -> None:
    steps = {
        "plan": PLAN,
        "progress": {"note": "進捗"},
        "complete": {"completed_on": "2027-01-20", "note": "完了"},
        "accept": {},
        "reopen": {"note": "理由"},
    }
    viewer, read_only, outsider = (
        token_for(world.viewer_a),
        token_for(world.admin_a, scope=Scope.READ),
        token_for(world.user_b),
    )
    for step, data in steps.items():
        assert viewer.post(_path(finding, step), data).status_code == 403, step
        refused = read_only.post(_path(finding, step), data)
        assert refused.status_code == 403 and "読み取り専用" in refused.json()["error"]["message"], step
        assert outsider.post(_path(finding, step), data).status_code == 404, step
    assert not FollowUp.objects.exists() and _status(finding) == FindingStatus.OPEN


def test_audit_findings_are_verified_by_auditors_not_the_governance_division(world: World, token_for: TokenFor) -> None:
    finding = services.finding_create(unit=world.tax_a, fiscal_year=2026, title="権限", source=Source.AUDIT)
    followup = services.followup_plan(finding=finding, plan="棚卸し", due_date=dt.date(2027, 1, 29))
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="済")
    assert token_for(world.admin_a).post(_path(finding, "accept"), {}).status_code == 403
    assert token_for(world.auditor_a).post(_path(finding, "accept"), {}).json()["status"] == "verified"


@pytest.mark.parametrize("verifier", ["admin_a", "auditor_a"])
def test_the_governance_division_or_an_auditor_verifies_a_self_inspection_finding_as_on_the_page(
    world: World, finding: Finding, token_for: TokenFor, verifier: str
) -> None:
    # The same rule as the page (findings.views.can_verify, tests/findings/test_followup.py) and the README.
    assert finding.source == Source.SELF_INSPECTION
    followup = services.followup_plan(finding=finding, plan="棚卸し", due_date=dt.date(2027, 1, 29))
    services.followup_complete(followup=followup, completed_on=dt.date(2027, 1, 20), note="済")
    for other in (world.head_a, world.viewer_a):
        assert token_for(other).post(_path(finding, "accept"), {}).status_code == 403
    assert _status(finding) == FindingStatus.COMPLETED
    accepted = token_for(getattr(world, verifier)).post(_path(finding, "accept"), {})
    assert accepted.json()["status"] == "verified"


def test_a_stale_plan_version_is_refused_with_both_versions_and_nothing_is_saved(
    world: World, finding: Finding, token_for: TokenFor
) -> None:
    head = token_for(world.head_a)
    first = head.post(_path(finding, "plan"), {**PLAN, "version": 0})
    assert first.status_code == 200, first.content
    loaded = first.json()["followup"]["version"]
    revised = head.post(_path(finding, "plan"), {**PLAN, "plan": "持出簿を週次で確認する", "version": loaded})
    assert revised.status_code == 200 and revised.json()["followup"]["version"] == loaded + 1

    conflict = head.post(_path(finding, "plan"), {**PLAN, "plan": "古い画面からの計画", "version": loaded})
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["code"] == "conflict" and "保存していません" in error["message"]
    assert (error["details"][0]["your_version"], error["details"][0]["current_version"]) == (loaded, loaded + 1)
    second_first = head.post(_path(finding, "plan"), {**PLAN, "plan": "最初の計画のつもり", "version": 0})
    assert second_first.status_code == 409
    followup = FollowUp.objects.get(finding=finding)
    assert followup.plan == "持出簿を週次で確認する" and followup.version == loaded + 1

    unchecked = head.post(_path(finding, "plan"), {**PLAN, "plan": "毎日確認する"})
    assert unchecked.status_code == 200 and unchecked.json()["followup"]["version"] == loaded + 2
    assert head.get(f"/findings/followups/{followup.pk}").json()["plan"] == "毎日確認する"


def test_a_plan_version_does_not_open_the_finding_to_outsiders_or_read_only_tokens(
    world: World, finding: Finding, token_for: TokenFor
) -> None:
    services.followup_plan(finding=finding, plan="棚卸し", due_date=dt.date(2027, 1, 29))
    payload = {**PLAN, "version": 1}
    assert token_for(world.user_b).post(_path(finding, "plan"), payload).status_code == 404
    assert token_for(world.admin_a, scope=Scope.READ).post(_path(finding, "plan"), payload).status_code == 403
    followup = FollowUp.objects.get(finding=finding)
    assert followup.plan == "棚卸し" and followup.version == 1
