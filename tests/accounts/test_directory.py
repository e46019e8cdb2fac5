"""Directory log-in against a real OpenLDAP server (tests/accounts/slapd.py): no mock of the directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from piaops.accounts.ldapconfig import ldap_settings
from piaops.audittrail.models import AuditEntry
from piaops.tenancy.models import Person, RoleGrant, User
from tests import factories as f
from tests.accounts.slapd import BASE, PASSWORD, Directory, running_directory
from tests.conftest import World

WRONG = "正しいユーザー名とパスワードを入力してください"


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    with running_directory(tmp_path_factory.mktemp("slapd")) as running:
        yield running


def use(settings: SettingsWrapper, env: dict[str, str]) -> None:
    for name, value in ldap_settings(env).items():
        setattr(settings, name, value)


@pytest.fixture
def ldap_on(settings: SettingsWrapper, directory: Directory) -> Directory:
    use(settings, directory.env())
    return directory


@pytest.fixture
def roster(world: World) -> dict[str, Person]:
    """The roster of 札幌市: the 所属長 of 税政課 (職員番号 D-0001) and a 担当 of 税制係 known by mail only."""
    head = f.person(world.a, name="札幌 所属長", staff_number="D-0001")
    f.assignment(head, world.tax_a)
    staff = f.person(world.a, name="札幌 担当", staff_number="S-0777", email="Staff@Sapporo.example")
    f.assignment(staff, world.tax_section_a)
    return {"head": head, "staff": staff}


def log_in(username: str, password: str = PASSWORD) -> tuple[Client, str, int]:
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    return client, response.content.decode() if response.status_code == 200 else "", response.status_code


def grants(user: User) -> set[tuple[str, str]]:
    return {(g.role, g.unit.name if g.unit else "") for g in RoleGrant.objects.filter(user=user)}


def test_a_first_log_in_creates_the_account_linked_to_the_roster_by_staff_number(
    ldap_on: Directory, roster: dict[str, Person], world: World
) -> None:
    client, _body, status = log_in("dir-head")
    assert status == 302
    user = User.objects.get(username="dir-head")
    assert user.municipality == world.a and user.person == roster["head"]
    assert user.directory_dn == f"uid=dir-head,ou=people,ou=sapporo,{BASE}"
    assert user.display_name == "札幌 所属長" and user.email == "head@sapporo.example"
    assert not user.has_usable_password()
    assert grants(user) == {("unit_head", "税政課")}  # the group gives 所属長, the roster gives the unit
    assert client.get("/").status_code == 200
    summaries = set(AuditEntry.objects.filter(object_type="tenancy.User", object_id=str(user.pk)).values_list(
        "summary", flat=True))  # fmt: skip
    assert {"ディレクトリから初回ログイン", "名簿の職員等と連携（職員番号）"} <= summaries
    assert AuditEntry.objects.filter(object_type="tenancy.RoleGrant", summary="札幌 所属長 に役割を付与").exists()


def test_the_mail_links_when_the_staff_number_does_not_and_each_group_gives_its_role(
    ldap_on: Directory, roster: dict[str, Person]
) -> None:
    assert log_in("dir-staff")[2] == 302
    user = User.objects.get(username="dir-staff")
    assert user.person == roster["staff"]
    assert grants(user) == {("unit_staff", "税制係"), ("viewer", "")}


def test_a_wrong_password_a_disabled_entry_and_an_entry_in_no_group_are_refused_alike(
    ldap_on: Directory, roster: dict[str, Person]
) -> None:
    for username, password in [("dir-head", "wrong-password"), ("dir-disabled", PASSWORD), ("dir-nogroup", PASSWORD)]:
        _client, body, status = log_in(username, password)
        assert status == 200 and WRONG in body, username
        assert not User.objects.filter(username=username).exists()
        assert AuditEntry.objects.filter(action="login_failed", object_repr=username).exists()


def test_local_accounts_keep_working_and_the_directory_never_takes_one_over(ldap_on: Directory, world: World) -> None:
    world.admin_a.set_password("local-password-123")
    world.admin_a.save()
    assert log_in("admin_a", "local-password-123")[2] == 302
    # The directory has an admin_a of its own, with another password: it does not get into the local account.
    _client, body, status = log_in("admin_a", PASSWORD)
    assert status == 200 and WRONG in body
    assert User.objects.get(username="admin_a").directory_dn == ""


def test_each_municipality_gets_its_own_users(ldap_on: Directory, world: World) -> None:
    assert log_in("tokyo-viewer")[2] == 302
    user = User.objects.get(username="tokyo-viewer")
    assert user.municipality == world.b and grants(user) == {("viewer", "")}


def test_leaving_a_group_takes_the_role_away_at_the_next_log_in(ldap_on: Directory, roster: dict[str, Person]) -> None:
    assert log_in("dir-staff")[2] == 302
    group = f"cn=piaops-viewer,ou=groups,ou=sapporo,{BASE}"
    member = f"uid=dir-staff,ou=people,ou=sapporo,{BASE}"
    ldap_on.modify(f"dn: {group}\nchangetype: modify\ndelete: member\nmember: {member}\n")
    try:
        assert log_in("dir-staff")[2] == 302
        assert grants(User.objects.get(username="dir-staff")) == {("unit_staff", "税制係")}
        assert AuditEntry.objects.filter(object_type="tenancy.RoleGrant", summary__contains="役割を取消").exists()
    finally:
        ldap_on.modify(f"dn: {group}\nchangetype: modify\nadd: member\nmember: {member}\n")


def test_an_admin_from_the_directory_still_needs_the_second_factor(ldap_on: Directory, world: World) -> None:
    client, _body, status = log_in("dir-admin")
    assert status == 302
    assert grants(User.objects.get(username="dir-admin")) == {("admin", "")}
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/setup/")


def test_ldaps_works_as_well_as_starttls(settings: SettingsWrapper, directory: Directory, world: World) -> None:
    use(settings, directory.env(PIAOPS_LDAP_URI=directory.ldaps_uri, PIAOPS_LDAP_START_TLS="0"))
    assert log_in("tokyo-viewer")[2] == 302


def test_a_certificate_of_another_ca_is_refused_and_local_accounts_still_log_in(
    settings: SettingsWrapper, directory: Directory, world: World, tmp_path: Path
) -> None:
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_text(Path("/etc/ssl/certs/ca-certificates.crt").read_text(), encoding="utf-8")
    use(settings, directory.env(PIAOPS_LDAP_CA_FILE=str(other_ca)))
    assert log_in("tokyo-viewer")[2] == 200
    world.admin_a.set_password("local-password-123")
    world.admin_a.save()
    assert log_in("admin_a", "local-password-123")[2] == 302


def test_a_directory_that_does_not_answer_leaves_local_accounts_working(
    settings: SettingsWrapper, directory: Directory, world: World
) -> None:
    use(settings, directory.env(PIAOPS_LDAP_URI="ldap://127.0.0.1:9", PIAOPS_LDAP_TIMEOUT="2"))
    world.viewer_a.set_password("local-password-123")
    world.viewer_a.save()
    assert log_in("viewer_a", "local-password-123")[2] == 302
    assert log_in("tokyo-viewer")[2] == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PIAOPS_LDAP_URI": "http://dc.example"}, "PIAOPS_LDAP_URI must start with ldap:// or ldaps://"),
        ({"PIAOPS_LDAP_USER_BASE": ""}, "PIAOPS_LDAP_USER_BASE is required"),
        ({"PIAOPS_LDAP_MUNICIPALITIES": ""}, "PIAOPS_LDAP_MUNICIPALITIES is required"),
        ({"PIAOPS_LDAP_MUNICIPALITIES": "011002"}, "PIAOPS_LDAP_MUNICIPALITIES must be KEY:DN pairs"),
        ({"PIAOPS_LDAP_ROLE_GROUPS": "boss:cn=x,ou=groups"}, "unknown role 'boss'"),
        ({"PIAOPS_LDAP_GROUP_TYPE": "posix"}, "PIAOPS_LDAP_GROUP_TYPE must be one of"),
        ({"PIAOPS_LDAP_START_TLS": "maybe"}, "PIAOPS_LDAP_START_TLS must be a boolean"),
        ({"PIAOPS_LDAP_CA_FILE": "/nonexistent/ca.pem"}, "PIAOPS_LDAP_CA_FILE names a file that cannot be read"),
    ],
)
def test_a_wrong_directory_setting_stops_the_start(change: dict[str, str], message: str) -> None:
    env = Directory("ldap://127.0.0.1:389", "ldaps://127.0.0.1:636", Path("/etc/hostname")).env(**change)
    with pytest.raises(ImproperlyConfigured, match=message):
        ldap_settings(env)


def test_without_a_directory_uri_nothing_changes() -> None:
    assert ldap_settings({}) == {}


def test_a_my_number_in_the_directory_is_never_stored(
    ldap_on: Directory, roster: dict[str, Person], world: World
) -> None:
    """A display name holding a 個人番号 is dropped; an entry whose DN holds one does not log in at all."""
    dn = f"uid=dir-head,ou=people,ou=sapporo,{BASE}"
    ldap_on.modify(f"dn: {dn}\nchangetype: modify\nreplace: displayName\ndisplayName: 札幌 123456789018\n")
    try:
        assert log_in("dir-head")[2] == 302
        assert User.objects.get(username="dir-head").display_name == ""
    finally:
        ldap_on.modify(f"dn: {dn}\nchangetype: modify\nreplace: displayName\ndisplayName: 札幌 所属長\n")
    hidden = f"uid=dir-mn,ou=123456789018,ou=people,ou=sapporo,{BASE}"
    ldap_on.modify(
        f"dn: ou=123456789018,ou=people,ou=sapporo,{BASE}\nchangetype: add\nobjectClass: organizationalUnit\n"
        f"ou: 123456789018\n\n"
        f"dn: {hidden}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: dir-mn\ncn: x\nsn: x\n"
        f"userPassword: {PASSWORD}\n\n"
        f"dn: cn=piaops-viewer,ou=groups,ou=sapporo,{BASE}\nchangetype: modify\nadd: member\nmember: {hidden}\n"
    )
    _client, body, status = log_in("dir-mn")
    assert status == 200 and WRONG in body
    assert not User.objects.filter(username="dir-mn").exists()
