"""Web pages of the people import: upload → preview (every issue, or the changes) → confirm → result.

Between preview and confirm the uploaded bytes wait in a staging directory under ``var/`` (never in the
database), named by a random id; the confirm form carries a signed token (user, municipality, file names and
SHA-256), so a token cannot be replayed by someone else, and the files cannot be swapped on disk unnoticed.
Staged files live one hour; older ones are swept at the next upload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_POST

from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.access import Perm, get_or_404, municipality_of, scoped, tenant_view
from piaops.tenancy.import_tables import PEOPLE_COLUMNS, UNIT_COLUMNS
from piaops.tenancy.importing import ImportFileError, ImportPlan, people_import_commit, people_import_plan
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


def staging_dir() -> Path:
    return Path(getattr(settings, "PIAOPS_IMPORT_STAGING_DIR", settings.VAR_DIR / "import-staging"))


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


def _sweep(root: Path) -> None:
    """Remove staged uploads older than their lifetime (abandoned previews)."""
    if not root.is_dir():
        return
    limit = time.time() - STAGING_SECONDS
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime < limit:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _stage(files: list[tuple[str, bytes]], *, user_id: int, municipality_id: int) -> str:
    root = staging_dir()
    _sweep(root)
    key = uuid.uuid4().hex
    folder = root / key
    folder.mkdir(parents=True)
    for index, (_, content) in enumerate(files):
        (folder / str(index)).write_bytes(content)
    payload = {
        "k": key,
        "u": user_id,
        "m": municipality_id,
        "f": [[name, hashlib.sha256(content).hexdigest()] for name, content in files],
    }
    return signing.dumps(payload, salt=SALT)


def _unstage(token: str, *, user_id: int, municipality_id: int) -> tuple[str, list[tuple[str, bytes]]] | None:
    """The staged files of ``token``; None when expired or gone. 404 when the token is not the caller's."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=STAGING_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("u") != user_id or payload.get("m") != municipality_id:
        raise Http404("見つかりません。")
    folder = staging_dir() / str(payload["k"])
    files = []
    for index, (name, sha256) in enumerate(payload["f"]):
        path = folder / str(index)
        if not path.is_file():
            return None
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            return None
        files.append((str(name), content))
    return str(payload["k"]), files


def _discard(key: str) -> None:
    shutil.rmtree(staging_dir() / key, ignore_errors=True)


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
    key, files = staged
    try:
        plan, entry = people_import_commit(municipality=municipality, files=files)
    except ImportFileError as exc:
        # The data changed since the preview (another import, an edit): show why, save nothing.
        _discard(key)
        failed = people_import_plan(municipality=municipality, files=files)
        if not failed.issues:
            failed.issues = exc.issues
        return _preview(request, failed, None)
    _discard(key)
    c = plan.counts
    messages.success(request, f"取り込みました（職員 新規 {c.people_created} 件・更新 {c.people_updated} 件）。")
    return redirect("tenancy_import:result", pk=entry.pk)


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
