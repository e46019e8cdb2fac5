"""A real OpenLDAP server for the directory log-in tests: Debian's ``slapd`` on free loopback ports.

``running_directory(tmp)`` writes a config of its own (``slapd -f``: no system service, no /etc/ldap change), a
test CA and server certificate (``openssl``), loads the directory with ``slapadd`` and serves it on
``ldap://`` (STARTTLS offered) and ``ldaps://``. The directory: two municipalities' OUs (札幌市 ``ou=sapporo``,
東京都 ``ou=tokyo``), each with people and groups; a service account for the searches; a disabled user (locked
by the ppolicy overlay, as an account is disabled in OpenLDAP: its bind is refused like a wrong password).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import free_port

SLAPD = Path("/usr/sbin/slapd")
BASE = "dc=example,dc=lg,dc=jp"
SERVICE_DN = f"cn=piaops,ou=service,{BASE}"
SERVICE_PASSWORD = "service-account-pass"
PASSWORD = "Directory-pass-1"  # every person's password


@dataclass(frozen=True)
class Person:
    uid: str
    ou: str  # sapporo / tokyo
    groups: tuple[str, ...]
    name: str = ""
    staff_number: str = ""
    mail: str = ""
    disabled: bool = False

    @property
    def dn(self) -> str:
        return f"uid={self.uid},ou=people,ou={self.ou},{BASE}"


# Person records of the roster tests link to: 職員番号 D-0001 and the mail staff@sapporo.example.
PEOPLE = (
    Person("dir-admin", "sapporo", ("piaops-admin",), "札幌 管理", "D-0009", "admin@sapporo.example"),
    Person("dir-head", "sapporo", ("piaops-unit-head",), "札幌 所属長", "D-0001", "head@sapporo.example"),
    Person(
        "dir-staff", "sapporo", ("piaops-unit-staff", "piaops-viewer"), "札幌 担当", "X-9999", "staff@sapporo.example"
    ),
    Person("dir-disabled", "sapporo", ("piaops-viewer",), "札幌 退職", "D-0002", "gone@sapporo.example", disabled=True),
    Person("dir-nogroup", "sapporo", ("other-application",), "札幌 対象外"),
    Person("admin_a", "sapporo", ("piaops-viewer",), "同名の別人"),  # a local account of the tests has this name
    Person("tokyo-viewer", "tokyo", ("piaops-viewer",), "東京 閲覧", "T-0001", "viewer@tokyo.example"),
)
GROUPS = {
    "sapporo": ("piaops-admin", "piaops-auditor", "piaops-unit-head", "piaops-unit-staff", "piaops-viewer"),
    "tokyo": ("piaops-admin", "piaops-viewer"),
}


def require_slapd() -> None:
    if SLAPD.exists() and shutil.which("slapadd") and shutil.which("openssl"):
        return
    reason = "slapd がありません（apt-get install slapd ldap-utils）"
    if os.environ.get("PIAOPS_REQUIRE_DIRECTORY") == "1":
        pytest.fail(f"PIAOPS_REQUIRE_DIRECTORY=1 ですが {reason}", pytrace=False)
    pytest.skip(reason)


def directory_ldif(people: tuple[Person, ...] = PEOPLE) -> str:
    entries = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: example\ndc: example",
        f"dn: ou=policies,{BASE}\nobjectClass: organizationalUnit\nou: policies",
        f"dn: cn=default,ou=policies,{BASE}\nobjectClass: device\nobjectClass: pwdPolicy\ncn: default\n"
        "pwdAttribute: userPassword\npwdLockout: TRUE",
        f"dn: ou=service,{BASE}\nobjectClass: organizationalUnit\nou: service",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: piaops\n"
        f"userPassword: {SERVICE_PASSWORD}",
    ]
    for ou, groups in GROUPS.items():
        entries += [
            f"dn: ou={ou},{BASE}\nobjectClass: organizationalUnit\nou: {ou}",
            f"dn: ou=people,ou={ou},{BASE}\nobjectClass: organizationalUnit\nou: people",
            f"dn: ou=groups,ou={ou},{BASE}\nobjectClass: organizationalUnit\nou: groups",
        ]
        for p in (p for p in people if p.ou == ou):
            lines = [f"dn: {p.dn}", "objectClass: inetOrgPerson", f"uid: {p.uid}", f"cn: {p.uid}", f"sn: {p.uid}"]
            lines += [f"userPassword: {PASSWORD}"]
            lines += [f"displayName: {p.name}"] if p.name else []
            lines += [f"employeeNumber: {p.staff_number}"] if p.staff_number else []
            lines += [f"mail: {p.mail}"] if p.mail else []
            lines += ["pwdAccountLockedTime: 000001010000Z"] if p.disabled else []  # locked for good
            entries.append("\n".join(lines))
        for group in {*groups, *(g for p in people if p.ou == ou for g in p.groups)}:
            members = [p.dn for p in people if p.ou == ou and group in p.groups] or [SERVICE_DN]
            entries.append(
                f"dn: cn={group},ou=groups,ou={ou},{BASE}\nobjectClass: groupOfNames\ncn: {group}\n"
                + "\n".join(f"member: {m}" for m in members)
            )
    return "\n\n".join(entries) + "\n"


ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "directory-manager-pass"


@dataclass(frozen=True)
class Directory:
    ldap_uri: str  # STARTTLS is offered on this one
    ldaps_uri: str
    ca_file: Path

    def modify(self, ldif: str) -> None:
        """Change the directory as its administrator would (``ldapmodify``)."""
        subprocess.run(
            ["ldapmodify", "-x", "-H", self.ldap_uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=ldif,
            text=True,
            check=True,
            capture_output=True,
            timeout=30,
        )

    def env(self, **overrides: str) -> dict[str, str]:
        """The PIAOPS_LDAP_* variables of an installation using this directory (STARTTLS by default)."""
        return {
            "PIAOPS_LDAP_URI": self.ldap_uri,
            "PIAOPS_LDAP_START_TLS": "1",
            "PIAOPS_LDAP_CA_FILE": str(self.ca_file),
            "PIAOPS_LDAP_BIND_DN": SERVICE_DN,
            "PIAOPS_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "PIAOPS_LDAP_USER_BASE": BASE,
            "PIAOPS_LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(uid=%(user)s))",
            "PIAOPS_LDAP_MUNICIPALITIES": f"011002:ou=sapporo,{BASE};130001:ou=tokyo,{BASE}",
            "PIAOPS_LDAP_ROLE_GROUPS": ";".join(
                f"{role}:cn=piaops-{name},ou=groups"
                for role, name in [
                    ("admin", "admin"),
                    ("auditor", "auditor"),
                    ("unit_head", "unit-head"),
                    ("unit_staff", "unit-staff"),
                    ("viewer", "viewer"),
                ]
            ),
            "PIAOPS_LDAP_TIMEOUT": "5",
            **overrides,
        }


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=piaops test CA")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


@contextlib.contextmanager
def running_directory(folder: Path, ldif: str | None = None) -> Iterator[Directory]:
    require_slapd()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir()
    ca, cert, key = _certificates(folder)
    config = folder / "slapd.conf"
    config.write_text(
        "\n".join(
            [
                *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson")),
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "moduleload ppolicy",
                f"pidfile {folder / 'slapd.pid'}",
                f"TLSCACertificateFile {ca}",
                f"TLSCertificateFile {cert}",
                f"TLSCertificateKeyFile {key}",
                "database mdb",
                "maxsize 10485760",
                f'suffix "{BASE}"',
                f'rootdn "{ROOT_DN}"',
                f"rootpw {ROOT_PASSWORD}",
                f"directory {folder / 'data'}",
                "overlay ppolicy",
                f'ppolicy_default "cn=default,ou=policies,{BASE}"',
                "access to attrs=userPassword by anonymous auth by * none",
                f'access to * by dn.exact="{SERVICE_DN}" read by self read by * none',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (folder / "data.ldif").write_text(ldif or directory_ldif(), encoding="utf-8")
    subprocess.run(
        ["slapadd", "-f", str(config), "-l", str(folder / "data.ldif")], check=True, capture_output=True, timeout=60
    )
    ldap_port, ldaps_port = free_port(), free_port()
    log = (folder / "slapd.log").open("w")
    process = subprocess.Popen(
        [
            str(SLAPD),
            "-f",
            str(config),
            "-h",
            f"ldap://127.0.0.1:{ldap_port}/ ldaps://127.0.0.1:{ldaps_port}/",
            "-d",
            "0",
        ],  # fmt: skip
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        for port in (ldap_port, ldaps_port):
            while True:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(f"slapd did not start:\n{(folder / 'slapd.log').read_text()}")
                time.sleep(0.1)
        yield Directory(f"ldap://127.0.0.1:{ldap_port}", f"ldaps://127.0.0.1:{ldaps_port}", ca)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
