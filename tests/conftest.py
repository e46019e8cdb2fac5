"""Personas shared by every test.

Municipality A (札幌市 011002) with a small organisation; municipality B (東京都 130001) with its own admin.
- ``admin_a``: 番号制度総括管理者 of A (may do everything in A)
- ``head_a``: 所属長 of A's 税政課 subtree
- ``auditor_a``: 監査人 of A (reads everything, writes only audit work)
- ``viewer_a``: 閲覧者 of A (read-only: the 403 persona)
- ``user_b``: 番号制度総括管理者 of B (the outsider: the 404 persona)

No test uses ``transactional_db``: the audit trail's triggers refuse the DELETE/TRUNCATE a flush would need.
Tests that need a live server start the real one in a subprocess on a database of their own.

Which tests run twice. ``make test`` runs the suite on SQLite and again on PostgreSQL (``PIAOPS_TEST_DB=postgres``),
side by side. A test marked ``@pytest.mark.engine_independent`` runs in one pass only: its outcome cannot depend on
which database the suite runs on, because
- it touches no database at all (pure functions of ``piaops.lib``, the report parsers, file readers), or
- everything it checks runs in a subprocess on a SQLite file of its own (``tests.live``: the browser, the print
  set-up, the CLI and installation tests), or on the databases it chooses itself whatever the pass (the backup test
  runs both engines in either pass).
It runs in the SQLite pass unless marked ``engine_independent(run_in="postgres")``: the passes run side by side, so
the longest such test (the accessibility walk) goes to the shorter PostgreSQL pass to even out their wall times.
A test that reads ``PIAOPS_TEST_DB`` / ``PIAOPS_TEST_DATABASE_URL`` to follow the pass (the quick benches that
take the pass's database, the multi-node, crash and race tests) is not engine-independent. When in doubt, leave
the mark off: an unmarked test runs on both databases. A marked test may not use the test database (``db``,
``world``, ``django_db``): collection fails if it does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from piaops.accounts.session import OTP_VERIFIED
from piaops.tenancy.models import Municipality, OrgUnit, User
from tests import factories as f

_django_force_login = Client.force_login


def _force_login_with_second_factor(self: Client, user: User, backend: str | None = None) -> None:
    """In tests ``force_login`` stands for a *complete* log-in: password and, where required, the second factor.

    The production middleware only trusts the session flag that the second-factor step sets; this test helper sets
    the same flag explicitly. ``half_login`` is the plain Django ``force_login`` (password step only).
    """
    _django_force_login(self, user, backend)
    session = self.session
    session[OTP_VERIFIED] = user.pk
    session.save()


def half_login(client: Client, user: User) -> Client:
    """Logged in by password only: the second factor (if required) is still pending."""
    _django_force_login(client, user)
    return client


PASSES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``engine_independent`` tests: refused when they use the test database, run in one pass only (SQLite unless
    the mark says ``run_in="postgres"``)."""
    this_pass = "postgres" if os.environ.get("PIAOPS_TEST_DB") == "postgres" else "sqlite"
    for item in items:
        marker = item.get_closest_marker("engine_independent")
        if marker is None:
            continue
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(f"{item.nodeid} is marked engine_independent but uses the test database")
        run_in = marker.kwargs.get("run_in", "sqlite")
        if run_in not in PASSES:
            raise pytest.UsageError(f"{item.nodeid}: engine_independent(run_in=...) is one of {sorted(PASSES)}")
        if run_in != this_pass:
            reason = f"データベースに依らないテスト（engine_independent）: {PASSES[run_in]} の回で実行します"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _force_login_is_a_full_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Client, "force_login", _force_login_with_second_factor)


@dataclass
class World:
    a: Municipality
    b: Municipality
    root_a: OrgUnit
    governance_a: OrgUnit
    tax_a: OrgUnit
    tax_section_a: OrgUnit
    other_a: OrgUnit
    root_b: OrgUnit
    admin_a: User
    head_a: User
    auditor_a: User
    viewer_a: User
    user_b: User


@pytest.fixture
def world(db: None) -> World:
    a = f.municipality(name="札幌市", code="011002")
    b = f.municipality(name="東京都", code="130001")
    root_a = f.unit(a, "総務局", code="A100", kind=OrgUnit.Kind.BUREAU)
    governance_a = f.unit(a, "行政部 個人情報保護担当", parent=root_a, code="A110", is_governance=True)
    finance = f.unit(a, "財政局", code="A200", kind=OrgUnit.Kind.BUREAU)
    tax_a = f.unit(a, "税政課", parent=finance, code="A210")
    tax_section_a = f.unit(a, "税制係", parent=tax_a, code="A211", kind=OrgUnit.Kind.SECTION)
    other_a = f.unit(a, "保険年金課", code="A300")
    root_b = f.unit(b, "総務局", code="B100", kind=OrgUnit.Kind.BUREAU)
    return World(
        a=a,
        b=b,
        root_a=root_a,
        governance_a=governance_a,
        tax_a=tax_a,
        tax_section_a=tax_section_a,
        other_a=other_a,
        root_b=root_b,
        admin_a=f.user(a, "admin_a", f.Role.ADMIN),
        head_a=f.user(a, "head_a", f.Role.UNIT_HEAD, unit=tax_a),
        auditor_a=f.user(a, "auditor_a", f.Role.AUDITOR),
        viewer_a=f.user(a, "viewer_a", f.Role.VIEWER),
        user_b=f.user(b, "user_b", f.Role.ADMIN),
    )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_admin(world: World) -> Client:
    return login(world.admin_a)


@pytest.fixture
def as_head(world: World) -> Client:
    return login(world.head_a)


@pytest.fixture
def as_auditor(world: World) -> Client:
    return login(world.auditor_a)


@pytest.fixture
def as_viewer(world: World) -> Client:
    return login(world.viewer_a)


@pytest.fixture
def as_outsider(world: World) -> Client:
    return login(world.user_b)
