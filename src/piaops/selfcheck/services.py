"""Writes of self-inspection: templates, campaigns, answers, submission and review.

Every function is keyword-only and runs in one transaction with its audit entries. Launching a campaign writes
its rows with ``bulk_create`` and one audit entry that names the counts (an entry per empty answer would say
nothing a reader needs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from piaops.assessments.models import AssessmentReport
from piaops.audittrail.models import Action
from piaops.audittrail.services import record, record_create, record_delete, record_update, snapshot
from piaops.audittrail.transitions import record_transition
from piaops.findings.models import Severity, Source
from piaops.findings.services import finding_create, followup_plan
from piaops.lib.fiscal import fiscal_year, is_office_day, next_office_day
from piaops.lib.mynumber import contains_my_number
from piaops.lib.versioning import claim_version
from piaops.selfcheck import baseline
from piaops.selfcheck.asked import items_from_report
from piaops.selfcheck.errors import ChecklistInvalid, Problem, SubmissionRefused
from piaops.selfcheck.general import GENERAL_ITEMS
from piaops.selfcheck.models import (
    Answer,
    AnswerValue,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    CampaignTemplate,
    Category,
    Checklist,
    ChecklistStatus,
    ChecklistTemplate,
    ReviewComment,
    Submission,
    TemplateItem,
)
from piaops.tenancy.models import Assignment, Municipality, OrgUnit, User

# ---------------------------------------------------------------------------------------------------- templates


def template_create(
    *,
    municipality: Municipality,
    title: str,
    code: str = "",
    report: AssessmentReport | None = None,
    include_general: bool = True,
    extra_items: Iterable[str] = (),
    by: User | None = None,
) -> ChecklistTemplate:
    """Version 1 of a template: the report's checkable commitments, the general set, then ``extra_items``."""
    if not title.strip():
        raise ValidationError({"title": "自己点検票の名称を入力してください。"})
    code = code or (f"report-{report.series}" if report else "general")[:50]
    with transaction.atomic():
        version = (
            max(
                ChecklistTemplate.objects.filter(municipality=municipality, code=code).values_list(
                    "version", flat=True
                ),
                default=0,
            )
            + 1
        )
        template = ChecklistTemplate.objects.create(
            municipality=municipality, code=code, version=version, title=title, report=report
        )
        items = items_from_report(template, report) if report else []
        if include_general:
            items += [
                TemplateItem(municipality=municipality, template=template, category=cat, text=text)
                for cat, text in GENERAL_ITEMS
            ]
        items += [
            TemplateItem(municipality=municipality, template=template, category=Category.ADDED, text=text)
            for text in extra_items
            if text.strip()
        ]
        for i, item in enumerate(items, start=1):
            item.order = i
        TemplateItem.objects.bulk_create(items)
        record_create(template, municipality_id=municipality.pk, summary=f"自己点検票を作成（{len(items)}項目）")
    return template


def _clone(template: ChecklistTemplate, *, report: AssessmentReport | None = None) -> ChecklistTemplate:
    """The next version of ``template`` with the same items (or, with ``report``, that report's commitments)."""
    latest = ChecklistTemplate.objects.filter(municipality_id=template.municipality_id, code=template.code)
    version = max(latest.values_list("version", flat=True)) + 1
    new = ChecklistTemplate.objects.create(
        municipality_id=template.municipality_id,
        code=template.code,
        version=version,
        title=template.title,
        report=report or template.report,
        previous=template,
        baseline_year=template.baseline_year,
    )
    old_items = list(template.items.order_by("order", "id"))
    if report is not None:
        items = items_from_report(new, report)
        items += [_copy_item(new, i) for i in old_items if i.category != Category.REPORT]
    else:
        items = [_copy_item(new, i) for i in old_items]
    for n, item in enumerate(items, start=1):
        item.order = n
    TemplateItem.objects.bulk_create(items)
    record_create(new, municipality_id=new.municipality_id, summary=f"自己点検票の新しい版（第{version}版）")
    return new


