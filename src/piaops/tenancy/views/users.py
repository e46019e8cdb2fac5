"""Users (log-in accounts) of the municipality and their roles. Only the 番号制度総括管理者 (``Perm.MANAGE``) sees
these pages; users of another municipality do not exist for the caller (404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from piaops.lib.fields import GuardedFormCharField
from piaops.tenancy import access, services
from piaops.tenancy.access import Perm, tenant_object, tenant_view
from piaops.tenancy.forms import RoleGrantForm, UserCreateForm, UserEditForm, attach_errors
from piaops.tenancy.models import RoleGrant, User
from piaops.tenancy.views.common import acting, editable, form_page

PAGE_SIZE = 50
_search = GuardedFormCharField(required=False, label="ユーザー名・表示名")


def _grants() -> Any:
    return Prefetch("grants", queryset=RoleGrant.objects.select_related("unit", "party").order_by("role", "pk"))


def _with_grants(target: User) -> User:
    """``target`` with its grants loaded as the user page lists them (by role, with unit and party)."""
    prefetch_related_objects([target], _grants())
    return target


@tenant_view(Perm.MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    user, _ = acting(request)
    users = access.scoped(user, User).select_related("person").prefetch_related(_grants()).order_by("username")
    q = request.GET.get("q", "").strip()
    error = ""
    if q:
        try:
            _search.clean(q)
        except ValidationError as exc:
            error, users = " ".join(exc.messages), users.none()
        else:
            users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tenancy/user_list.html", {"page": page, "q": q, "error": error})


@tenant_view(Perm.MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        UserCreateForm(request.POST if request.method == "POST" else None, municipality=municipality),
        save=lambda data: services.user_create(
            municipality=municipality, **{k: v for k, v in data.items() if k != "password_confirm"}
        ),
        done=lambda new_user: (
            _user_url(new_user.pk),
            f"利用者「{new_user.username}」を作成しました。役割を付与してください。",
        ),
        title="利用者を作成",
        back_url=reverse("tenancy:users"),
    )


def _user_url(pk: int) -> str:
    return reverse("tenancy:user_detail", kwargs={"pk": pk})


@tenant_object(User, perm=Perm.MANAGE, select=("person",))
def user_detail(request: HttpRequest, target: User) -> HttpResponse:
    _, municipality = acting(request)
    _with_grants(target)
    form = RoleGrantForm(municipality=municipality)
    return render(request, "tenancy/user_detail.html", {"target": target, "form": form})


@tenant_object(User, perm=Perm.MANAGE)
def user_edit(request: HttpRequest, target: User) -> HttpResponse:
    _, municipality = acting(request)
    return form_page(
        request,
        UserEditForm(
            request.POST if request.method == "POST" else None, instance=editable(target), municipality=municipality
        ),
        save=lambda data: services.user_update(user=target, **data),
        done=lambda _: (_user_url(target.pk), f"利用者「{target.username}」を保存しました。"),
        title=f"利用者「{target.username}」を編集",
        back_url=_user_url(target.pk),
    )


@require_POST
@tenant_object(User, perm=Perm.MANAGE)
def user_deactivate(request: HttpRequest, target: User) -> HttpResponse:
    user, _ = acting(request)
    try:
        services.user_deactivate(user=target, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"利用者「{target.username}」の利用を停止しました。")
    return redirect("tenancy:user_detail", pk=target.pk)


@tenant_object(User, perm=Perm.MANAGE, select=("person",))
def role_grant(request: HttpRequest, target: User) -> HttpResponse:
    """POST grants a role; an invalid form is shown again on the user's page with its errors."""
    _, municipality = acting(request)
    if request.method != "POST":
        return redirect("tenancy:user_detail", pk=target.pk)
    _with_grants(target)
    form = RoleGrantForm(request.POST, municipality=municipality)
    if form.is_valid():
        try:
            grant = services.role_grant(user=target, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"「{grant}」を付与しました。")
            return redirect("tenancy:user_detail", pk=target.pk)
    return render(request, "tenancy/user_detail.html", {"target": target, "form": form})


@require_POST
@tenant_object(RoleGrant, perm=Perm.MANAGE, select=("user", "unit", "party"))
def role_revoke(request: HttpRequest, grant: RoleGrant) -> HttpResponse:
    try:
        services.role_revoke(grant=grant)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"「{grant}」を取り消しました。")
    return redirect("tenancy:user_detail", pk=grant.user_id)
