from __future__ import annotations

import datetime as dt
import re

import pyotp
import time_machine
from django.test import Client

from piaops.accounts import services
from piaops.accounts.models import OtpDevice, RecoveryCode
from piaops.audittrail.models import Action, AuditEntry
from tests import factories as f
from tests.conftest import World, half_login

T0 = dt.datetime(2026, 6, 1, 9, 0, 0, tzinfo=dt.UTC)


def _enrol(user: object, at: dt.datetime = T0) -> tuple[str, list[str]]:
    """Enrol through the services with a real code computed from the secret; returns (secret, recovery codes)."""
    device = services.otp_device_start(user=user)  # type: ignore[arg-type]
    enrolment = services.otp_device_confirm(user=user, code=pyotp.TOTP(device.secret).at(at), now=at)  # type: ignore[arg-type]
    assert enrolment is not None
    return device.secret, enrolment.recovery_codes


def test_a_half_logged_in_admin_without_a_device_is_sent_to_enrolment(world: World) -> None:
    client = half_login(Client(), world.admin_a)
    response = client.get("/tenancy/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/setup/")
    assert "next=%2Ftenancy%2F" in response["Location"]


def test_a_half_logged_in_enrolled_admin_gets_no_data_page(world: World) -> None:
    _enrol(world.admin_a)
    client = half_login(Client(), world.admin_a)
    for url in ["/", "/tenancy/", "/audit-log/", "/django-admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/otp/?next="), url


def test_an_auditor_must_enrol_too_but_a_viewer_need_not(world: World) -> None:
    assert half_login(Client(), world.auditor_a).get("/").status_code == 302
    assert half_login(Client(), world.viewer_a).get("/").status_code == 200


def test_an_asp_superuser_must_enrol_too(db: None) -> None:
    from piaops.tenancy.models import User

    operator = User.objects.create_superuser(username="asp_operator", password="correct-horse-battery")
    response = half_login(Client(), operator).get("/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/setup/")


def test_enrolment_after_password_login_with_a_real_code(world: World) -> None:
    client = Client()
    with time_machine.travel(T0, tick=False):
        response = client.post("/login/", {"username": "admin_a", "password": "correct-horse-battery"})
        assert response.status_code == 302
        response = client.get(response["Location"])
        assert response["Location"].startswith("/accounts/otp/setup/")
        page = client.get("/accounts/otp/setup/").content.decode()
        assert "<svg" in page and "二要素認証の登録" in page
        secret = OtpDevice.objects.get(user=world.admin_a).secret
        shown = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
        assert shown is not None and shown.group(1).replace(" ", "") == secret
        assert client.post("/accounts/otp/setup/", {"code": "000000"}).status_code == 200
        assert client.get("/tenancy/").status_code == 302
        response = client.post("/accounts/otp/setup/", {"code": pyotp.TOTP(secret).now(), "next": "/tenancy/"})
        body = response.content.decode()
        codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", body)
        assert len(codes) == 10
        assert client.get("/tenancy/").status_code == 200
    assert RecoveryCode.objects.filter(user=world.admin_a).count() == 10
    assert all(len(h) == 64 and h not in codes for h in RecoveryCode.objects.values_list("code_hash", flat=True))


def test_it_accepts_a_code_from_the_adjacent_window_and_refuses_older_ones(world: World) -> None:
    secret, _ = _enrol(world.admin_a)
    totp = pyotp.TOTP(secret)
    later = T0 + dt.timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        stale = totp.at(later - dt.timedelta(seconds=60))
        previous = totp.at(later - dt.timedelta(seconds=30))
        client = half_login(Client(), world.admin_a)
        response = client.post("/accounts/otp/", {"code": stale})
        assert "確認コードが正しくありません" in response.content.decode()
        response = client.post("/accounts/otp/", {"code": previous, "next": "/tenancy/"})
        assert response.status_code == 302 and response["Location"] == "/tenancy/"
        assert client.get("/tenancy/").status_code == 200