def _copy_item(template: ChecklistTemplate, item: TemplateItem) -> TemplateItem:
    return TemplateItem(
        municipality_id=template.municipality_id,
        template=template,
        order=item.order,
        category=item.category,
        text=item.text,
        guidance=item.guidance,
        commitment=item.commitment,
        change="",
    )


def template_editable(*, template: ChecklistTemplate) -> ChecklistTemplate:
    """``template`` if it is not in use; else its newest unlocked successor, made when there is none."""
    if not template.is_locked:
        return template
    draft = (
        ChecklistTemplate.objects.filter(
            municipality_id=template.municipality_id, code=template.code, locked_at__isnull=True
        )
        .order_by("-version")
        .first()
    )
    return draft or _clone(template)


def _same_item(target: ChecklistTemplate, item: TemplateItem) -> TemplateItem:
    """``item``'s copy in the newer version ``target`` (same position)."""
    found = target.items.filter(order=item.order).first()
    if found is None:
        raise ValidationError(f"新しい版（第{target.version}版）にはこの項目がありません。新しい版で編集してください。")
    return cast("TemplateItem", found)


def template_item_add(
    *,
    template: ChecklistTemplate,
    text: str,
    category: str = Category.ADDED,
    guidance: str = "",
    by: User | None = None,
) -> TemplateItem:
    """Add a question. On a template in use this creates (or uses) the next version."""
    if not text.strip():
        raise ValidationError({"text": "点検項目を入力してください。"})
    with transaction.atomic():
        target = template_editable(template=template)
        order = max(target.items.values_list("order", flat=True), default=0) + 1
        item = TemplateItem.objects.create(
            municipality_id=target.municipality_id,
            template=target,
            order=order,
            category=category,
            text=text,
            guidance=guidance,
        )
        record_create(item, municipality_id=target.municipality_id, summary="点検項目を追加")
    return item


def template_item_update(*, item: TemplateItem, text: str, guidance: str = "", by: User | None = None) -> TemplateItem:
    """Reword a question; on a template in use the change goes to the next version (same position)."""
    if not text.strip():
        raise ValidationError({"text": "点検項目を入力してください。"})
    with transaction.atomic():
        target = template_editable(template=item.template)
        if target.pk != item.template_id:
            item = _same_item(target, item)
        before = snapshot(item)
        item.text, item.guidance = text, guidance
        item.save(update_fields=["text", "guidance"])
        record_update(item, before=before, municipality_id=item.municipality_id, summary="点検項目を変更")
    return item


def template_item_remove(*, item: TemplateItem, by: User | None = None) -> ChecklistTemplate:
    with transaction.atomic():
        target = template_editable(template=item.template)
        if target.pk != item.template_id:
            item = _same_item(target, item)
        record_delete(item, municipality_id=item.municipality_id, summary="点検項目を削除")
        item.delete()
    return target


# ---------------------------------------------------------------------------------------------------- campaigns


def default_target_units(
    *, municipality: Municipality, on: dt.date, report: AssessmentReport | None = None
) -> list[OrgUnit]:
    """Units with someone assigned on ``on`` who handles 特定個人情報; with a report that names its works' units,
    only those units and units below them."""
    units = list(
        OrgUnit.objects.filter(
            municipality=municipality,
            is_active=True,
            pk__in=Assignment.objects.filter(municipality=municipality).on(on).handling().values("unit_id"),
        ).order_by("path")
    )
    if report is not None:
        work_units = list(OrgUnit.objects.filter(work_units__work__report_works__report=report).distinct())
        if work_units:
            units = [u for u in units if any(u.path.startswith(w.path) for w in work_units)]
    return units


def _check_deadline(deadline: dt.date) -> None:
    if not is_office_day(deadline):
        nxt = next_office_day(deadline).isoformat()
        raise ValidationError({"deadline": f"提出期限は開庁日を指定してください（次の開庁日は {nxt}）。"})


def _check_templates(municipality: Municipality, templates: Sequence[ChecklistTemplate]) -> None:
    if not templates:
        raise ValidationError({"templates": "自己点検票を1つ以上選んでください。"})
    if any(t.municipality_id != municipality.pk for t in templates):
        raise ValidationError("他の団体の自己点検票は使えません。")
    codes = [t.code for t in templates]
    if len(set(codes)) != len(codes):
        raise ValidationError({"templates": "同じ自己点検票の別の版を一緒に使うことはできません。"})


