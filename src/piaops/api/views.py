"""The page where a user creates, lists and revokes their own API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from piaops.api import docs, services
from piaops.api.forms import TokenForm
from piaops.api.models import ApiToken
from piaops.api.site import api
from piaops.tenancy.access import tenant_object, tenant_view
from piaops.tenancy.models import User


@tenant_view()
def index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST if request.method == "POST" else None)
    raw = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            timezone.make_aware(dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min))
            if expires_on
            else None
        )
        _token, raw = services.token_create(
            user=user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"], expires_at=expires_at
        )
        form = TokenForm()
    tokens = ApiToken.objects.visible_to(user)
    # The raw token is in this response only: it is not stored, so the page must not be cached.
    response = render(request, "api/tokens.html", {"form": form, "raw": raw, "tokens": tokens, "now": timezone.now()})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@tenant_object(ApiToken)
def revoke(request: HttpRequest, token: ApiToken) -> HttpResponse:
    """Revoke one of the user's own tokens (another user's answers 403: ``ApiToken.objects.visible_to``)."""
    services.token_revoke(token=token)
    messages.success(request, f"APIトークン「{token.name}」を失効させました。")
    return redirect("api:index")


@tenant_view()
def reference(request: HttpRequest) -> HttpResponse:
    """``/api/v1/docs``: the API reference, rendered here from the OpenAPI document (no CDN, no script)."""
    document = api.get_openapi_schema(path_prefix="/api/v1")
    tags, schemas = docs.reference(document)
    return render(request, "api/docs.html", {"info": document["info"], "tags": tags, "schemas": schemas})
