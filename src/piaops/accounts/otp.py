"""TOTP (RFC 6238, via pyotp) and recovery codes: pure functions, no database."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import pyotp
import segno

ISSUER = "piaops"
# Accept the previous and the next 30-second step too: phones' clocks drift.
VALID_WINDOW = 1
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_COUNT = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, username: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(data: str) -> str:
    """An inline ``<svg>`` QR code drawn offline (no image request, nothing sent anywhere)."""
    svg: str = segno.make(data, error="m").svg_inline(scale=5, border=4, title="二要素認証の登録用QRコード")
    return svg


def matching_step(secret: str, code: str, *, at: dt.datetime, after_step: int) -> int | None:
    """The time step whose code equals ``code`` (within the window) and is later than ``after_step``, else None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at)
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if step > after_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_COUNT) -> list[str]:
    """``count`` codes like ``k7m2p-q9xzt`` (10 characters from a 31-letter alphabet, about 50 bits each)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode("ascii", "ignore")).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise_recovery_code(code)) == 10