def campaign_create(
    *,
    municipality: Municipality,
    fiscal_year: int,
    title: str,
    deadline: dt.date,
    template: ChecklistTemplate | None = None,
    templates: Sequence[ChecklistTemplate] = (),
    instructions: str = "",
    units: Iterable[OrgUnit] | None = None,
    reminder_office_days: int = 5,
    by: User | None = None,
    previous: Campaign | None = None,
) -> Campaign:
    """A campaign in preparation using ``templates`` in that order (or the one ``template``).

    Without ``units`` the default targets of the first template's report (see :func:`default_target_units`).
    """
    _check_deadline(deadline)
    chosen = list(templates) or ([template] if template is not None else [])
    _check_templates(municipality, chosen)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            municipality=municipality,
            fiscal_year=fiscal_year,
            title=title,
            template=chosen[0],
            deadline=deadline,
            instructions=instructions,
            reminder_office_days=reminder_office_days,
            previous=previous,
        )
        CampaignTemplate.objects.bulk_create(
            [
                CampaignTemplate(municipality=municipality, campaign=campaign, template=t, position=n)
                for n, t in enumerate(chosen)
            ]
        )
        baseline.attach(campaign)  # every checklist carries the 年度's 安全管理措置 baseline, when it has one
        if units is None:
            report = next((t.report for t in chosen if t.report is not None), None)
            units = default_target_units(municipality=municipality, on=timezone.localdate(), report=report)
        CampaignTarget.objects.bulk_create(
            [CampaignTarget(municipality=municipality, campaign=campaign, unit=u) for u in units]
        )
        names = "・".join(str(t) for t in campaign.template_list())
        record_create(
            campaign,
            municipality_id=municipality.pk,
            summary=f"自己点検を作成（{names}、対象{campaign.targets.count()}所属）",
        )
    return campaign


def campaign_set_targets(*, campaign: Campaign, units: Iterable[OrgUnit], by: User | None = None) -> None:
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError("開始した自己点検の対象所属は変更できません。")
    unit_list = [u for u in units if u.municipality_id == campaign.municipality_id]
    with transaction.atomic():
        before = sorted(campaign.campaign_targets.values_list("unit_id", flat=True))
        campaign.campaign_targets.all().delete()
        CampaignTarget.objects.bulk_create(
            [CampaignTarget(municipality_id=campaign.municipality_id, campaign=campaign, unit=u) for u in unit_list]
        )
        record(
            action=Action.UPDATE,
            municipality_id=campaign.municipality_id,
            obj=campaign,
            summary="対象所属を変更",
            before={"targets": before},
            after={"targets": sorted(u.pk for u in unit_list)},
        )


def campaign_launch(*, campaign: Campaign, by: User | None = None) -> int:
    """Lock the templates and create one checklist (with an empty answer per item of every template) per unit.

    Returns the number of checklists created.
    """
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError("この自己点検はすでに開始しています。")
    now = timezone.now()
    with transaction.atomic():
        if baseline.attach(campaign):  # the 年度's baseline made or edited into a new version since the creation
            record(
                action=Action.UPDATE,
                municipality_id=campaign.municipality_id,
                obj=campaign,
                summary="安全管理措置の基準（最新の版）を付加",
                after={"templates": [t.pk for t in campaign.template_list()]},
            )
        templates = campaign.template_list()
        template_ids = [t.pk for t in templates]
        for template in (campaign.template, *templates):
            if template.locked_at is None:
                template.locked_at = now
                template.save(update_fields=["locked_at"])
        item_ids = list(TemplateItem.objects.filter(template_id__in=template_ids).values_list("pk", flat=True))
        if not item_ids:
            raise ValidationError("点検項目のない自己点検票では開始できません。")
        unit_ids = list(campaign.campaign_targets.order_by("unit__path").values_list("unit_id", flat=True))
        if not unit_ids:
            raise ValidationError("対象所属がありません。")
        mid = campaign.municipality_id
        checklists = Checklist.objects.bulk_create(
            [Checklist(municipality_id=mid, campaign=campaign, unit_id=u) for u in unit_ids]
        )
        n_answers = _insert_empty_answers(campaign, template_ids)
        campaign.status = CampaignStatus.LAUNCHED
        campaign.launched_at = now
        campaign.save(update_fields=["status", "launched_at"])
        record(
            action=Action.TRANSITION,
            municipality_id=mid,
            obj=campaign,
            summary=f"自己点検を開始（{len(checklists)}所属 × {len(item_ids)}項目）",
            before={"status": CampaignStatus.DRAFT},
            after={
                "status": CampaignStatus.LAUNCHED,
                "checklists": len(checklists),
                "items": len(item_ids),
                "answers": n_answers,
            },
        )
    return len(checklists)


