"""The secret key of an installation that sets none: one random key, written once to ``var/secret_key``.

``make run`` calls ``python -m piaops.secretkey``; the settings then read the file whenever neither
``PIAOPS_SECRET_KEY`` nor ``PIAOPS_SECRET_KEY_FILE`` is set, so every ``piaops`` command of that installation signs
with the same key without any variable. An existing file is never replaced (sessions, password-reset links and
API-token pages signed with it stay valid). This module imports nothing of Django: the settings use it.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

FILE_NAME = "secret_key"


def var_dir() -> Path:
    """The directory the settings keep the SQLite database and this key in (``PIAOPS_VAR_DIR``, else ``./var``)."""
    home = Path(os.environ.get("PIAOPS_HOME", Path.cwd()))
    return Path(os.environ.get("PIAOPS_VAR_DIR", home / "var"))


def read_key(path: Path) -> str | None:
    """The key stored at ``path``, or ``None`` when there is no such file (or it is empty)."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def ensure_key(path: Path) -> bool:
    """Write a new random key to ``path`` unless one is there; ``True`` when this call wrote it.

    The file is created exclusively with mode 0600, so two concurrent first starts cannot write two different keys.
    """
    if read_key(path) is not None:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # an empty file left by a crash: replace it; another writer: keep theirs
        if read_key(path) is not None:
            return False
        path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(48) + "\n")  # 64 characters, 384 random bits
    return True


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else var_dir() / FILE_NAME
    if ensure_key(path):
        print(f"秘密鍵を生成しました: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
