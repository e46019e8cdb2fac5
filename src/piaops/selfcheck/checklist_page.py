"""The checklist page's context, shown as stored, again with what the user typed, or beside what someone saved
meanwhile (a conflict). Used by the checklist views and the workbook upload (``xlsx_views``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from piaops.audittrail.services import last_change
from piaops.core.forms import ReopenForm
from piaops.lib.versioning import ConflictError
from piaops.selfcheck import services
from piaops.selfcheck.errors import Problem
from piaops.selfcheck.forms import AnswersForm, Typed, UploadForm
from piaops.selfcheck.models import (
    AnswerValue,
    CampaignStatus,
    Checklist,
    ChecklistStatus,
    Evidence,
    Submission,
)
from piaops.tenancy.access import Perm, has_perm
from piaops.tenancy.models import User

SELECT = ("campaign", "campaign__template", "unit")  # what every checklist view reads with the checklist


def answers_form(checklist: Checklist, data: Any = None) -> AnswersForm:
    """The answers form of ``checklist`` (bound to ``data``, a POST, when given)."""
    return AnswersForm(data, answers=checklist.campaign.sort_answers(checklist.answers.select_related("item")))


def checklist_context(checklist: Checklist, user: User) -> dict[str, Any]:
    """What the checklist page shows ``user``: the rows (answer, last return's comment, files), the rounds, the
    history, and which of its forms the user may use."""
    answers = checklist.campaign.sort_answers(checklist.answers.select_related("item"))
    numbers = {a.item_id: a.number for a in answers}
    # The checklist's files in one query by checklist (a prefetch would send every answer's id, a statement whose
    # compilation grows with the number of items).
    evidence: dict[int, list[Evidence]] = {}
    for e in Evidence.objects.filter(municipality_id=checklist.municipality_id, answer__checklist=checklist).order_by(
        "id"
    ):
        evidence.setdefault(e.answer_id, []).append(e)
    # One read of the rounds (with their comments) serves both the history table and the last return's comments;
    # each comment carries the No. of its item, so the template does not search ``numbers`` per comment.
    submissions = list(checklist.submissions.prefetch_related("comments").select_related("submitted_by", "reviewed_by"))
    comments: dict[int, str] = {}
    returned = [s for s in submissions if s.outcome == Submission.Outcome.RETURNED]
    for s in submissions:
        for rc in s.comments.all():
            rc.number = numbers.get(rc.item_id)
    last_returned = max(returned, key=lambda s: s.round) if returned else None
    if last_returned is not None:
        comments = {rc.item_id: rc.comment for rc in last_returned.comments.all()}
    unit = checklist.unit
    open_ = checklist.is_editable and checklist.campaign.status == CampaignStatus.LAUNCHED
    return {
        "checklist": checklist,
        "campaign": checklist.campaign,
        "rows": [
            {
                "a": a,
                "item": a.item,
                "value": a.value,
                "comment": a.comment,
                "plan": a.improvement_plan,
                "date": a.target_date.isoformat() if a.target_date else "",
                "review": comments.get(a.item_id, ""),
                "number": a.number,
                "evidence": evidence.get(a.pk, []),
            }
            for a in answers
        ],
        "submissions": submissions,
        # A returned checklist opens with the reviewer's word (issue 19 §2): the note and each item's comment, in the
        # items' order, each linking to its row.
        "last_return": last_returned if checklist.status == ChecklistStatus.RETURNED else None,
        "return_comments": sorted(
            (rc for rc in last_returned.comments.all() if rc.comment) if last_returned else [],
            key=lambda rc: (rc.number is None, rc.number or 0),
        ),
        "numbers": numbers,
        "events": checklist.events.select_related("by"),
        "can_answer": open_ and has_perm(user, Perm.SELFCHECK_ANSWER, unit=unit),
        "can_certify": open_ and has_perm(user, Perm.SELFCHECK_CERTIFY, unit=unit),
        "can_review": checklist.status == ChecklistStatus.SUBMITTED and has_perm(user, Perm.SELFCHECK_MANAGE),
        "can_reopen": checklist.status == ChecklistStatus.ACCEPTED
        and checklist.campaign.status == CampaignStatus.LAUNCHED
        and has_perm(user, Perm.SELFCHECK_MANAGE),
        "reopenings": [e for e in checklist.events.select_related("by") if e.from_status == ChecklistStatus.ACCEPTED],
        "reopen_form": ReopenForm(),
        "form_version": checklist.version,
        "upload_form": UploadForm(),
        "choices": [("yes", "はい"), ("no", "いいえ"), ("na", "該当なし")],
    }


def typed_answer(a: services.AnswerInput) -> Typed:
    """An answer read from elsewhere (an uploaded workbook) as the form would show it."""
    return (a.value, a.comment, a.improvement_plan, a.target_date.isoformat() if a.target_date else "")


def _shown(row: dict[str, Any]) -> Typed:
    return (row["value"], row["comment"], row["plan"], row["date"])


def _show(row: dict[str, Any], typed: Typed) -> None:
    row["value"], row["comment"], row["plan"], row["date"] = typed


def _stored(checklist: Checklist) -> Checklist:
    """The checklist as stored now (a refused or conflicting write may have moved the instance in memory)."""
    return cast("Checklist", Checklist.objects.select_related(*SELECT).get(pk=checklist.pk))


def rerender(
    request: HttpRequest,
    checklist: Checklist,
    user: User,
    form: AnswersForm,
    version: int | None,
    *,
    problems: Sequence[Problem] = (),
) -> HttpResponse:
    """Show the page again (as stored now) with what the user typed (nothing of it is lost), the form carrying
    ``version`` so that a change someone made meanwhile is still noticed on the next save; ``problems`` head the
    form as its error summary, each item's linked to that item's comment field, which names its error text."""
    ctx = checklist_context(_stored(checklist), user)
    if version is not None:
        ctx["form_version"] = version
    by_number = {f"項目{row['number']}": row for row in ctx["rows"]}
    ctx["problems"] = []
    for p in problems:
        row = by_number.get(p.where)
        href = ""
        if row is not None:
            letter = _field_of(p.message)
            row.setdefault("problems", []).append(p.message)
            row.setdefault("invalid", set()).add(letter)
            href = f"#{letter}{row['item'].pk}"
        ctx["problems"].append({"text": str(p), "href": href})
    for row in ctx["rows"]:
        if (typed := form.typed(row["item"].pk)) is not None:
            _show(row, typed)
    return render(request, "selfcheck/checklist_detail.html", ctx, status=400)


def _field_of(message: str) -> str:
    """The answer field a problem is about (its id's letter): 改善予定日 (d), 改善計画 (p), else the comment (c),
    which sits beside the choice."""
    if "改善予定日" in message:
        return "d"
    if "改善計画" in message:
        return "p"
    return "c"


def conflict_page(
    request: HttpRequest,
    checklist: Checklist,
    user: User,
    exc: ConflictError,
    *,
    form: AnswersForm | None = None,
    upload: Mapping[int, Typed] | None = None,
) -> HttpResponse:
    """Someone saved the checklist since the user loaded it: nothing of the user's was saved. Show, per item that
    differs, what is stored now (and who saved it, when) next to what the user typed (``form``), which stays in
    the form.

    The form now carries the current version: saving again, after seeing both, keeps the user's answers.
    ``upload``: the answers of an uploaded workbook (item id → answer), shown and put into the form instead of what
    was posted; nothing of the file is saved until the user, having seen both, saves the form."""
    checklist = _stored(checklist)
    ctx = checklist_context(checklist, user)
    labels = {**dict(AnswerValue.choices), "": "未回答"}
    differences = []
    for row in ctx["rows"]:
        theirs = _shown(row)
        if upload is not None:
            yours = upload.get(row["item"].pk)
        else:
            yours = form.typed(row["item"].pk) if form is not None else None
        if yours is None:
            continue
        _show(row, yours)
        if yours != theirs:
            differences.append(
                {
                    "number": row["number"],
                    "text": row["item"].text,
                    "theirs": {"value": labels.get(theirs[0], theirs[0]), "comment": theirs[1], "plan": theirs[2],
                               "date": theirs[3]},
                    "yours": {"value": labels.get(row["value"], row["value"]), "comment": row["comment"],
                              "plan": row["plan"], "date": row["date"]},
                }
            )  # fmt: skip
    ctx["conflict"] = {
        "message": str(exc),
        "expected": exc.expected,
        "current": checklist.version,
        "last": last_change(checklist),
        "differences": differences,
        "upload": upload is not None,
    }
    return render(request, "selfcheck/checklist_detail.html", ctx, status=409)
