"""Evidence files attached to answers: size limit, My Number check of the contents, SHA-256 stored."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from piaops.audittrail.models import Action
from piaops.audittrail.services import record, snapshot
from piaops.lib.mynumber import contains_my_number
from piaops.selfcheck.models import Answer, Evidence


def _texts(data: bytes) -> list[str]:
    """The text a file may carry: its bytes decoded, and for Office/zip files each XML part decoded."""
    texts = [data.decode("utf-8", errors="ignore"), data.decode("cp932", errors="ignore")]
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for name in z.namelist():
                    if name.endswith((".xml", ".txt", ".csv")):
                        texts.append(z.read(name).decode("utf-8", errors="ignore"))
        except zipfile.BadZipFile:
            pass
    return texts


def file_contains_my_number(data: bytes) -> bool:
    return any(contains_my_number(t) for t in _texts(data))


def evidence_add(*, answer: Answer, upload: UploadedFile, by: Any = None) -> Evidence:
    limit = settings.PIAOPS_MAX_UPLOAD_BYTES
    name = upload.name or "file"
    if not answer.checklist.is_editable or answer.checklist.campaign.status != "launched":
        raise ValidationError("提出済みの自己点検票には証跡を追加できません。")
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"ファイル「{name}」は大きすぎます（上限 {limit // (1024 * 1024)} MB）。")
    data = upload.read()
    if len(data) > limit:
        raise ValidationError(f"ファイル「{name}」は大きすぎます（上限 {limit // (1024 * 1024)} MB）。")
    if file_contains_my_number(data):
        raise ValidationError(
            f"ファイル「{name}」に個人番号と思われる12桁の数字が含まれています。個人番号を含むファイルは登録できません。"
        )
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        evidence = Evidence(
            municipality_id=answer.municipality_id,
            answer=answer,
            name=name[:255],
            size=len(data),
            sha256=digest,
            uploaded_by=by if getattr(by, "pk", None) else None,
        )
        evidence.file.save(name, ContentFile(data), save=False)
        evidence.save()
        # snapshot() cannot serialise a FieldFile: the stored path is recorded as text instead.
        record(
            action=Action.CREATE,
            municipality_id=answer.municipality_id,
            obj=evidence,
            after={**snapshot(evidence, exclude=("file",)), "file": evidence.file.name},
            summary="証跡ファイルを登録",
        )
    return evidence
