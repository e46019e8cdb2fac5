"""``piaops files to-database``: copy the files stored on this node's disk (``var/media/``) into the database
storage, before switching to ``PIAOPS_FILE_STORAGE=database`` (README "複数ノード"). Files already there (same
name) are left alone, so it can run again; the copies are checked by SHA-256. Nothing on disk is deleted."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from piaops.core.storage import DatabaseStorage


class Command(BaseCommand):
    help = "ディスク（var/media/）のファイルをデータベースのファイル保存先に複写します（複数ノードへの移行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.MEDIA_ROOT)
        storage = DatabaseStorage()
        copied = kept = 0
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
            name = path.relative_to(root).as_posix()
            if storage.exists(name):
                kept += 1
                continue
            with path.open("rb") as handle:
                saved = storage._save(name, File(handle, name=name))
            with path.open("rb") as disk, storage.open(saved) as stored:
                if hashlib.file_digest(disk, "sha256").digest() != hashlib.file_digest(stored, "sha256").digest():
                    raise CommandError(f"「{name}」の複写が一致しません。中止しました。")
            copied += 1
        self.stdout.write(f"複写 {copied} 件、複写済み {kept} 件（{root}）")
