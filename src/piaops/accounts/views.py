"""Log-in and log-out, the second-factor step, enrolment, recovery codes and password change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from piaops.accounts import otp, services
from piaops.accounts.forms import LockoutAuthenticationForm, NextForm, OtpForm
from piaops.accounts.session import OTP_FAILURES, is_otp_verified, mark_otp_verified
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.lib.clientaddr import client_addr, proxy_addr
from piaops.tenancy.models import User

# The first step of a log-in (user name and password, with the lockout); the second is ``otp_verify``.
log_in = auth_views.LoginView.as_view(
    authentication_form=LockoutAuthenticationForm, template_name="accounts/login.html"
)
log_out = auth_views.LogoutView.as_view()

# Wrong second-factor codes allowed in one session before it is logged out (the password must be given again).
MAX_OTP_FAILURES = 5


def _next(request: HttpRequest) -> str:
    """The posted ``next``, else the URL's, when it stays on this site; else ``/``."""
    target = ""
    for data in ([request.POST] if request.method == "POST" else []) + [request.GET]:
        form = NextForm(data)
        if form.is_valid() and form.cleaned_data["next"]:
            target = form.cleaned_data["next"]
            break
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a log-in: a TOTP code or a recovery code."""
    user: User = request.user  # type: ignore[assignment]
    if is_otp_verified(request):
        return redirect(_next(request))
    if not services.has_confirmed_device(user):
        return redirect("accounts:otp_setup")
    form = OtpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.otp_verify(
            user=user,
            code=form.cleaned_data["code"],
            remote_addr=client_addr(request),
            proxy_addr=proxy_addr(request),
        ):
            mark_otp_verified(request)
            left = services.recovery_codes_left(user)
            if left <= 2:
                messages.warning(request, f"未使用のリカバリーコードは残り{left}個です。再発行してください。")
            return redirect(_next(request))
        failures = request.session.get(OTP_FAILURES, 0) + 1
        request.session[OTP_FAILURES] = failures
        if failures >= MAX_OTP_FAILURES:
            logout(request)
            messages.error(request, "確認コードの誤りが続いたため、ログアウトしました。もう一度ログインしてください。")
            return redirect("login")
        form.add_error("code", "確認コードが正しくありません。")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: QR code (drawn here, offline) and the secret as text; a first code confirms it."""
    user: User = request.user  # type: ignore[assignment]
    if services.has_confirmed_device(user):
        if not is_otp_verified(request):
            return redirect("accounts:otp_verify")
        messages.info(request, "二要素認証は登録済みです。")
        return redirect("accounts:index")
    device = services.otp_device_start(user=user)
    form = OtpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        enrolment = services.otp_device_confirm(user=user, code=form.cleaned_data["code"])
        if enrolment is not None:
            mark_otp_verified(request)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": enrolment.recovery_codes, "next": _next(request), "enrolled": True},
            )
        form.add_error("code", "確認コードが正しくありません。端末の時刻が正しいか確かめてください。")
    uri = otp.provisioning_uri(device.secret, username=user.get_username())
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": otp.qr_svg(uri),
            "secret": " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4)),
            "required": services.otp_required(user),
            "next": _next(request),
        },
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    enrolled = services.has_confirmed_device(user)
    return render(
        request,
        "accounts/index.html",
        {
            "enrolled": enrolled,
            "required": services.otp_role_required(user),
            "codes_left": services.recovery_codes_left(user) if enrolled else None,
        },
    )


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not services.has_confirmed_device(user):
        return redirect("accounts:otp_setup")
    codes = services.recovery_codes_regenerate(user=user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "", "enrolled": False})


@login_required
@require_POST
def otp_remove(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if services.otp_role_required(user):
        messages.error(request, "番号制度総括管理者・監査人は二要素認証を解除できません。")
    else:
        services.otp_device_remove(user=user)
        messages.success(request, "二要素認証の登録を解除しました。")
    return redirect("accounts:index")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the configured validators (10 characters or more, etc.) apply."""
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(action=Action.UPDATE, municipality_id=user.municipality_id, obj=user, summary="パスワードを変更")
        update_session_auth_hash(request, user)
        messages.success(request, "パスワードを変更しました。")
        return redirect("accounts:index")
    return render(request, "accounts/password_change.html", {"form": form})