def _insert_empty_answers(campaign: Campaign, template_ids: list[int]) -> int:
    """One empty answer per (checklist, item of ``template_ids``) of the campaign, in one INSERT … SELECT.

    The ORM's ``bulk_create`` builds a model instance per row, about ten times the cost of the insert itself
    for 75,000 rows (bench/bench_selfcheck.py); the rows are all alike and carry no text, so the database
    makes them. Returns the number of rows inserted.
    """
    q = connection.ops.quote_name
    answer, checklist, item = Answer._meta, Checklist._meta, TemplateItem._meta

    def col(meta: Any, name: str) -> str:
        return q(meta.get_field(name).column)

    sql = (
        f"INSERT INTO {q(answer.db_table)} ({col(answer, 'municipality')}, {col(answer, 'checklist')}, "
        f"{col(answer, 'item')}, {col(answer, 'value')}, {col(answer, 'comment')}, {col(answer, 'improvement_plan')}) "
        f"SELECT c.{col(checklist, 'municipality')}, c.{col(checklist, 'id')}, i.{col(item, 'id')}, '', '', '' "
        f"FROM {q(checklist.db_table)} c CROSS JOIN {q(item.db_table)} i "
        f"WHERE c.{col(checklist, 'campaign')} = %s AND i.{col(item, 'template')} IN "
        f"({', '.join(['%s'] * len(template_ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, *template_ids])
        return int(cursor.rowcount)


def campaign_close(*, campaign: Campaign, by: User | None = None) -> None:
    if campaign.status != CampaignStatus.LAUNCHED:
        raise ValidationError("実施中の自己点検だけ終了できます。")
    with transaction.atomic():
        campaign.status = CampaignStatus.CLOSED
        campaign.save(update_fields=["status"])
        record(
            action=Action.TRANSITION,
            municipality_id=campaign.municipality_id,
            obj=campaign,
            summary="自己点検を終了",
            before={"status": CampaignStatus.LAUNCHED},
            after={"status": CampaignStatus.CLOSED},
        )


def campaign_copy_to_next_year(*, campaign: Campaign, by: User | None = None) -> Campaign:
    """The same campaign for the next 年度: deadline one year later (on a 開庁日), same targets, and each of its
    templates in its newest version (edits made since the launch carry over).

    If a template's assessment report has a newer version, a new template version takes that version's
    checkable commitments, which carry their change mark (新規・変更・変更なし) from the report.
    """
    from piaops.lib.fiscal import add_years

    with transaction.atomic():
        used = campaign.template_list()
        templates = [_next_year_template(t) for t in used if t.baseline_year is None]
        if any(t.baseline_year is not None for t in used):  # the next 年度's baseline, not this one's
            nxt = baseline.ensure(municipality=campaign.municipality, fiscal_year=campaign.fiscal_year + 1, by=by)
            templates = templates or [nxt]
        new = campaign_create(
            municipality=campaign.municipality,
            fiscal_year=campaign.fiscal_year + 1,
            title=campaign.title,
            templates=templates,
            deadline=next_office_day(add_years(campaign.deadline, 1)),
            instructions=campaign.instructions,
            units=[t.unit for t in campaign.campaign_targets.select_related("unit")],
            reminder_office_days=campaign.reminder_office_days,
            previous=campaign,
            by=by,
        )
    return new


def _next_year_template(used: ChecklistTemplate) -> ChecklistTemplate:
    template = (
        ChecklistTemplate.objects.filter(municipality_id=used.municipality_id, code=used.code)
        .order_by("-version")
        .first()
    ) or used
    report = template.report
    if report is None:
        return template
    newest = (
        AssessmentReport.objects.current()
        .filter(municipality_id=used.municipality_id, series=report.series)
        .exclude(pk=report.pk)
        .order_by("-version")
        .first()
    )
    return _clone(template, report=newest) if newest is not None else template


# ---------------------------------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class AnswerInput:
    value: str = ""
    comment: str = ""
    improvement_plan: str = ""
    target_date: dt.date | None = None


def answer_problems(a: AnswerInput) -> list[str]:
    """What a submitted answer lacks (Japanese). Empty when it is complete."""
    problems = []
    if not a.value:
        problems.append("回答（はい・いいえ・該当なし）を選んでください。")
    elif a.value not in AnswerValue.values:
        problems.append("回答は「はい」「いいえ」「該当なし」から選んでください。")
    if a.value in (AnswerValue.NO, AnswerValue.NA) and not a.comment.strip():
        problems.append(f"「{AnswerValue(a.value).label}」の場合はコメント（理由）を入力してください。")
    if a.value == AnswerValue.NO:
        if not a.improvement_plan.strip():
            problems.append("「いいえ」の場合は改善計画を入力してください。")
        if a.target_date is None:
            problems.append("「いいえ」の場合は改善予定日を入力してください。")
    return problems


CHECKLIST = "この自己点検票"


def _claim(checklist: Checklist, expected_version: int | None) -> None:
    """Move the checklist's version forward (or raise ConflictError) and reload its status under the row lock."""
    checklist.version = claim_version(Checklist, pk=checklist.pk, expected_version=expected_version, what=CHECKLIST)
    checklist.status, checklist.round = Checklist.objects.values_list("status", "round").get(pk=checklist.pk)


def checklist_save_answers(
    *,
    checklist: Checklist,
    answers: Mapping[int, AnswerInput],
    by: User | None = None,
    source: str = "画面",
    expected_version: int | None = None,
) -> int:
    """Save draft answers (item id → input). Values are checked; completeness only on submit.

    ``expected_version`` is the checklist version the user loaded: if someone saved since, this raises
    :class:`~piaops.lib.versioning.ConflictError` and saves nothing (None: no check). Every call moves the version.
    Returns how many answers changed. A checklist that is submitted or accepted refuses (nothing saved).
    """
    if checklist.campaign.status != CampaignStatus.LAUNCHED:
        raise ChecklistInvalid([Problem("", "この自己点検は実施中ではないため、回答を変更できません。")])
    with transaction.atomic():
        # First the claim: everything below reads the answers as they are under the lock, and an error rolls the
        # claim back with the rest.
        _claim(checklist, expected_version)
        if not checklist.is_editable:
            raise ChecklistInvalid([Problem("", "提出済みの自己点検票は変更できません。")])
        problems = []
        rows = {a.item_id: a for a in checklist.campaign.sort_answers(checklist.answers.select_related("item"))}
        for item_id, given in answers.items():
            if item_id not in rows:
                problems.append(Problem("", f"この自己点検票にない項目です（ID {item_id}）。"))
            else:
                where = f"項目{rows[item_id].number}"
                if given.value and given.value not in AnswerValue.values:
                    problems.append(Problem(where, "回答は「はい」「いいえ」「該当なし」から選んでください。"))
                for label, text in (("コメント", given.comment), ("改善計画", given.improvement_plan)):
                    if contains_my_number(text):
                        problems.append(
                            Problem(where, f"{label}に個人番号と思われる12桁の数字が含まれています。削除してください。")
                        )
        if problems:
            raise ChecklistInvalid(problems)
        now = timezone.now()
        changed_rows = []
        fields = ("value", "comment", "improvement_plan", "target_date")
        for item_id, given in answers.items():
            row = rows[item_id]
            new = (given.value, given.comment, given.improvement_plan, given.target_date)
            if tuple(getattr(row, f) for f in fields) != new:
                row.value, row.comment, row.improvement_plan, row.target_date = new
                row.updated_at = now
                changed_rows.append(row)
        Answer.objects.bulk_update(changed_rows, [*fields, "updated_at"])
        if changed_rows:
            record(
                action=Action.UPDATE,
                municipality_id=checklist.municipality_id,
                obj=checklist,
                summary=f"回答を保存（{source}、{len(changed_rows)}項目）",
                after={
                    str(r.item_id): {
                        "value": r.value,
                        "comment": r.comment,
                        "improvement_plan": r.improvement_plan,
                        "target_date": r.target_date,
                    }
                    for r in changed_rows
                },
            )
        if checklist.status == ChecklistStatus.NOT_STARTED and changed_rows:
            record_transition(checklist, to=ChecklistStatus.DRAFT, by=by, extra={"round": checklist.round})
            checklist.save(update_fields=["status"])
    return len(changed_rows)


def checklist_submit(
    *, checklist: Checklist, by: User | None = None, expected_version: int | None = None
) -> Submission:
    """所属長 certifies and submits: every item must be complete. The checklist is locked until reviewed.

    ``expected_version`` as for :func:`checklist_save_answers`.
    """
    if checklist.campaign.status != CampaignStatus.LAUNCHED:
        raise ChecklistInvalid([Problem("", "この自己点検は実施中ではないため、提出できません。")])
    with transaction.atomic():
        _claim(checklist, expected_version)
        if not checklist.is_editable:
            raise ChecklistInvalid([Problem("", "この自己点検票はすでに提出されています。")])
        answers = checklist.campaign.sort_answers(checklist.answers.select_related("item"))
        problems = [
            Problem(f"項目{a.number}", msg)
            for a in answers
            for msg in answer_problems(AnswerInput(a.value, a.comment, a.improvement_plan, a.target_date))
        ]
        if problems:
            raise ChecklistInvalid(problems)
        now = timezone.now()
        submission = Submission.objects.create(
            municipality_id=checklist.municipality_id,
            checklist=checklist,
            round=checklist.round,
            submitted_at=now,
            submitted_by=by,
            answers={
                str(a.item_id): {
                    "value": a.value,
                    "comment": a.comment,
                    "improvement_plan": a.improvement_plan,
                    "target_date": a.target_date.isoformat() if a.target_date else None,
                }
                for a in answers
            },
        )
        checklist.submitted_at = now
        if checklist.first_submitted_at is None:
            checklist.first_submitted_at = now
        record_transition(checklist, to=ChecklistStatus.SUBMITTED, by=by, extra={"round": checklist.round})
        checklist.save(update_fields=["status", "submitted_at", "first_submitted_at"])
    return submission


def checklist_save_and_submit(
    *,
    checklist: Checklist,
    answers: Mapping[int, AnswerInput],
    by: User | None = None,
    expected_version: int | None = None,
) -> Submission:
    """The page's 「所属長として確認し提出する」: save ``answers`` as :func:`checklist_save_answers` does, then
    submit as :func:`checklist_submit` does, under one row lock (nobody can save between the two).

    ``expected_version`` is checked by the save. When the submission is refused (an incomplete item), the saved
    answers stay saved (a draft) and :class:`SubmissionRefused` is raised with the problems; a refused save raises
    :class:`ChecklistInvalid` (or :class:`~piaops.lib.versioning.ConflictError`) and saves nothing.
    """
    refused: list[Problem] = []
    with transaction.atomic():
        checklist_save_answers(checklist=checklist, answers=answers, by=by, expected_version=expected_version)
        saved = checklist.version
        try:
            with transaction.atomic():  # a savepoint: a refused submission keeps the draft saved above
                return checklist_submit(checklist=checklist, by=by, expected_version=saved)
        except ChecklistInvalid as exc:
            checklist.version = saved  # the submission's claim was rolled back with it
            refused = exc.problems
    raise SubmissionRefused(refused)  # after the outer transaction: the saved answers are committed


def checklist_review(
    *,
    checklist: Checklist,
    accept: bool,
    comments: Mapping[int, str] | None = None,
    note: str = "",
    by: User | None = None,
) -> Submission:
    """The governance division accepts the submitted round, or returns it with comments per item.

    Accepting turns every いいえ into a finding with its improvement plan (once per answer).
    """
    comments = {k: v for k, v in (comments or {}).items() if v.strip()}
    if not accept and not comments and not note.strip():
        raise ValidationError("差し戻す場合は、項目ごとのコメントか全体コメントを入力してください。")
    now = timezone.now()
    with transaction.atomic():
        # Two reviewers at once: the second waits here for the first, then sees the new status and refuses.
        _claim(checklist, None)
        if checklist.status != ChecklistStatus.SUBMITTED:
            raise ValidationError("提出済みの自己点検票だけ確認できます。")
        submission = checklist.submissions.get(round=checklist.round)
        submission.reviewed_at, submission.reviewed_by, submission.review_note = now, by, note
        item_ids = set(checklist.answers.values_list("item_id", flat=True))
        ReviewComment.objects.bulk_create(
            [
                ReviewComment(municipality_id=checklist.municipality_id, submission=submission, item_id=k, comment=v)
                for k, v in comments.items()
                if k in item_ids
            ]
        )
        if accept:
            submission.outcome = Submission.Outcome.ACCEPTED
            checklist.accepted_at = now
            record_transition(
                checklist,
                to=ChecklistStatus.ACCEPTED,
                by=by,
                note=note,
                extra={"round": checklist.round},
            )
            _findings_from(checklist, by=by)
        else:
            submission.outcome = Submission.Outcome.RETURNED
            record_transition(
                checklist,
                to=ChecklistStatus.RETURNED,
                by=by,
                note=note,
                extra={
                    "round": checklist.round,
                    "comments": {str(k): v for k, v in comments.items() if k in item_ids},
                },
            )
            checklist.round += 1
        submission.save(update_fields=["outcome", "reviewed_at", "reviewed_by", "review_note"])
        checklist.save(update_fields=["status", "round", "accepted_at"])
    return submission


def _findings_from(checklist: Checklist, *, by: User | None) -> None:
    campaign = checklist.campaign
    for a in campaign.sort_answers(checklist.answers.filter(value=AnswerValue.NO).select_related("item")):
        finding = finding_create(
            unit=checklist.unit,
            fiscal_year=campaign.fiscal_year,
            title=a.item.text[:300],
            description=a.comment,
            evidence=f"{campaign}（自己点検）の回答「いいえ」",
            severity=Severity.MEDIUM,
            commitment=a.item.commitment,
            source=Source.SELF_INSPECTION,
            source_type="selfcheck.answer",
            source_id=a.pk,
            by=by,
        )
        if a.target_date is not None and not hasattr(finding, "followup"):
            followup_plan(finding=finding, plan=a.improvement_plan, due_date=next_office_day(a.target_date), by=by)


def current_fiscal_year() -> int:
    return fiscal_year(timezone.localdate())


def checklist_reopen(*, checklist: Checklist, reason: str, by: User | None = None) -> Checklist:
    """Re-open an accepted 自己点検票 (the governance division, with a reason): it goes back to the unit as 差戻し
    in a new round, is no longer counted as accepted, and must be submitted and accepted again. The accepted
    submission stays in the history; who re-opened it, when and why are in the status history and the trail
    (an event from 確認済 is always a re-opening). Findings already made from its いいえ stay (their follow-up
    decides)."""
    if not reason.strip():
        raise ValidationError("再開の理由を入力してください。")
    if checklist.campaign.status != CampaignStatus.LAUNCHED:
        raise ValidationError("実施中の自己点検の点検票だけ再開できます（終了した自己点検は再開できません）。")
    with transaction.atomic():
        _claim(checklist, None)
        if checklist.status != ChecklistStatus.ACCEPTED:
            raise ValidationError("確認済みの自己点検票だけ再開できます。")
        record_transition(
            checklist,
            to=ChecklistStatus.RETURNED,
            by=by,
            note=f"再開の理由: {reason.strip()}",
            extra={"round": checklist.round, "reopened": True},
        )
        checklist.round += 1
        checklist.accepted_at = None
        checklist.save(update_fields=["status", "round", "accepted_at"])
    return checklist
