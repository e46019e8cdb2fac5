"""The page where a user makes or revokes their calendar feed URL, and the feed itself (the token is the login)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from piaops.calendarfeed import services
from piaops.calendarfeed.feed import feed_text
from piaops.calendarfeed.models import CalendarToken
from piaops.tenancy.access import tenant_object, tenant_view
from piaops.tenancy.models import User


@tenant_view()
def index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    feed_url = None
    if request.method == "POST":
        _token, raw = services.token_create(user=user)
        feed_url = request.build_absolute_uri(reverse("calendarfeed:feed", args=[raw]))
    tokens = CalendarToken.objects.visible_to(user)
    # The feed URL is in this response only: it is not stored, so the page must not be cached.
    response = render(request, "calendarfeed/index.html", {"feed_url": feed_url, "tokens": tokens})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@tenant_object(CalendarToken)
def revoke(request: HttpRequest, token: CalendarToken) -> HttpResponse:
    """Revoke one of the user's own tokens (another user's answers 403: ``CalendarToken.objects.visible_to``)."""
    services.token_revoke(token=token)
    messages.success(request, "カレンダー配信URLを無効にしました。")
    return redirect("calendarfeed:index")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/<token>.ics``: no session; an unknown or revoked token answers 404 like any unknown URL."""
    found = services.token_lookup(token)
    if found is None:
        raise Http404("見つかりません。")
    CalendarToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    response = HttpResponse(
        feed_text(found.user, absolute=request.build_absolute_uri), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
