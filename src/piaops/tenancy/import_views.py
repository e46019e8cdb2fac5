"""Web pages of the people import: upload → preview (every issue, or the changes) → confirm → result.

Between preview and confirm the uploaded bytes wait in the default storage (``import-staging/<random id>/``: the
filesystem under ``var/``, or the database with ``PIAOPS_FILE_STORAGE=database``); the confirm form carries a
signed token (user, municipality, file names and SHA-256), so a token cannot be replayed by someone else, and the
files cannot be swapped unnoticed. Confirming enqueues the commit as a background job (``import_jobs``). Staged
files live one hour; older ones are swept at the next upload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.audittrail.models import Action, AuditEntry
from piaops.jobs.services import job_enqueue
from piaops.tenancy.access import Perm, get_or_404, municipality_of, scoped, tenant_view
from piaops.tenancy.import_tables import PEOPLE_COLUMNS, UNIT_COLUMNS
from piaops.tenancy.importing import ImportPlan, people_import_plan
from piaops.tenancy.models import EmploymentType, OrgUnit, Party

SALT = "piaops.tenancy.import"
STAGING_SECONDS = 3600
EXAMPLES = {"units-example.csv", "people-example.csv"}
DATA_DIR = Path(__file__).resolve().parent / "data"
SHOWN_CHANGES = 200
FIELD_LABELS = {
    "name_kana": "氏名カナ",
    "employment_type": "雇用形態",
    "email": "メールアドレス",
    "employed_from": "任用開始日",
    "employed_to": "任用終了日",
    "party_id": "所属事業者",
    "kind": "組織種別",
    "parent": "上位組織コード",
    "is_governance": "番号制度総括部門",
    "is_it": "情報システム部門",
    "is_active": "有効",
    "title": "職名",
    "unit": "所属組織コード",
    "start_date": "配属開始日",
    "end_date": "配属終了日",
    "handles_specific_personal_info": "特定個人情報取扱",
}


CHOICE_LABELS = {
    "employment_type": dict(EmploymentType.choices),
    "kind": dict(OrgUnit.Kind.choices),
}


STAGING = "import-staging"  # a folder of the default storage (README "複数ノード": any node confirms)


class UploadForm(forms.Form):
    units_file = forms.FileField(label="組織データ（任意）", required=False)
    people_file = forms.FileField(label="職員データ", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        files = [f for f in (data.get("units_file"), data.get("people_file")) if f]
        if not files:
            raise forms.ValidationError("取り込むファイルを指定してください。")
        limit = settings.PIAOPS_MAX_UPLOAD_BYTES
        for upload in files:
            if upload.size and upload.size > limit:
                raise forms.ValidationError(
                    f"「{upload.name}」は大きすぎます（上限 {limit // (1024 * 1024)} MB）。ファイルを分けてください。"
                )
        return data

    def files_read(self) -> list[tuple[str, bytes]]:
        uploads: list[UploadedFile] = [
            f for f in (self.cleaned_data.get("units_file"), self.cleaned_data.get("people_file")) if f
        ]
        return [(Path(u.name or "upload").name, u.read()) for u in uploads]


# ---- staging -----------------------------------------------------------------------------------------------------


def _sweep() -> None:
    """Remove staged uploads older than their lifetime (abandoned previews)."""
    limit = timezone.now() - dt.timedelta(seconds=STAGING_SECONDS)
    try:
        folders = default_storage.listdir(STAGING)[0]
    except FileNotFoundError:
        return
    for key in folders:
        # A job on another node may consume (delete) a staged upload between the listing and the look: gone is fine.
        try:
            names = default_storage.listdir(f"{STAGING}/{key}")[1]
            stale = not names or default_storage.get_modified_time(f"{STAGING}/{key}/{names[0]}") < limit
        except FileNotFoundError:
            continue
        if stale:
            discard(key)


def _stage(files: list[tuple[str, bytes]], *, user_id: int, municipality_id: int) -> str:
    _sweep()
    key = uuid.uuid4().hex
    for index, (_, content) in enumerate(files):
        default_storage.save(f"{STAGING}/{key}/{index}", ContentFile(content))
    payload = {
        "k": key,
        "u": user_id,
        "m": municipality_id,
        "f": [[name, hashlib.sha256(content).hexdigest()] for name, content in files],
    }
    return signing.dumps(payload, salt=SALT)


def staged_files(key: str, names_and_hashes: list[list[str]]) -> list[tuple[str, bytes]] | None:
    """The files staged under ``key``, each checked against its SHA-256; None when one is gone or was changed."""
    files = []
    for index, (name, sha256) in enumerate(names_and_hashes):
        try:
            with default_storage.open(f"{STAGING}/{key}/{index}", "rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            return None
        if hashlib.sha256(content).hexdigest() != sha256:
            return None
        files.append((str(name), content))
    return files


def _unstage(token: str, *, user_id: int, municipality_id: int) -> tuple[str, list[list[str]]] | None:
    """The key and the names and hashes of ``token``'s files, still staged and unchanged; None when expired or
    gone. 404 when the token is not the caller's."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=STAGING_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("u") != user_id or payload.get("m") != municipality_id:
        raise Http404("見つかりません。")
    if staged_files(str(payload["k"]), payload["f"]) is None:
        return None
    return str(payload["k"]), payload["f"]


def discard(key: str) -> None:
    names = default_storage.listdir(f"{STAGING}/{key}")[1]
    for name in names:
        default_storage.delete(f"{STAGING}/{key}/{name}")
    default_storage.delete(f"{STAGING}/{key}")  # the empty folder (nothing to do in the database storage)


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
    user = request.user
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
    user = request.user
    municipality = municipality_of(user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = form.files_read()
        plan = people_import_plan(municipality=municipality, files=files)
        token = _stage(files, user_id=user.pk or 0, municipality_id=municipality.pk) if plan.ok else None
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
    user = request.user
    municipality = municipality_of(user)
    staged = _unstage(request.POST.get("token", ""), user_id=user.pk or 0, municipality_id=municipality.pk)
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


@tenant_view(Perm.MANAGE)
def result(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_or_404(
        request.user, AuditEntry.objects.filter(action=Action.IMPORT, object_type="tenancy.PeopleImport"), pk=pk
    )
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
