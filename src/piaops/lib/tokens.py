"""Bearer secrets (API tokens, calendar feed tokens): made from 256 bits of ``secrets``, stored as SHA-256 only.

A fast digest is enough: the raw token is random and long, so nobody can invert the digest by trying candidates
(a slow password hash only helps for a low-entropy secret a person chose), and each request stays one indexed
lookup.
"""

from __future__ import annotations

import hashlib
import secrets


def digest_of(raw: str) -> str:
    """The SHA-256 hex digest stored in place of ``raw``."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    """A fresh raw token: ``prefix`` then 256 random bits, URL-safe (letters, digits, ``-`` and ``_``)."""
    return prefix + secrets.token_urlsafe(32)
