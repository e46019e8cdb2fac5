"""Log-in with the municipality's directory (LDAP / Active Directory), configured by ``PIAOPS_LDAP_*``.

django-auth-ldap does the directory part (bind as the service account, find the user, bind as the user with the
typed password, read the groups). piaops decides the rest:

- the **municipality** is the one whose base DN (``PIAOPS_LDAP_MUNICIPALITIES``) holds the user's entry;
- the **roles** come from the groups of ``PIAOPS_LDAP_ROLE_GROUPS``, each group DN relative to that base, so one
  setting serves every municipality; a user in none of them cannot log in;
- only an account the directory created (``User.directory_dn``) logs in this way: a directory entry never takes
  over a local account of the same name, nor an account of another municipality;
- ``piaops.accounts.services.directory_sign_in`` writes the account, the link to the roster and the role grants,
  each in the audit trail.

A directory that does not answer leaves local accounts working (django-auth-ldap logs the error and answers
"no"). The second factor (TOTP) applies exactly as for local accounts: ``AccountSecurityMiddleware`` reads the
roles granted here.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend, _LDAPUser

from piaops.accounts import services
from piaops.accounts.ldapconfig import normalize_dn
from piaops.audittrail.context import Actor, acting_as
from piaops.lib.clientaddr import client_addr
from piaops.lib.mynumber import contains_my_number
from piaops.tenancy.models import Municipality, User

logger = logging.getLogger("piaops.accounts.directory")


def _setting(name: str) -> Any:
    """A ``PIAOPS_LDAP_*`` setting (made by ``ldapconfig.ldap_settings``, so unknown to the type checker)."""
    return getattr(settings, name)


class Refused(Exception):
    """The directory accepted the password, but piaops does not let this entry in (the reason is logged)."""


def municipality_base(dn: str) -> tuple[Municipality, str]:
    """The municipality whose base DN holds ``dn`` (the longest base wins), and that base."""
    entry = normalize_dn(dn)
    bases = _setting("PIAOPS_LDAP_MUNICIPALITIES")
    matches = [(code, base) for code, base in bases.items() if entry.endswith("," + base)]
    if not matches:
        raise Refused(f"{dn} is under none of PIAOPS_LDAP_MUNICIPALITIES")
    code, base = max(matches, key=lambda pair: len(pair[1]))
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise Refused(f"PIAOPS_LDAP_MUNICIPALITIES names {code}, which is no municipality of this installation")
    return municipality, base


def roles_of(group_dns: set[str], base: str) -> set[str]:
    """The roles ``PIAOPS_LDAP_ROLE_GROUPS`` gives for the groups ``group_dns`` of a user under ``base``."""
    groups = {normalize_dn(g) for g in group_dns}
    return {role for role, relative in _setting("PIAOPS_LDAP_ROLE_GROUPS") if f"{relative},{base}" in groups}


def _first(attrs: Any, name: str) -> str:
    """The attribute's first value; empty when it has none or when it looks like a 個人番号 (never stored)."""
    values = attrs.get(name) or [] if attrs is not None else []
    value = str(values[0]).strip() if values else ""
    return "" if contains_my_number(value) else value


class DirectoryBackend(LDAPBackend):  # type: ignore[misc]  # django-auth-ldap ships no types
    """django-auth-ldap's backend with piaops' rules for accounts, municipalities and roles."""

    def get_or_build_user(self, username: str, ldap_user: _LDAPUser) -> tuple[User, bool]:
        if contains_my_number(ldap_user.dn):
            # Never stored, not even as an account's DN (the entry's name must not be a 個人番号).
            raise ldap_user.AuthenticationFailed("the entry's DN holds what looks like a 個人番号")
        try:
            municipality, _base = municipality_base(ldap_user.dn)
        except Refused as exc:
            raise ldap_user.AuthenticationFailed(str(exc)) from exc
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            ldap_user.piaops_created = True  # read by authenticate_ldap_user: this log-in creates the account
            return User(username=username.lower(), municipality=municipality, directory_dn=ldap_user.dn), True
        if not user.directory_dn:
            raise ldap_user.AuthenticationFailed(f"{username} is a local account: the directory does not log it in")
        if user.municipality_id != municipality.pk:
            raise ldap_user.AuthenticationFailed(f"{username} belongs to another municipality")
        return user, False

    def authenticate_ldap_user(self, ldap_user: _LDAPUser, password: str) -> User | None:
        request: HttpRequest | None = getattr(ldap_user, "_request", None)
        with transaction.atomic():
            user: User | None = super().authenticate_ldap_user(ldap_user, password)
            if user is None:
                return None
            try:
                if not user.is_active:
                    raise Refused(f"{user.username} is stopped in piaops")
                _municipality, base = municipality_base(ldap_user.dn)
                roles = roles_of(ldap_user.group_dns, base)
                if not roles:
                    raise Refused(f"{ldap_user.dn} is in none of the groups of PIAOPS_LDAP_ROLE_GROUPS")
                attrs = ldap_user.attrs
                actor = Actor(user=user, name=user.username, remote_addr=client_addr(request) if request else "")
                with acting_as(actor):
                    return services.directory_sign_in(
                        user=user,
                        dn=ldap_user.dn,
                        created=getattr(ldap_user, "piaops_created", False),
                        roles=roles,
                        staff_number=_first(attrs, _setting("PIAOPS_LDAP_ATTR_STAFF_NUMBER")),
                        email=_first(attrs, _setting("PIAOPS_LDAP_ATTR_MAIL")),
                        display_name=_first(attrs, _setting("PIAOPS_LDAP_ATTR_NAME")),
                    )
            except Refused as exc:
                logger.warning("directory log-in refused: %s", exc)
                transaction.set_rollback(True)
                return None
