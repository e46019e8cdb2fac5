"""The files of a background job, all in the default storage (any node's worker reads them, README "複数ノード").

An upload the job works on is staged when the job is enqueued (``job_enqueue(uploads=…)``): its bytes go to
``jobs-staging/<random id>/0`` and the job's params keep its storage name, its file name and its SHA-256. The job
reads it back with :func:`staged_upload` (checked against the hash) and the worker removes it once the job has
succeeded; a failed job keeps it until the job is pruned. A job's result file goes to ``jobs/<job id>/<file name>``
(:func:`store_result`), downloaded from the job's page.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from piaops.jobs.models import Job
from piaops.jobs.registry import JobFailed, Outcome

STAGING = "jobs-staging"
UPLOAD_MARK = "staged_upload"  # a params value holding this key is a staged upload


def stage_upload(filename: str, content: bytes) -> dict[str, Any]:
    """Store ``content`` for a job about to be enqueued; the dict goes into the job's params."""
    name = default_storage.save(f"{STAGING}/{uuid.uuid4().hex}/0", ContentFile(content))
    return {
        UPLOAD_MARK: name,
        "filename": filename,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
    }


def staged_upload(job: Job, key: str = "upload") -> tuple[str, bytes]:
    """The upload staged under ``params[key]``: (file name, bytes). A missing or changed file fails the job."""
    staged = job.params.get(key) or {}
    try:
        with default_storage.open(staged[UPLOAD_MARK], "rb") as fh:
            content = fh.read()
    except (KeyError, FileNotFoundError, OSError) as exc:
        raise JobFailed("取り込むファイルが見つかりません。もう一度アップロードしてください。") from exc
    if hashlib.sha256(content).hexdigest() != staged.get("sha256"):
        raise JobFailed("取り込むファイルがアップロードの後に書き換えられました。もう一度アップロードしてください。")
    return str(staged.get("filename", "")), content


def discard_uploads(params: dict[str, Any]) -> None:
    """Remove the job's staged uploads (after its success, or when the job itself is pruned)."""
    for value in params.values():
        if isinstance(value, dict) and isinstance(value.get(UPLOAD_MARK), str):
            default_storage.delete(value[UPLOAD_MARK])


def store_result(job: Job, filename: str, content: bytes, *, message: str) -> Outcome:
    """Keep ``content`` as the job's result, downloaded as ``filename`` from the job's page."""
    name = default_storage.save(f"jobs/{job.pk}/{filename}", ContentFile(content))
    return Outcome(message=message, result_name=name, result_filename=filename)
