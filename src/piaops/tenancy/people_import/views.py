"""Web pages of the people import: upload → preview (every issue, or the changes) → confirm → result.

Between preview and confirm the uploaded bytes wait in ``staging``; confirming enqueues the commit as a background
job (``jobs``), whose page links to the result.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_POST

from piaops.audittrail.models import Action, AuditEntry
from piaops.jobs.services import job_enqueue
from piaops.tenancy.access import Perm, municipality_of, scoped, tenant_object, tenant_view
from piaops.tenancy.models import EmploymentType, OrgUnit, Party, User
from piaops.tenancy.people_import.forms import ConfirmForm, UploadForm
from piaops.tenancy.people_import.plan import ASSIGNMENT_FIELDS, PERSON_FIELDS
from piaops.tenancy.people_import.services import ImportPlan, people_import_plan
from piaops.tenancy.people_import.staging import stage, unstage
from piaops.tenancy.people_import.tables import PEOPLE_COLUMNS, UNIT_COLUMNS

EXAMPLES = {"units-example.csv", "people-example.csv"}
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SHOWN_CHANGES = 200
# The column of each field a change names (``name`` is 組織名 or 氏名 by the row's kind, below).
FIELD_LABELS = {
    **PERSON_FIELDS,
    **ASSIGNMENT_FIELDS,
    "kind": "組織種別",
    "parent": "上位組織コード",
    "is_governance": "番号制度総括部門",
    "is_it": "情報システム部門",
    "is_active": "有効",
    "unit": "所属組織コード",
    "start_date": "配属開始日",
}


CHOICE_LABELS = {
    "employment_type": dict(EmploymentType.choices),
    "kind": dict(OrgUnit.Kind.choices),
}


# ---- display -----------------------------------------------------------------------------------------------------


def _shown(value: Any, parties: dict[int, str], key: str) -> str:
    if value is None or value == "":
        return "（空欄）"
    if isinstance(value, bool):
        return "有" if value else "無"
    if key == "party_id":
        return parties.get(int(value), str(value))
    if key in CHOICE_LABELS:
        return CHOICE_LABELS[key].get(str(value), str(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def describe(kind: str, before: dict[str, Any], after: dict[str, Any], parties: dict[int, str]) -> str:
    """``氏名: 北広島 一 → 北広島 壱、雇用形態: …`` (new rows: the values only)."""
    parts = []
    for key, value in after.items():
        label = ("組織名" if kind.startswith("組織") else "氏名") if key == "name" else FIELD_LABELS.get(key, key)
        if key in before:
            parts.append(f"{label}: {_shown(before[key], parties, key)} → {_shown(value, parties, key)}")
        else:
            parts.append(f"{label}: {_shown(value, parties, key)}")
    return "、".join(parts)


def _people_list_url() -> str | None:
    """The people list of the tenancy pages, when that branch is merged (this module must not depend on it)."""
    try:
        resolve("/tenancy/people/")
    except Resolver404:
        return None
    return "/tenancy/people/"


def _preview(request: HttpRequest, plan: ImportPlan, token: str | None, form: UploadForm | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    parties = dict(scoped(user, Party).values_list("id", "name"))
    changes = [(kind, key, describe(kind, before, after, parties)) for kind, key, before, after in plan.changes]
    return render(
        request,
        "tenancy/import_preview.html",
        {
            "plan": plan,
            "token": token,
            "changes": changes[:SHOWN_CHANGES],
            "more_changes": max(0, len(changes) - SHOWN_CHANGES),
            "form": form or UploadForm(),
        },
    )


# ---- views -------------------------------------------------------------------------------------------------------


@tenant_view(Perm.MANAGE)
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the form and recent imports. POST: dry run of the uploaded files, shown as a preview."""
    user: User = request.user  # type: ignore[assignment]
    municipality = municipality_of(user)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        files = form.files_read()
        plan = people_import_plan(municipality=municipality, files=files)
        token = stage(files, user_id=user.pk or 0, municipality_id=municipality.pk) if plan.ok else None
        return _preview(request, plan, token)
    recent = scoped(user, AuditEntry).filter(action=Action.IMPORT, object_type="tenancy.PeopleImport")[:10]
    return render(
        request,
        "tenancy/import_upload.html",
        {
            "form": form,
            "recent": recent,
            "columns": list(itertools.zip_longest(UNIT_COLUMNS, PEOPLE_COLUMNS)),
            "examples": sorted(EXAMPLES),
        },
    )


@require_POST
@tenant_view(Perm.MANAGE)
def confirm(request: HttpRequest) -> HttpResponse:
    """Commit the previewed files, all or nothing; then show the result (the IMPORT audit entry)."""
    user: User = request.user  # type: ignore[assignment]
    municipality = municipality_of(user)
    form = ConfirmForm(request.POST)
    token = form.cleaned_data["token"] if form.is_valid() else ""
    staged = unstage(token, user_id=user.pk or 0, municipality_id=municipality.pk) if token else None
    if staged is None:
        messages.error(
            request, "確認の有効期限（1時間）が切れたか、ファイルが見つかりません。もう一度アップロードしてください。"
        )
        return redirect("tenancy_import:upload")
    key, names_and_hashes = staged
    # The commit runs as a background job (a big file outlasts the proxy's timeout); its page shows the progress,
    # then links to the result below. The job checks the files' hashes again and commits all or nothing.
    job = job_enqueue(
        municipality=municipality,
        user=user,
        kind="people_import",
        title="職員データの取込",
        params={"key": key, "files": names_and_hashes},
    )
    return redirect("jobs:detail", pk=job.pk)


@tenant_object(AuditEntry, perm=Perm.MANAGE)
def result(request: HttpRequest, entry: AuditEntry) -> HttpResponse:
    """The outcome of one people import: its IMPORT audit entry (any other entry does not exist here: 404)."""
    if entry.action != Action.IMPORT or entry.object_type != "tenancy.PeopleImport":
        raise Http404("見つかりません。")
    after = entry.after or {}
    parties = dict(scoped(request.user, Party).values_list("id", "name"))
    changes = [
        (
            c.get("kind", ""),
            c.get("key", ""),
            describe(c.get("kind", ""), c.get("before") or {}, c.get("after") or {}, parties),
        )
        for c in after.get("changes", [])
    ]
    created = after.get("created", {})
    return render(
        request,
        "tenancy/import_result.html",
        {
            "entry": entry,
            "files": after.get("files", []),
            "counts": after.get("counts", {}),
            "created_people": created.get("職員 新規", [])[:SHOWN_CHANGES],
            "created_units": created.get("組織 新規", [])[:SHOWN_CHANGES],
            "changes": changes[:SHOWN_CHANGES],
            "more_changes": max(0, len(changes) - SHOWN_CHANGES),
            "people_url": _people_list_url(),
            "upload_url": reverse("tenancy_import:upload"),
        },
    )


@tenant_view(Perm.MANAGE)
def example(request: HttpRequest, name: str) -> HttpResponse:
    """The example files of README「職員データの取込」, to start from."""
    if name not in EXAMPLES:
        raise Http404("見つかりません。")
    response = HttpResponse((DATA_DIR / name).read_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
