"""Account security: lockout, TOTP enrolment and verification, recovery codes.

Each function writes its rows and its audit entry in one transaction. The audit entries use the existing actions
(LOGIN_FAILED for refused log-ins and second-factor failures, UPDATE for enrolment and new recovery codes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from piaops.accounts import otp
from piaops.accounts.models import LoginFailure, OtpDevice, RecoveryCode
from piaops.audittrail.context import Actor
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.tenancy import access
from piaops.tenancy.models import Role, User

REQUIRED_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.AUDITOR})
LOCKED_MESSAGE = (
    "ログインに続けて失敗したため、このユーザー名でのログインを一時的に停止しています。"
    "しばらく時間をおいてから、もう一度お試しください。"
)


# --- lockout -------------------------------------------------------------------------------------------------


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def locked_until(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the lock on ``username`` ends, or None when it may try to log in.

    A lock starts with the failure that makes ``PIAOPS_LOCKOUT_FAILURES`` failures within the window, and lasts
    ``PIAOPS_LOCKOUT_SECONDS`` from it. Attempts while locked are refused without checking the password and are not
    counted, so the last failure is the one that started the lock.
    """
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.PIAOPS_LOCKOUT_WINDOW_SECONDS)
    last = LoginFailure.objects.filter(username=_key(username)).order_by("-at").values_list("at", flat=True).first()
    if last is None:
        return None
    until = last + dt.timedelta(seconds=settings.PIAOPS_LOCKOUT_SECONDS)
    if until <= now:
        return None
    recent = LoginFailure.objects.filter(username=_key(username), at__gt=last - window, at__lte=last).count()
    return until if recent >= settings.PIAOPS_LOCKOUT_FAILURES else None


def login_failure_record(*, username: str, now: dt.datetime | None = None) -> None:
    """Count one failed log-in for ``username`` (the audit entry itself comes from Django's login-failed signal)."""
    now = now or timezone.now()
    with transaction.atomic():
        LoginFailure.objects.create(username=_key(username), at=now)
        # Old rows serve no lockout: keep the table small even when someone sprays made-up names.
        LoginFailure.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username=_key(username)).delete()


def login_locked_record(*, username: str, remote_addr: str, proxy_addr: str = "") -> None:
    """Audit a log-in refused because the user name is locked (same shape as Django's failed log-in entry)."""
    known = get_user_model().objects.filter(username=username[:150]).only("pk", "municipality_id").first()
    record(
        action=Action.LOGIN_FAILED,
        municipality_id=getattr(known, "municipality_id", None),
        object_type="tenancy.User",
        object_id=str(known.pk) if known else "",
        object_repr=username[:150],
        summary="ロック中のため拒否",
        actor=Actor(user=None, name=username[:150], remote_addr=remote_addr, proxy_addr=proxy_addr),
    )


# --- second factor -------------------------------------------------------------------------------------------


def otp_role_required(user: User) -> bool:
    """Whether the user's roles make a second factor mandatory: 番号制度総括管理者, 監査人, and the ASP's
    superusers (they read every municipality in the Django admin)."""
    return user.is_superuser or bool(access.roles(user) & REQUIRED_ROLES)


def otp_required(user: User) -> bool:
    """Whether the user must use a second factor: the roles above, and anyone who enrolled by choice."""
    return otp_role_required(user) or has_confirmed_device(user)


def has_confirmed_device(user: User) -> bool:
    return OtpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def otp_device_start(*, user: User) -> OtpDevice:
    """The user's unconfirmed device, created with a fresh secret if there is none (enrolment page)."""
    device, _ = OtpDevice.objects.get_or_create(user=user, defaults={"secret": otp.new_secret()})
    return device


@dataclass(frozen=True)
class Enrolment:
    device: OtpDevice
    recovery_codes: list[str]


def otp_device_confirm(*, user: User, code: str, now: dt.datetime | None = None) -> Enrolment | None:
    """Confirm enrolment with a first valid code; returns the new recovery codes (shown once) or None."""
    now = now or timezone.now()
    with transaction.atomic():
        device = OtpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if device is None:
            return None
        step = otp.matching_step(device.secret, code, at=now, after_step=device.last_step)
        if step is None:
            return None
        device.confirmed_at = now
        device.last_step = step
        device.save(update_fields=["confirmed_at", "last_step"])
        codes = _replace_recovery_codes(user)
        record(
            action=Action.UPDATE,
            municipality_id=user.municipality_id,
            obj=user,
            summary="二要素認証（TOTP）を登録",
        )
    return Enrolment(device=device, recovery_codes=codes)


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = otp.new_recovery_codes()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=otp.hash_recovery_code(c)) for c in codes])
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for an enrolled user; the old ones stop working."""
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        record(action=Action.UPDATE, municipality_id=user.municipality_id, obj=user, summary="リカバリーコードを再発行")
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def otp_verify(
    *, user: User, code: str, remote_addr: str = "", proxy_addr: str = "", now: dt.datetime | None = None
) -> bool:
    """Check a TOTP code (each time step accepted once) or an unused recovery code (then spent).

    A failure is written to the audit trail, as a failed log-in.
    """
    now = now or timezone.now()
    actor = Actor(user=user, name=user.get_username(), remote_addr=remote_addr, proxy_addr=proxy_addr)
    with transaction.atomic():
        device = OtpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is not None:
            step = otp.matching_step(device.secret, code, at=now, after_step=device.last_step)
            if step is not None:
                device.last_step = step
                device.save(update_fields=["last_step"])
                return True
            if otp.looks_like_recovery_code(code):
                spent = RecoveryCode.objects.filter(
                    user=user, code_hash=otp.hash_recovery_code(code), used_at__isnull=True
                ).update(used_at=now)
                if spent == 1:
                    record(
                        action=Action.LOGIN,
                        municipality_id=user.municipality_id,
                        obj=user,
                        summary="リカバリーコードで二要素認証",
                        actor=actor,
                    )
                    return True
        record(
            action=Action.LOGIN_FAILED,
            municipality_id=user.municipality_id,
            obj=user,
            summary="二要素認証のコードが正しくない",
            actor=actor,
        )
    return False


def otp_device_remove(*, user: User) -> None:
    """Stop a voluntary second factor (refused for the roles that require it: the view checks first)."""
    with transaction.atomic():
        OtpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        record(action=Action.UPDATE, municipality_id=user.municipality_id, obj=user, summary="二要素認証の登録を解除")
