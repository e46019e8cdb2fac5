from __future__ import annotations

from django.test import Client

from piaops.findings.models import Finding, FindingStatus, Source
from piaops.selfcheck.models import Checklist, ChecklistStatus, Submission
from tests.conftest import World
from tests.selfcheck.helpers import answer_all, make_campaign


def _submitted(world: World, as_head: Client, **kw: str) -> Checklist:
    campaign = make_campaign(world.a, [world.tax_a])
    checklist = Checklist.objects.get(campaign=campaign)
    answer_all(as_head, checklist, action="submit", **kw)
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.SUBMITTED
    return checklist


def test_the_admin_returns_with_comments_per_item_and_every_round_is_kept(
    world: World, as_head: Client, as_admin: Client
) -> None:
    checklist = _submitted(world, as_head)
    first = checklist.answers.order_by("item__order").first()
    assert first is not None
    response = as_admin.post(
        f"/selfcheck/checklists/{checklist.pk}/return/",
        {f"rc{first.item_id}": "点検の根拠を記載してください"},
    )
    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.RETURNED and checklist.round == 2
    page = as_head.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
    assert "差戻しコメント" in page and "点検の根拠を記載してください" in page
    answer_all(as_head, checklist, action="submit")
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.SUBMITTED
    as_admin.post(f"/selfcheck/checklists/{checklist.pk}/accept/", {"confirm": "1"})
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.ACCEPTED
    rounds = list(Submission.objects.filter(checklist=checklist).values_list("round", "outcome"))
    assert rounds == [(1, "returned"), (2, "accepted")]
    assert Submission.objects.get(round=1).comments.get().comment == "点検の根拠を記載してください"


def test_returning_without_any_comment_is_refused(world: World, as_head: Client, as_admin: Client) -> None:
    checklist = _submitted(world, as_head)
    response = as_admin.post(f"/selfcheck/checklists/{checklist.pk}/return/", {}, follow=True)
    assert "コメントか全体コメントを入力してください" in response.content.decode()
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.SUBMITTED


def test_only_the_governance_division_reviews(
    world: World, as_head: Client, as_viewer: Client, as_auditor: Client, as_outsider: Client
) -> None:
    checklist = _submitted(world, as_head)
    for action in ("accept", "return"):
        url = f"/selfcheck/checklists/{checklist.pk}/{action}/"
        data = {"confirm": "1", "note": "x"}
        assert as_head.post(url, data).status_code == 403
        assert as_viewer.post(url, data).status_code == 403
        assert as_auditor.post(url, data).status_code == 403
        assert as_outsider.post(url, data).status_code == 404  # admin of B: the object does not exist
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.SUBMITTED


def test_an_outsider_admin_gets_404_for_the_checklist(world: World, as_head: Client) -> None:
    from tests.conftest import login

    checklist = _submitted(world, as_head)
    outsider = login(world.user_b)
    assert outsider.get(f"/selfcheck/checklists/{checklist.pk}/").status_code == 404


def test_accepting_turns_every_no_into_a_finding_with_its_plan(world: World, as_head: Client, as_admin: Client) -> None:
    checklist = _submitted(
        world, as_head, value="no", comment="名簿が未更新", plan="4月に名簿を更新", date="2027-01-30"
    )
    as_admin.post(f"/selfcheck/checklists/{checklist.pk}/accept/", {"confirm": "1"})
    findings = Finding.objects.filter(unit=world.tax_a)
    assert findings.count() == checklist.answers.count()
    finding = findings.select_related("followup").first()
    assert finding is not None
    assert finding.source == Source.SELF_INSPECTION and finding.status == FindingStatus.PLANNED
    assert finding.description == "名簿が未更新"
    assert finding.followup.plan == "4月に名簿を更新"
    assert str(finding.followup.due_date) == "2027-02-01"  # 2027-01-30 is a Saturday: the next 開庁日
    assert finding.commitment is not None


def test_a_returned_checklist_opens_with_the_reviewers_comments_linking_to_their_items(
    world: World, as_head: Client, as_admin: Client
) -> None:
    """Issue 19 §2: the reviewer's note and item comments at the top of the page, each linking to its item's row."""
    checklist = _submitted(world, as_head)
    answers = list(checklist.answers.order_by("item__order"))
    last = answers[-1]
    as_admin.post(
        f"/selfcheck/checklists/{checklist.pk}/return/",
        {f"rc{last.item_id}": "根拠の文書名を書いてください", "note": "全体として記載が不足しています"},
    )
    page = as_head.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
    top = page.index('id="review-comments"')
    assert top < page.index('id="answers"'), "the comments come before the answers"
    section = page[top : page.index("</section>", top)]
    assert "全体として記載が不足しています" in section
    assert f'<a href="#item-{last.item_id}">項目{len(answers)}</a>: 根拠の文書名を書いてください' in section
    assert f'id="item-{last.item_id}"' in page
    # Once resubmitted, the page no longer opens with the old return.
    answer_all(as_head, checklist, action="submit")
    assert 'id="review-comments"' not in as_head.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
