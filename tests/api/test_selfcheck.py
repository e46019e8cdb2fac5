"""Self-inspection over the API: templates, campaigns and checklists read as on the pages; answering and
submitting a checklist with the pages' rules (all or nothing, Japanese messages, no 個人番号)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from piaops.api.models import Scope
from piaops.audittrail.models import AuditEntry
from piaops.selfcheck.models import Checklist, ChecklistStatus
from tests import factories as f
from tests.api.conftest import TokenFor
from tests.api.test_protocol import MY_NUMBER
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign


@pytest.fixture
def checklist(world: World) -> Checklist:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    return Checklist.objects.get(campaign=campaign, unit=world.tax_a)


def _items(checklist: Checklist) -> list[int]:
    return [a.item_id for a in checklist.campaign.sort_answers(checklist.answers.select_related("item"))]


def _answers_path(checklist: Checklist) -> str:
    return f"/selfcheck/checklists/{checklist.pk}/answers"


def _complete(items: list[int]) -> dict[str, Any]:
    first, *rest = items
    return {
        "answers": [
            {
                "item_id": first,
                "value": "no",
                "comment": "持出簿の様式が古い",
                "improvement_plan": "様式を改訂する",
                "target_date": "2027-01-29",
            },
            *({"item_id": i, "value": "yes"} for i in rest),
        ]
    }


def _values(checklist: Checklist) -> set[str]:
    return set(checklist.answers.values_list("value", flat=True))


def test_checklists_are_read_as_on_the_pages(world: World, checklist: Checklist, token_for: TokenFor) -> None:
    other = Checklist.objects.get(campaign=checklist.campaign, unit=world.other_a)
    head = token_for(world.head_a)
    assert [c["id"] for c in head.get("/selfcheck/checklists").json()["items"]] == [checklist.pk]
    assert head.get(f"/selfcheck/checklists/{other.pk}").status_code == 403
    detail = head.get(f"/selfcheck/checklists/{checklist.pk}").json()
    assert detail["status"] == "not_started" and detail["history"] == [] and detail["submissions"] == []
    assert [a["number"] for a in detail["answers"]] == [1, 2]
    assert "二要素認証" in detail["answers"][1]["text"]
    assert head.get("/selfcheck/templates").status_code == 403  # templates are the governance division's page
    assert head.get(f"/selfcheck/campaigns/{checklist.campaign_id}").json()["status"] == "launched"

    admin = token_for(world.admin_a, scope=Scope.READ)
    assert {c["id"] for c in admin.get("/selfcheck/checklists").json()["items"]} == {checklist.pk, other.pk}
    listed = admin.get("/selfcheck/checklists", campaign_id=checklist.campaign_id + 1000).json()
    assert listed["items"] == []
    template = admin.get(f"/selfcheck/templates/{checklist.campaign.template_id}").json()
    assert [i["id"] for i in template["items"]] == _items(checklist)
    campaign = admin.get(f"/selfcheck/campaigns/{checklist.campaign_id}").json()
    assert campaign["target_unit_ids"] == sorted([world.tax_a.pk, world.other_a.pk])
    assert campaign["template_ids"] == [checklist.campaign.template_id]

    outsider = token_for(world.user_b)
    for path in (
        f"/selfcheck/checklists/{checklist.pk}",
        f"/selfcheck/campaigns/{checklist.campaign_id}",
        f"/selfcheck/templates/{checklist.campaign.template_id}",
    ):
        assert outsider.get(path).status_code == 404, path
    for path in ("/selfcheck/checklists", "/selfcheck/campaigns", "/selfcheck/templates"):
        assert outsider.get(path).json()["items"] == [], path


def test_a_campaign_in_preparation_is_only_for_municipality_wide_roles(world: World, token_for: TokenFor) -> None:
    draft = make_campaign(world.a, [world.tax_a], launch=False)
    head = token_for(world.head_a)
    assert head.get(f"/selfcheck/campaigns/{draft.pk}").status_code == 403
    assert head.get("/selfcheck/campaigns").json()["items"] == []
    viewer = token_for(world.viewer_a)
    assert [c["status"] for c in viewer.get("/selfcheck/campaigns", fiscal_year=2026).json()["items"]] == ["draft"]


def test_answers_saved_through_the_api_show_on_the_page(
    world: World, checklist: Checklist, token_for: TokenFor, as_head: Client
) -> None:
    head = token_for(world.head_a)
    response = head.post(_answers_path(checklist), _complete(_items(checklist)))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert [a["value"] for a in body["answers"]] == ["no", "yes"]
    assert body["answers"][0]["target_date"] == "2027-01-29"
    assert [(e["from_status"], e["to_status"]) for e in body["history"]] == [("not_started", "draft")]
    page = as_head.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
    assert "持出簿の様式が古い" in page and "様式を改訂する" in page
    summaries = AuditEntry.objects.filter(object_type="selfcheck.Checklist").values_list("summary", flat=True)
    assert "回答を保存（API、2項目）" in list(summaries)


def test_one_bad_answer_refuses_the_whole_batch_with_a_japanese_message_per_item(
    world: World, checklist: Checklist, token_for: TokenFor
) -> None:
    head = token_for(world.head_a)
    first, second = _items(checklist)
    bad = head.post(
        _answers_path(checklist),
        {"answers": [{"item_id": first, "value": "yes"}, {"item_id": second, "value": "たぶん"}]},
    )
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "項目2: 回答は「はい」「いいえ」「該当なし」から選んでください。"
    assert error["details"] == [
        {"field": "項目2", "message": "回答は「はい」「いいえ」「該当なし」から選んでください。"}
    ]
    unknown = head.post(_answers_path(checklist), {"answers": [{"item_id": first, "value": "yes"}, {"item_id": 0}]})
    assert unknown.status_code == 400 and "この自己点検票にない項目です" in unknown.json()["error"]["message"]
    twice = head.post(_answers_path(checklist), {"answers": [{"item_id": first}, {"item_id": first, "value": "yes"}]})
    assert twice.status_code == 400 and "複数回指定" in twice.json()["error"]["message"]
    empty = head.post(_answers_path(checklist), {"answers": []})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "invalid_request"
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.NOT_STARTED and _values(checklist) == {""}


def test_a_my_number_in_an_answer_is_refused_without_echoing_it(
    world: World, checklist: Checklist, token_for: TokenFor
) -> None:
    head = token_for(world.head_a)
    first, second = _items(checklist)
    response = head.post(
        _answers_path(checklist),
        {
            "answers": [
                {"item_id": first, "value": "yes"},
                {"item_id": second, "value": "na", "improvement_plan": f"対象者 {MY_NUMBER} の書類を確認"},
            ]
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"][0]["field"] == "項目2" and "改善計画に個人番号と思われる" in error["message"]
    assert MY_NUMBER not in response.content.decode()
    assert _values(checklist) == {""}
    assert not checklist.answers.filter(improvement_plan__contains="対象者").exists()


def test_the_head_submits_a_complete_checklist_and_it_is_locked_afterwards(
    world: World, checklist: Checklist, token_for: TokenFor, as_head: Client
) -> None:
    head = token_for(world.head_a)
    first, second = _items(checklist)
    head.post(_answers_path(checklist), {"answers": [{"item_id": first, "value": "no"}]})
    incomplete = head.post(f"/selfcheck/checklists/{checklist.pk}/submit", {})
    assert incomplete.status_code == 400
    details = incomplete.json()["error"]["details"]
    assert {"field": "項目1", "message": "「いいえ」の場合は改善計画を入力してください。"} in details
    assert {"field": "項目2", "message": "回答（はい・いいえ・該当なし）を選んでください。"} in details
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.DRAFT

    head.post(_answers_path(checklist), _complete([first, second]))
    submitted = head.post(f"/selfcheck/checklists/{checklist.pk}/submit", {})
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted" and body["round"] == 1
    assert [s["outcome"] for s in body["submissions"]] == ["pending"]
    assert body["history"][-1]["to_status"] == "submitted"
    assert "提出済" in as_head.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()

    locked = head.post(_answers_path(checklist), {"answers": [{"item_id": second, "value": "na", "comment": "x"}]})
    assert locked.status_code == 400
    assert locked.json()["error"]["message"] == "提出済みの自己点検票は変更できません。"
    again = head.post(f"/selfcheck/checklists/{checklist.pk}/submit", {})
    assert again.status_code == 400 and again.json()["error"]["message"] == "この自己点検票はすでに提出されています。"
    assert _values(checklist) == {"no", "yes"}


def test_who_may_answer_and_submit_is_the_pages_rule(world: World, checklist: Checklist, token_for: TokenFor) -> None:
    other = Checklist.objects.get(campaign=checklist.campaign, unit=world.other_a)
    items = _items(checklist)
    staff = token_for(f.user(world.a, "staff_a", f.Role.UNIT_STAFF, unit=world.tax_a))
    assert staff.post(_answers_path(checklist), _complete(items)).status_code == 200
    refused = staff.post(f"/selfcheck/checklists/{checklist.pk}/submit", {})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    head = token_for(world.head_a)
    other_items = [a.item_id for a in other.answers.all()]
    assert head.post(_answers_path(other), _complete(other_items)).status_code == 403
    for persona in (token_for(world.viewer_a), token_for(world.auditor_a)):
        assert persona.post(_answers_path(checklist), _complete(items)).status_code == 403
        assert persona.post(f"/selfcheck/checklists/{checklist.pk}/submit", {}).status_code == 403
    read_only = token_for(world.head_a, scope=Scope.READ)
    response = read_only.post(f"/selfcheck/checklists/{checklist.pk}/submit", {})
    assert response.status_code == 403 and "読み取り専用" in response.json()["error"]["message"]
    assert read_only.post(_answers_path(other), _complete(other_items)).status_code == 403
    outsider = token_for(world.user_b)
    assert outsider.post(_answers_path(checklist), _complete(items)).status_code == 404
    assert outsider.post(f"/selfcheck/checklists/{checklist.pk}/submit", {}).status_code == 404
    checklist.refresh_from_db()
    other.refresh_from_db()
    assert checklist.status == ChecklistStatus.DRAFT and other.status == ChecklistStatus.NOT_STARTED
    assert _values(other) == {""}


def test_a_stale_version_is_refused_with_both_versions_and_nothing_is_saved(
    world: World, checklist: Checklist, token_for: TokenFor
) -> None:
    head = token_for(world.head_a)
    first, second = _items(checklist)
    loaded = head.get(f"/selfcheck/checklists/{checklist.pk}").json()["version"]
    saved = head.post(_answers_path(checklist), {"answers": [{"item_id": first, "value": "yes"}], "version": loaded})
    assert saved.status_code == 200 and saved.json()["version"] == loaded + 1

    stale = {"answers": [{"item_id": second, "value": "na", "comment": "古い画面から"}], "version": loaded}
    conflict = head.post(_answers_path(checklist), stale)
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["code"] == "conflict" and "保存していません" in error["message"]
    assert (error["details"][0]["your_version"], error["details"][0]["current_version"]) == (loaded, loaded + 1)
    assert _values(checklist) == {"yes", ""}
    late_submit = head.post(f"/selfcheck/checklists/{checklist.pk}/submit", {"version": loaded})
    assert late_submit.status_code == 409
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.DRAFT and checklist.version == loaded + 1

    unchecked = head.post(_answers_path(checklist), {"answers": [{"item_id": second, "value": "yes"}]})
    assert unchecked.status_code == 200 and unchecked.json()["version"] == loaded + 2
    head.post(_answers_path(checklist), _complete([first, second]))
    current = head.get(f"/selfcheck/checklists/{checklist.pk}").json()["version"]
    submitted = head.post(f"/selfcheck/checklists/{checklist.pk}/submit", {"version": current})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_a_version_does_not_open_the_checklist_to_outsiders_or_read_only_tokens(
    world: World, checklist: Checklist, token_for: TokenFor
) -> None:
    items = _items(checklist)
    payload = {**_complete(items), "version": checklist.version}
    outsider, read_only = token_for(world.user_b), token_for(world.head_a, scope=Scope.READ)
    assert outsider.post(_answers_path(checklist), payload).status_code == 404
    assert outsider.post(f"/selfcheck/checklists/{checklist.pk}/submit", {"version": 1}).status_code == 404
    assert read_only.post(_answers_path(checklist), payload).status_code == 403
    assert read_only.post(f"/selfcheck/checklists/{checklist.pk}/submit", {"version": 1}).status_code == 403
    checklist.refresh_from_db()
    assert checklist.version == 1 and _values(checklist) == {""}


def test_a_submit_without_a_body_still_submits(world: World, checklist: Checklist, token_for: TokenFor) -> None:
    head = token_for(world.head_a)
    head.post(_answers_path(checklist), _complete(_items(checklist)))
    path = f"/api/v1/selfcheck/checklists/{checklist.pk}/submit"
    bare = head.client.post(path, "", content_type="application/json", headers=head._headers())
    assert bare.status_code == 200, bare.content
    assert bare.json()["status"] == "submitted"
