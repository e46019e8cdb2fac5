"""Directory log-in settings (LDAP / Active Directory) read from the environment.

``ldap_settings(os.environ)`` returns the settings to add (``AUTHENTICATION_BACKENDS`` and django-auth-ldap's
``AUTH_LDAP_*``, plus piaops' own ``PIAOPS_LDAP_*`` mappings), or ``{}`` when ``PIAOPS_LDAP_URI`` is not set: then
only local accounts exist. A wrong value raises ``ImproperlyConfigured`` at start-up. The settings module calls it;
the tests call it with their own environment. Nothing here touches the network or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ldap
from django.core.exceptions import ImproperlyConfigured
from django_auth_ldap.config import (
    ActiveDirectoryGroupType,
    GroupOfNamesType,
    GroupOfUniqueNamesType,
    LDAPGroupType,
    LDAPSearch,
    NestedActiveDirectoryGroupType,
    NestedGroupOfNamesType,
)

# The roles a directory group can give (tenancy.models.Role; spelled out here: settings load before the models).
ROLES = ("admin", "auditor", "unit_head", "unit_staff", "contractor", "viewer")

# PIAOPS_LDAP_GROUP_TYPE → (django-auth-ldap's group type, the filter that finds groups of that kind).
GROUP_TYPES: dict[str, tuple[type[LDAPGroupType], str]] = {
    "groupOfNames": (GroupOfNamesType, "(objectClass=groupOfNames)"),
    "nestedGroupOfNames": (NestedGroupOfNamesType, "(objectClass=groupOfNames)"),
    "groupOfUniqueNames": (GroupOfUniqueNamesType, "(objectClass=groupOfUniqueNames)"),
    "activeDirectory": (ActiveDirectoryGroupType, "(objectClass=group)"),
    "nestedActiveDirectory": (NestedActiveDirectoryGroupType, "(objectClass=group)"),
}


def normalize_dn(dn: str) -> str:
    """``CN=Admins, OU=Groups,DC=X`` and ``cn=admins,ou=groups,dc=x`` are the same entry: compare this form."""
    try:
        return str(ldap.dn.dn2str(ldap.dn.str2dn(dn.strip()))).lower()
    except ldap.DECODING_ERROR as exc:
        raise ValueError(f"not a DN: {dn!r}") from exc


def _pairs(env: Mapping[str, str], name: str) -> list[tuple[str, str]]:
    """``key:dn;key:dn`` → ``[(key, normalized dn)]`` (a DN contains ``,`` and ``=`` but never ``;`` here)."""
    pairs = []
    for item in (part.strip() for part in env.get(name, "").split(";")):
        if not item:
            continue
        key, sep, dn = item.partition(":")
        try:
            if not sep or not key.strip() or not dn.strip():
                raise ValueError(item)
            pairs.append((key.strip(), normalize_dn(dn)))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be KEY:DN pairs separated by ';', not {item!r}") from exc
    return pairs


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def _secret(env: Mapping[str, str], name: str) -> str:
    if path := env.get(f"{name}_FILE"):
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE names a file that cannot be read: {path!r} ({exc})") from exc
    return env.get(name, "")


def ldap_settings(env: Mapping[str, str]) -> dict[str, Any]:
    uri = env.get("PIAOPS_LDAP_URI", "").strip()
    if not uri:
        return {}
    if not uri.startswith(("ldap://", "ldaps://")):
        raise ImproperlyConfigured(f"PIAOPS_LDAP_URI must start with ldap:// or ldaps://, not {uri!r}")
    user_base = env.get("PIAOPS_LDAP_USER_BASE", "").strip()
    if not user_base:
        raise ImproperlyConfigured("PIAOPS_LDAP_USER_BASE is required with PIAOPS_LDAP_URI")
    municipalities = _pairs(env, "PIAOPS_LDAP_MUNICIPALITIES")
    if not municipalities:
        raise ImproperlyConfigured(
            "PIAOPS_LDAP_MUNICIPALITIES is required with PIAOPS_LDAP_URI (団体コード:DN;団体コード:DN)"
        )
    role_groups = _pairs(env, "PIAOPS_LDAP_ROLE_GROUPS")
    if not role_groups:
        raise ImproperlyConfigured("PIAOPS_LDAP_ROLE_GROUPS is required with PIAOPS_LDAP_URI (role:group DN;...)")
    if unknown := sorted({role for role, _ in role_groups} - set(ROLES)):
        raise ImproperlyConfigured(f"PIAOPS_LDAP_ROLE_GROUPS: unknown role {unknown[0]!r} (one of {', '.join(ROLES)})")
    group_type_name = env.get("PIAOPS_LDAP_GROUP_TYPE", "") or "groupOfNames"
    if group_type_name not in GROUP_TYPES:
        raise ImproperlyConfigured(f"PIAOPS_LDAP_GROUP_TYPE must be one of {', '.join(GROUP_TYPES)}")
    group_type, group_filter = GROUP_TYPES[group_type_name]
    try:
        timeout = int(env.get("PIAOPS_LDAP_TIMEOUT", "") or 5)
    except ValueError as exc:
        raise ImproperlyConfigured("PIAOPS_LDAP_TIMEOUT must be an integer (seconds)") from exc

    # Referrals off: Active Directory answers searches at the domain root with referrals the server cannot follow.
    options: dict[int, Any] = {ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout, ldap.OPT_REFERRALS: 0}
    if ca_file := env.get("PIAOPS_LDAP_CA_FILE", ""):
        if not Path(ca_file).is_file():
            raise ImproperlyConfigured(f"PIAOPS_LDAP_CA_FILE names a file that cannot be read: {ca_file!r}")
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the TLS options above to this connection
    return {
        # Local accounts first (no directory round trip for them); a directory account has no usable password.
        "AUTHENTICATION_BACKENDS": [
            "django.contrib.auth.backends.ModelBackend",
            "piaops.accounts.directory.DirectoryBackend",
        ],
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_START_TLS": _bool(env, "PIAOPS_LDAP_START_TLS", False),
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_BIND_DN": env.get("PIAOPS_LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": _secret(env, "PIAOPS_LDAP_BIND_PASSWORD"),
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(
            user_base, ldap.SCOPE_SUBTREE, env.get("PIAOPS_LDAP_USER_FILTER", "") or "(uid=%(user)s)"
        ),
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(
            env.get("PIAOPS_LDAP_GROUP_BASE", "") or user_base, ldap.SCOPE_SUBTREE, group_filter
        ),
        "AUTH_LDAP_GROUP_TYPE": group_type(),
        # Attributes and roles are written by piaops.accounts.services.directory_sign_in, in the audit trail.
        "AUTH_LDAP_USER_ATTR_MAP": {},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": False,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
        "PIAOPS_LDAP_MUNICIPALITIES": dict(municipalities),
        "PIAOPS_LDAP_ROLE_GROUPS": role_groups,
        "PIAOPS_LDAP_ATTR_STAFF_NUMBER": env.get("PIAOPS_LDAP_ATTR_STAFF_NUMBER", "") or "employeeNumber",
        "PIAOPS_LDAP_ATTR_MAIL": env.get("PIAOPS_LDAP_ATTR_MAIL", "") or "mail",
        "PIAOPS_LDAP_ATTR_NAME": env.get("PIAOPS_LDAP_ATTR_NAME", "") or "displayName",
    }