def test_a_code_is_accepted_only_once(world: World) -> None:
    secret, _ = _enrol(world.admin_a)
    later = T0 + dt.timedelta(minutes=5)
    code = pyotp.TOTP(secret).at(later)
    with time_machine.travel(later, tick=False):
        assert half_login(Client(), world.admin_a).post("/accounts/otp/", {"code": code}).status_code == 302
        second = half_login(Client(), world.admin_a)
        assert second.post("/accounts/otp/", {"code": code}).status_code == 200
        assert second.get("/").status_code == 302
    with time_machine.travel(later + dt.timedelta(seconds=30), tick=False):
        assert second.post("/accounts/otp/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
        assert second.get("/").status_code == 200


def test_a_recovery_code_works_once(world: World) -> None:
    _, codes = _enrol(world.admin_a)
    first = half_login(Client(), world.admin_a)
    assert first.post("/accounts/otp/", {"code": codes[3].upper()}).status_code == 302
    assert first.get("/tenancy/").status_code == 200
    second = half_login(Client(), world.admin_a)
    response = second.post("/accounts/otp/", {"code": codes[3]})
    assert "確認コードが正しくありません" in response.content.decode()
    assert second.get("/tenancy/").status_code == 302
    assert services.recovery_codes_left(world.admin_a) == 9
    summaries = list(AuditEntry.objects.for_municipality(world.a).values_list("action", "summary"))
    assert (Action.LOGIN, "リカバリーコードで二要素認証") in summaries
    assert (Action.LOGIN_FAILED, "二要素認証のコードが正しくない") in summaries


def test_regenerating_recovery_codes_voids_the_old_ones(world: World, as_admin: Client) -> None:
    _, old = _enrol(world.admin_a)
    body = as_admin.post("/accounts/otp/recovery-codes/").content.decode()
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", body)
    assert len(new) == 10 and not set(new) & set(old)
    assert half_login(Client(), world.admin_a).post("/accounts/otp/", {"code": old[0]}).status_code == 200
    assert half_login(Client(), world.admin_a).post("/accounts/otp/", {"code": new[0]}).status_code == 302


def test_five_wrong_codes_log_the_user_out(world: World) -> None:
    _enrol(world.auditor_a)
    client = half_login(Client(), world.auditor_a)
    for _ in range(4):
        assert client.post("/accounts/otp/", {"code": "123456"}).status_code == 200
    response = client.post("/accounts/otp/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/accounts/otp/").status_code == 302
    assert client.get("/accounts/otp/")["Location"].startswith("/login/")


def test_a_viewer_may_enrol_voluntarily_and_then_needs_the_second_factor(world: World, as_viewer: Client) -> None:
    assert "二要素認証を登録する" in as_viewer.get("/accounts/").content.decode()
    _enrol(world.viewer_a)
    assert half_login(Client(), world.viewer_a).get("/").status_code == 302
    assert as_viewer.post("/accounts/otp/remove/").status_code == 302
    assert not OtpDevice.objects.filter(user=world.viewer_a).exists()
    assert half_login(Client(), world.viewer_a).get("/").status_code == 200


def test_an_admin_cannot_remove_the_second_factor(world: World, as_admin: Client) -> None:
    _enrol(world.admin_a)
    as_admin.post("/accounts/otp/remove/")
    assert OtpDevice.objects.filter(user=world.admin_a, confirmed_at__isnull=False).exists()


def test_a_new_password_login_needs_the_second_factor_again(world: World) -> None:
    secret, _ = _enrol(world.admin_a)
    client = Client()
    client.post("/login/", {"username": "admin_a", "password": "correct-horse-battery"})
    client.post("/accounts/otp/", {"code": pyotp.TOTP(secret).now()})
    assert client.get("/").status_code == 200
    client.post("/logout/")
    client.post("/login/", {"username": "admin_a", "password": "correct-horse-battery"})
    assert client.get("/").status_code == 302


def test_the_operator_can_reset_a_lost_device_and_it_is_audited(world: World) -> None:
    from django.core.management import call_command

    _enrol(world.admin_a)
    call_command("otp_reset", "admin_a")
    assert not OtpDevice.objects.filter(user=world.admin_a).exists()
    assert not RecoveryCode.objects.filter(user=world.admin_a).exists()
    entry = AuditEntry.objects.for_municipality(world.a).get(summary="二要素認証の登録を解除")
    assert entry.actor_name == "piaops otp reset (運用者)"
    response = half_login(Client(), world.admin_a).get("/")
    assert response["Location"].startswith("/accounts/otp/setup/")


def test_the_second_factor_step_shows_no_menu_and_htmx_gets_a_full_redirect(world: World) -> None:
    _enrol(world.admin_a)
    client = half_login(Client(), world.admin_a)
    page = client.get("/accounts/otp/").content.decode()
    assert "メインメニュー" not in page and "確認コード" in page
    response = client.get("/tenancy/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/otp/?next=")


def _full_login(client: Client, secret: str, at: dt.datetime) -> Client:
    """Password, then a real TOTP code, through the pages (not the test helper's session flag)."""
    assert client.post("/login/", {"username": "admin_a", "password": "correct-horse-battery"}).status_code == 302
    assert client.post("/accounts/otp/", {"code": pyotp.TOTP(secret).at(at)}).status_code == 302
    assert client.get("/tenancy/").status_code == 200
    return client


def test_editing_oneself_keeps_the_second_factor_and_a_new_password_ends_only_the_other_sessions(
    world: World,
) -> None:
    """The decision: a session that passed both factors stays verified while its user edits their own record (name,
    address, person, a role granted to oneself) and changes their own password: none of these weakens what the
    session proved, and asking again would only teach users to type codes on demand. A new password ends every
    *other* session of the user, which must log in again with the password and the second factor."""
    secret, _ = _enrol(world.admin_a)
    later = T0 + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        client = _full_login(Client(), secret, later)
    with time_machine.travel(later + dt.timedelta(seconds=30), tick=False):
        other = _full_login(Client(), secret, later + dt.timedelta(seconds=30))
    with time_machine.travel(later + dt.timedelta(seconds=60), tick=False):
        person = f.person(world.a, name="番号 花子")
        edited = client.post(
            f"/tenancy/users/{world.admin_a.pk}/edit/",
            {"display_name": "番号制度 総括", "email": "bangou@city.example.jp", "person": person.pk},
        )
        assert edited.status_code == 302
        assert client.post(f"/tenancy/users/{world.admin_a.pk}/roles/", {"role": "auditor"}).status_code == 302
        world.admin_a.refresh_from_db()
        assert (world.admin_a.display_name, world.admin_a.person_id) == ("番号制度 総括", person.pk)
        assert client.get("/tenancy/").status_code == 200  # not sent to the second-factor step
        assert other.get("/tenancy/").status_code == 200

        new = "another-horse-battery-9"
        changed = client.post(
            "/accounts/password/", {"old_password": "correct-horse-battery", "new_password1": new, "new_password2": new}
        )
        assert changed.status_code == 302
        assert client.get("/tenancy/").status_code == 200  # this session: still both factors
        assert other.get("/tenancy/")["Location"].startswith("/login/")  # the other one: logged out
