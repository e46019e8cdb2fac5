"""Session keys of a log-in: when it began, when it was last used, and for whom the second factor was checked."""

from __future__ import annotations

import time

from django.http import HttpRequest

AUTH_AT = "piaops_auth_at"
SEEN_AT = "piaops_seen_at"
OTP_VERIFIED = "piaops_otp_user"
OTP_FAILURES = "piaops_otp_failures"


def now_seconds() -> int:
    return int(time.time())


def mark_otp_verified(request: HttpRequest) -> None:
    """Second factor passed: a new session key (no fixation across the step), then the flag for this user."""
    request.session.cycle_key()
    request.session[OTP_VERIFIED] = request.user.pk
    request.session.pop(OTP_FAILURES, None)


def is_otp_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor. Deliberately keyed on the user alone: editing one's own record
    or password keeps it (a new password ends the user's *other* sessions through Django's session hash instead);
    only a new log-in starts unverified (``signals``)."""
    return request.session.get(OTP_VERIFIED) == request.user.pk
