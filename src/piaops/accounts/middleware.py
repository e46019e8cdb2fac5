"""Session expiry and the second-factor gate, for every request of a logged-in user."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from piaops.accounts import services
from piaops.accounts.session import AUTH_AT, SEEN_AT, is_otp_verified, now_seconds

# Writing the session on every request is wasteful; a minute of precision is enough for an idle timeout.
SEEN_RESOLUTION = 60


class AccountSecurityMiddleware:
    """Log out an idle or too old session; send a half-logged-in user to the second-factor step.

    Half logged in = password accepted, second factor required (番号制度総括管理者, 監査人, or enrolled by choice)
    and not yet given in this session. Such a user reaches only the log-in, log-out, second-factor pages and
    static files; anything else answers 302 to the second-factor step (or enrolment when none exists).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def open_paths(self) -> frozenset[str]:
        if self._open_paths is None:
            names = ["login", "logout", "accounts:otp_verify", "accounts:otp_setup"]
            self._open_paths = frozenset(reverse(n) for n in names)
        return self._open_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = now_seconds()
        auth_at = request.session.get(AUTH_AT, now)
        seen_at = request.session.get(SEEN_AT, now)
        if now - auth_at > settings.SESSION_COOKIE_AGE or now - seen_at > settings.PIAOPS_SESSION_IDLE_SECONDS:
            logout(request)
            messages.info(request, "一定時間が経過したため、ログアウトしました。もう一度ログインしてください。")
            return redirect_to_login(request.get_full_path())
        if AUTH_AT not in request.session:
            request.session[AUTH_AT] = now
        if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in request.session:
            request.session[SEEN_AT] = now
        if is_otp_verified(request):
            return self.get_response(request)
        if services.has_confirmed_device(user):
            step = "accounts:otp_verify"
        elif services.otp_role_required(user):
            step = "accounts:otp_setup"
        else:
            return self.get_response(request)
        # base.html hides the menu of a half-logged-in user: none of its links would open.
        request.otp_pending = True  # type: ignore[attr-defined]
        if self._is_open(request):
            return self.get_response(request)
        return self._redirect(request, step)

    def _is_open(self, request: HttpRequest) -> bool:
        return request.path in self.open_paths() or request.path.startswith(settings.STATIC_URL)

    @staticmethod
    def _redirect(request: HttpRequest, name: str) -> HttpResponse:
        url = f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request") == "true":
            # htmx would follow a 302 inside the page and swap the step into a fragment: ask for a full navigation.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
