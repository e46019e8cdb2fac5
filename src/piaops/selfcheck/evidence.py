"""Evidence files attached to answers: stored by :func:`piaops.core.evidence.store_file` (size limit, My Number
scan of the contents, SHA-256, audit trail)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from piaops.core.evidence import store_file, too_large
from piaops.selfcheck.models import Answer, Evidence
from piaops.tenancy.models import User


def evidence_add(*, answer: Answer, upload: UploadedFile, by: User | None = None) -> Evidence:
    name = upload.name or "file"
    if not answer.checklist.is_editable or answer.checklist.campaign.status != "launched":
        raise ValidationError("提出済みの自己点検票には証跡を追加できません。")
    error = too_large(name, upload.size)
    if error is not None:
        raise error  # before reading the whole upload into memory
    evidence = Evidence(
        municipality_id=answer.municipality_id,
        answer=answer,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    store_file(instance=evidence, name=name, data=upload.read(), summary="証跡ファイルを登録")
    return evidence
