from __future__ import annotations

import re

from django.test import Client

from piaops.audittrail.models import AuditEntry
from piaops.selfcheck.models import Checklist, ChecklistStatus, Submission
from tests import factories as f
from tests.conftest import World, login
from tests.selfcheck.helpers import answer_all, make_campaign


def _checklist(world: World) -> Checklist:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    return Checklist.objects.get(campaign=campaign, unit=world.tax_a)


def test_the_unit_head_sees_the_checklist_and_the_outsider_gets_404(
    world: World, as_head: Client, as_outsider: Client
) -> None:
    checklist = _checklist(world)
    body = as_head.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
    assert "二要素認証" in body and "所属長として確認し提出する" in body
    assert as_outsider.get(f"/selfcheck/checklists/{checklist.pk}/").status_code == 404
    assert as_outsider.get(f"/selfcheck/campaigns/{checklist.campaign_id}/").status_code == 404


def test_a_head_cannot_see_another_units_checklist(world: World, as_head: Client) -> None:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    other = Checklist.objects.get(campaign=campaign, unit=world.other_a)
    assert as_head.get(f"/selfcheck/checklists/{other.pk}/").status_code == 403
    body = as_head.get(f"/selfcheck/campaigns/{campaign.pk}/").content.decode()
    assert "税政課" in body and "保険年金課" not in body


def test_read_only_roles_may_read_but_not_write(world: World, as_viewer: Client, as_auditor: Client) -> None:
    checklist = _checklist(world)
    for client in (as_viewer, as_auditor):
        assert client.get(f"/selfcheck/checklists/{checklist.pk}/").status_code == 200
        assert answer_all(client, checklist).status_code == 403
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.NOT_STARTED


def test_staff_drafts_but_only_the_head_submits(world: World, as_head: Client) -> None:
    checklist = _checklist(world)
    staff = login(f.user(world.a, "staff_a", f.Role.UNIT_STAFF, unit=world.tax_a))
    response = answer_all(staff, checklist)
    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.DRAFT
    assert "所属長として確認し提出する" not in staff.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
    assert answer_all(staff, checklist, action="submit").status_code == 403
    assert answer_all(as_head, checklist, action="submit").status_code == 302
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.SUBMITTED
    assert Submission.objects.filter(checklist=checklist, round=1).exists()


def test_no_and_not_applicable_need_a_comment_and_no_needs_a_plan_and_date(world: World, as_head: Client) -> None:
    checklist = _checklist(world)
    response = answer_all(as_head, checklist, value="no", action="submit")
    assert response.status_code == 400
    body = response.content.decode()
    assert "コメント（理由）を入力してください" in body
    assert "改善計画を入力してください" in body and "改善予定日を入力してください" in body
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.DRAFT  # the draft was kept, the submission refused
    assert set(checklist.answers.values_list("value", flat=True)) == {"no"}
    response = answer_all(as_head, checklist, value="na", action="submit")
    assert "「該当なし」の場合はコメント" in response.content.decode()
    response = answer_all(
        as_head, checklist, value="no", action="submit", comment="名簿が古い", plan="名簿を更新", date="2027-01-29"
    )
    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.SUBMITTED


def test_a_submitted_checklist_is_locked(world: World, as_head: Client) -> None:
    checklist = _checklist(world)
    answer_all(as_head, checklist, action="submit")
    response = answer_all(as_head, checklist, value="na", comment="x")
    assert response.status_code == 400
    assert "提出済みの自己点検票は変更できません" in response.content.decode()
    assert set(checklist.answers.values_list("value", flat=True)) == {"yes"}


def test_a_my_number_in_a_comment_is_refused_and_not_echoed(world: World, as_head: Client) -> None:
    checklist = _checklist(world)
    response = answer_all(as_head, checklist, value="na", comment="対象者 1234 5678 9018")
    assert response.status_code == 400
    body = response.content.decode()
    assert "個人番号と思われる" in body
    assert checklist.answers.filter(comment__contains="1234").count() == 0


def test_saving_answers_is_in_the_audit_trail(world: World, as_head: Client) -> None:
    checklist = _checklist(world)
    answer_all(as_head, checklist, action="submit")
    summaries = list(
        AuditEntry.objects.filter(object_type="selfcheck.Checklist", object_id=str(checklist.pk)).values_list(
            "summary", flat=True
        )
    )
    assert any("回答を保存" in s for s in summaries)
    assert any("提出済" in s for s in summaries)


def test_evidence_is_stored_with_its_hash_and_a_my_number_file_is_refused(world: World, as_head: Client) -> None:
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    checklist = _checklist(world)
    answer = checklist.answers.order_by("item__order").first()
    assert answer is not None
    content = "持出簿 2026年10月分".encode()
    as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/evidence/",
        {"answer": answer.pk, "file": SimpleUploadedFile("持出簿.txt", content)},
    )
    evidence = answer.evidence.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest() and evidence.size == len(content)
    response = as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/evidence/",
        {"answer": answer.pk, "file": SimpleUploadedFile("名簿.csv", "山田,123456789018\n".encode())},
        follow=True,
    )
    assert "個人番号と思われる" in response.content.decode()
    assert answer.evidence.count() == 1
    download = as_head.get(f"/selfcheck/evidence/{evidence.pk}/")
    assert download.getvalue() == content


def test_an_evidence_file_over_the_size_limit_is_refused(world: World, as_head: Client, settings: object) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PIAOPS_MAX_UPLOAD_BYTES = 1024  # type: ignore[attr-defined]
    checklist = _checklist(world)
    answer = checklist.answers.order_by("item__order").first()
    assert answer is not None
    response = as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/evidence/",
        {"answer": answer.pk, "file": SimpleUploadedFile("写真.jpg", b"x" * 2048)},
        follow=True,
    )
    assert "ファイル「写真.jpg」は大きすぎます" in response.content.decode()
    assert not answer.evidence.exists()


def test_refused_answers_head_the_form_each_linked_to_its_items_field(world: World, as_head: Client) -> None:
    """Issue 19 §3: the problems are an error summary (role="alert", focused) at the top of the answers, each item's
    linking to the item's comment field, which is marked invalid and described by the item's error text."""
    checklist = _checklist(world)
    body = answer_all(as_head, checklist, value="no", action="submit").content.decode()
    form = body[body.index('id="answers"') :]
    summary = form[form.index('class="error-summary"') : form.index("</div>")]
    assert 'role="alert"' in summary and "autofocus" in summary
    link = re.search(r'<a href="#c(\d+)">項目1: 「いいえ」の場合はコメント（理由）を入力してください', summary)
    assert link is not None, summary
    pk = link.group(1)
    assert f'<a href="#p{pk}">項目1: 「いいえ」の場合は改善計画を入力してください' in summary
    assert f'<a href="#d{pk}">項目1: 「いいえ」の場合は改善予定日を入力してください' in summary
    for field in (
        rf'<textarea id="c{pk}"[^>]*>',
        rf'<textarea id="p{pk}"[^>]*>',
        rf'<input type="date" id="d{pk}"[^>]*>',
    ):
        found = re.search(field, body)
        assert found is not None and 'aria-invalid="true"' in found.group(0), field
        assert f'aria-describedby="e{pk}"' in found.group(0)
    error = body[body.index(f'id="e{pk}"') :]
    assert "コメント（理由）を入力してください" in error[: error.index("</span></span>")]
