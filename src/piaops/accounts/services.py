"""Account security: lockout, TOTP enrolment and verification, recovery codes, directory sign-in.

Each function writes its rows and its audit entry in one transaction. The audit entries use the existing actions
(LOGIN_FAILED for refused log-ins and second-factor failures, UPDATE for enrolment and new recovery codes).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from piaops.accounts import otp
from piaops.accounts.models import LoginFailure, OtpDevice, RecoveryCode
from piaops.audittrail.context import Actor
from piaops.audittrail.models import Action
from piaops.audittrail.services import record, record_create, record_update, snapshot
from piaops.tenancy import access
from piaops.tenancy import services as tenancy_services
from piaops.tenancy.models import Assignment, OrgUnit, Party, Person, Role, RoleGrant, User

logger = logging.getLogger("piaops.accounts")
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


# --- directory sign-in (piaops.accounts.directory) ----------------------------------------------------------


def _roster_match(user: User, *, staff_number: str, email: str) -> tuple[Person | None, str]:
    """The roster person of the user's municipality with this 職員番号, else with this mail address (only one)."""
    people = Person.objects.filter(municipality_id=user.municipality_id or 0)
    if staff_number:
        if (by_number := people.filter(staff_number=staff_number).first()) is not None:
            return by_number, "職員番号"
    if email:
        by_mail = list(people.filter(email__iexact=email)[:2])
        if len(by_mail) == 1:
            return by_mail[0], "メールアドレス"
    return None, ""


def _wanted_grants(user: User, roles: set[str]) -> set[tuple[str, int | None, int | None]]:
    """(role, unit id, party id) for each role: 所属長・所属担当者 over the units the roster person is assigned to
    today, 事業者担当 over the person's party, the other roles municipality-wide. A scoped role with no scope (no
    roster person, no current assignment, no party) gives nothing."""
    wanted: set[tuple[str, int | None, int | None]] = set()
    today = timezone.localdate()
    for role in roles:
        if role in tenancy_services.UNIT_SCOPED_ROLES:
            if user.person_id is not None:
                units = Assignment.objects.on(today).filter(person_id=user.person_id).values_list("unit_id", flat=True)
                wanted |= {(role, unit_id, None) for unit_id in units}
        elif role == Role.CONTRACTOR:
            if user.person is not None and user.person.party_id is not None:
                wanted.add((role, None, user.person.party_id))
        else:
            wanted.add((role, None, None))
    return wanted


def directory_sign_in(
    *, user: User, dn: str, created: bool, roles: set[str], staff_number: str, email: str, display_name: str
) -> User:
    """Bring a directory account in line with its directory entry, at each log-in, in the audit trail.

    ``created``: this log-in created the account (recorded as its creation). Name and mail follow the directory.
    The first log-in links the account to the roster person with the entry's 職員番号, else its mail address.
    The role grants become those ``roles`` give (see ``_wanted_grants``): grants of a group the user left are
    revoked, except the municipality's last 番号制度総括管理者 (kept, and logged).
    """
    with transaction.atomic():
        if created:
            record_create(user, municipality_id=user.municipality_id, summary="ディレクトリから初回ログイン")
        before = snapshot(user)
        user.directory_dn = dn
        user.display_name = display_name[:100] or user.display_name
        user.email = email or user.email
        how = ""
        if user.person_id is None:
            user.person, how = _roster_match(user, staff_number=staff_number, email=email)
        if snapshot(user) != before:
            user.save(update_fields=["directory_dn", "display_name", "email", "person"])
            summary = f"名簿の職員等と連携（{how}）" if how else "ディレクトリの情報で更新"
            record_update(user, before=before, municipality_id=user.municipality_id, summary=summary)
        wanted = _wanted_grants(user, roles)
        for grant in RoleGrant.objects.filter(user=user):
            key = (grant.role, grant.unit_id, grant.party_id)
            if key in wanted:
                wanted.discard(key)
                continue
            try:
                tenancy_services.role_revoke(grant=grant)
            except ValidationError as exc:
                logger.warning("directory sign-in of %s keeps %s: %s", user.username, grant, exc.messages[0])
        for role, unit_id, party_id in sorted(wanted, key=str):
            tenancy_services.role_grant(
                user=user,
                role=role,
                unit=OrgUnit.objects.get(pk=unit_id) if unit_id else None,
                party=Party.objects.get(pk=party_id) if party_id else None,
            )
    return user
