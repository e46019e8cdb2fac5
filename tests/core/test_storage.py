"""Files in the database (``PIAOPS_FILE_STORAGE=database``): any node reads what another stored, chunk by chunk."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from piaops.core.models import StoredChunk, StoredFile
from piaops.core.storage import CHUNK_BYTES, DatabaseStorage
from tests.conftest import World
from tests.core.test_settings import SECRET, _run

pytestmark = pytest.mark.django_db
BIG = os.urandom(2 * CHUNK_BYTES + 123)  # three chunks, the last one short


def test_a_file_spanning_chunks_reads_back_byte_for_byte() -> None:
    storage = DatabaseStorage()

    name = storage.save("evidence/2026/台帳.bin", ContentFile(BIG))

    assert name == "evidence/2026/台帳.bin" and storage.exists(name) and storage.size(name) == len(BIG)
    assert StoredChunk.objects.filter(file__name=name).count() == 3
    with storage.open(name) as handle:
        assert hashlib.sha256(handle.read()).digest() == hashlib.sha256(BIG).digest()
    with storage.open(name) as handle:
        handle.seek(CHUNK_BYTES - 3)
        assert handle.read(6) == BIG[CHUNK_BYTES - 3 : CHUNK_BYTES + 3]  # across a chunk boundary


def test_opening_reads_one_chunk_at_a_time_not_the_whole_file() -> None:
    storage = DatabaseStorage()
    name = storage.save("big.bin", ContentFile(BIG))

    with CaptureQueriesContext(connection) as queries, storage.open(name) as handle:
        first = handle.read(10)

    assert first == BIG[:10]
    chunk_reads = [q["sql"] for q in queries.captured_queries if "core_storedchunk" in q["sql"]]
    assert len(chunk_reads) == 1  # the first chunk only


def test_a_taken_name_gets_another_and_delete_and_listdir_work() -> None:
    storage = DatabaseStorage()
    first = storage.save("import-staging/k1/0", ContentFile(b"one"))
    second = storage.save("import-staging/k1/0", ContentFile(b"two"))
    storage.save("import-staging/k2/0", ContentFile(b""))

    assert first != second and storage.open(second).read() == b"two"
    assert storage.listdir("import-staging") == (["k1", "k2"], [])
    assert storage.listdir("import-staging/k2") == ([], ["0"])
    assert storage.open("import-staging/k2/0").read() == b""  # an empty file is a file too
    storage.delete(first)
    assert not storage.exists(first) and not StoredFile.objects.filter(name=first).exists()
    with pytest.raises(FileNotFoundError):
        storage.open(first)


def test_evidence_uploaded_is_downloaded_identical_and_streamed(
    world: World, as_head: Client, settings: Settings
) -> None:
    from tests.selfcheck.test_answering import _checklist

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "piaops.core.storage.DatabaseStorage"}}
    checklist = _checklist(world)
    answer = checklist.answers.order_by("item__order").first()
    assert answer is not None
    content = ("持出簿 2026年10月分\n" * 80_000).encode()  # over 1 MB: several chunks
    as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/evidence/",
        {"answer": answer.pk, "file": SimpleUploadedFile("持出簿.txt", content)},
    )
    evidence = answer.evidence.get()
    assert StoredFile.objects.filter(name=evidence.file.name, size=len(content)).exists()

    download = as_head.get(f"/selfcheck/evidence/{evidence.pk}/")

    assert download.streaming and b"".join(download.streaming_content) == content  # type: ignore[attr-defined]


def test_the_setting_chooses_the_storage_and_refuses_a_wrong_value(tmp_path: Path) -> None:
    code = "from piaops import settings as s; print(s.STORAGES['default']['BACKEND'])"
    chosen = _run(code, tmp_path, PIAOPS_SECRET_KEY=SECRET, PIAOPS_FILE_STORAGE="database")
    default = _run(code, tmp_path, PIAOPS_SECRET_KEY=SECRET)
    wrong = _run(code, tmp_path, PIAOPS_SECRET_KEY=SECRET, PIAOPS_FILE_STORAGE="s3")

    assert chosen.stdout.strip() == "piaops.core.storage.DatabaseStorage"
    assert default.stdout.strip() == "django.core.files.storage.FileSystemStorage"
    assert wrong.returncode != 0 and "PIAOPS_FILE_STORAGE must be one of" in wrong.stderr


def test_files_on_disk_are_copied_into_the_database_once(tmp_path: Path, settings: Settings) -> None:
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "selfcheck" / "2026").mkdir(parents=True)
    (tmp_path / "selfcheck" / "2026" / "持出簿.txt").write_bytes(BIG)
    (tmp_path / "top.pdf").write_bytes(b"%PDF-1.4")
    out = io.StringIO()

    call_command("files_to_database", stdout=out)
    call_command("files_to_database", stdout=out)

    storage = DatabaseStorage()
    assert storage.open("selfcheck/2026/持出簿.txt").read() == BIG and storage.open("top.pdf").read() == b"%PDF-1.4"
    assert "複写 2 件、複写済み 0 件" in out.getvalue() and "複写 0 件、複写済み 2 件" in out.getvalue()
