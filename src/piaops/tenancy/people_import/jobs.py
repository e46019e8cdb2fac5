"""The people import's commit as a background job (``JOB_KINDS["people_import"]``): the service, unchanged, with
the job's progress; its page then links to the import's result page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from piaops.jobs.models import Job
from piaops.jobs.registry import JobFailed, Outcome
from piaops.tenancy.people_import.services import ImportFileError, people_import_commit
from piaops.tenancy.people_import.staging import discard, staged_files

SHOWN_ISSUES = 20


def people_import(*, job: Job, progress: Any) -> Outcome:
    key = str(job.params["key"])
    files = staged_files(key, job.params["files"])
    if files is None:
        raise JobFailed(
            "取り込むファイルが見つからないか、確認の後に書き換えられました。もう一度アップロードしてください。"
        )
    try:
        plan, entry = people_import_commit(municipality=job.municipality, files=files, progress=progress)
    except ImportFileError as exc:
        # The data changed since the preview (another import, an edit): nothing saved, every reason shown.
        shown = "\n".join(str(i) for i in exc.issues[:SHOWN_ISSUES])
        more = f"\nほか {len(exc.issues) - SHOWN_ISSUES} 件" if len(exc.issues) > SHOWN_ISSUES else ""
        raise JobFailed(f"問題が {len(exc.issues)} 件あります。何も登録していません。\n{shown}{more}") from exc
    discard(key)
    c = plan.counts
    return Outcome(
        message=f"取り込みました（職員 新規 {c.people_created} 件・更新 {c.people_updated} 件）。",
        result_url=reverse("tenancy_import:result", args=[entry.pk]),
    )
