"""Every log-in starts unverified (second factor pending) with fresh idle and absolute clocks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from piaops.accounts.session import AUTH_AT, OTP_FAILURES, OTP_VERIFIED, SEEN_AT, now_seconds


@receiver(user_logged_in)
def _start_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(OTP_VERIFIED, None)
    request.session.pop(OTP_FAILURES, None)
    request.session[AUTH_AT] = request.session[SEEN_AT] = now_seconds()
