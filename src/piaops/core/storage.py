"""Files in the database: the storage of ``PIAOPS_FILE_STORAGE=database`` (README "複数ノード").

Every node of a multi-node installation sees the same PostgreSQL, so a file stored there is served by any node, and
``piaops backup`` (``pg_dump``) carries it with the rows that name it. A file is a :class:`~piaops.core.models.
StoredFile` row and its bytes are :class:`~piaops.core.models.StoredChunk` rows of at most :data:`CHUNK_BYTES`:
saving reads the upload piece by piece, and opening returns a reader that fetches one chunk at a time, so neither
ever holds a whole file in memory (a download is streamed by ``FileResponse``).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.deconstruct import deconstructible

CHUNK_BYTES = 512 * 1024


class ChunkReader(io.RawIOBase):
    """A read-only, seekable file over the chunks of one stored file; holds at most one chunk."""

    def __init__(self, file_id: int, size: int) -> None:
        super().__init__()
        self.file_id = file_id
        self.size = size
        self.position = 0
        self._index = -1
        self._chunk = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        if self.position >= self.size:
            return 0
        index, start = divmod(self.position, CHUNK_BYTES)
        if index != self._index:
            from piaops.core.models import StoredChunk

            data = StoredChunk.objects.filter(file_id=self.file_id, index=index).values_list("data", flat=True).first()
            if data is None:
                raise OSError(f"stored file {self.file_id}: chunk {index} is missing")
            self._chunk, self._index = bytes(data), index
        view = memoryview(buffer)
        piece = self._chunk[start : start + len(view)]
        view[: len(piece)] = piece
        self.position += len(piece)
        return len(piece)


@deconstructible
class DatabaseStorage(Storage):
    """A Django storage keeping files in the database in chunks; names are like the filesystem's (``a/b/c.pdf``)."""

    def _open(self, name: str, mode: str = "rb") -> File[bytes]:
        if set(mode) - {"r", "b"}:
            raise ValueError("DatabaseStorage files are read-only once saved; save a new file instead")
        from piaops.core.models import StoredFile

        row = StoredFile.objects.filter(name=name).values_list("pk", "size").first()
        if row is None:
            raise FileNotFoundError(name)
        reader: IO[bytes] = io.BufferedReader(ChunkReader(row[0], row[1]), buffer_size=CHUNK_BYTES)
        return File(reader, name=name)

    def _save(self, name: str, content: File[bytes]) -> str:
        from piaops.core.models import StoredChunk, StoredFile

        while True:
            try:
                with transaction.atomic():
                    stored = StoredFile.objects.create(name=name, created_at=timezone.now())
                    size, index, pending = 0, 0, bytearray()
                    for piece in content.chunks(CHUNK_BYTES):
                        pending += piece
                        while len(pending) >= CHUNK_BYTES:
                            StoredChunk.objects.create(file=stored, index=index, data=bytes(pending[:CHUNK_BYTES]))
                            size, index, pending = size + CHUNK_BYTES, index + 1, pending[CHUNK_BYTES:]
                    if pending or index == 0:
                        StoredChunk.objects.create(file=stored, index=index, data=bytes(pending))
                        size += len(pending)
                    StoredFile.objects.filter(pk=stored.pk).update(size=size)
                return name
            except IntegrityError:
                # Another node took this name between get_available_name() and here: take the next free one.
                if hasattr(content, "seek"):
                    content.seek(0)
                name = self.get_available_name(name)

    def delete(self, name: str) -> None:
        from piaops.core.models import StoredFile

        StoredFile.objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        from piaops.core.models import StoredFile

        return StoredFile.objects.filter(name=name).exists()

    def size(self, name: str) -> int:
        from piaops.core.models import StoredFile

        row = StoredFile.objects.filter(name=name).values_list("size", flat=True).first()
        if row is None:
            raise FileNotFoundError(name)
        return int(row)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        from piaops.core.models import StoredFile

        prefix = path.strip("/") + "/" if path.strip("/") else ""
        dirs: set[str] = set()
        files: list[str] = []
        for name in StoredFile.objects.filter(name__startswith=prefix).values_list("name", flat=True):
            rest = name[len(prefix) :]
            if "/" in rest:
                dirs.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(dirs), sorted(files)

    def get_created_time(self, name: str) -> dt.datetime:
        from piaops.core.models import StoredFile

        created = StoredFile.objects.filter(name=name).values_list("created_at", flat=True).first()
        if created is None:
            raise FileNotFoundError(name)
        return created

    get_modified_time = get_created_time

    def get_accessed_time(self, name: str) -> dt.datetime:
        return self.get_created_time(name)

    def path(self, name: str) -> str:
        raise NotImplementedError("files in the database have no path on disk; open() them")

    def url(self, name: str | None) -> str:
        raise NotImplementedError("stored files are served by the views that check who may read them")
