"""Uploaded files waiting between the preview and the confirmation of a people import.

The bytes wait in the default storage (``import-staging/<random id>/``: the filesystem under ``var/``, or the
database with ``PIAOPS_FILE_STORAGE=database``, so any node may confirm); the confirm form carries a signed token
(user, municipality, file names and SHA-256), so a token cannot be replayed by someone else, and the files cannot be
swapped unnoticed. Staged files live one hour; older ones are swept at the next upload. The import job
(``people_import.jobs``) reads them back and discards them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.utils import timezone

SALT = "piaops.tenancy.import"
STAGING_SECONDS = 3600
STAGING = "import-staging"  # a folder of the default storage (README "複数ノード": any node confirms)


def sweep() -> None:
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


def stage(files: list[tuple[str, bytes]], *, user_id: int, municipality_id: int) -> str:
    sweep()
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


def unstage(token: str, *, user_id: int, municipality_id: int) -> tuple[str, list[list[str]]] | None:
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
