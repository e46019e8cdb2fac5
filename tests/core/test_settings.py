"""Settings: wrong environment values stop the start-up loudly; the safe defaults are what production runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

SRC = Path(__file__).resolve().parents[2] / "src"
SECRET = "a-production-secret-key-for-this-test-0123456789"


def _run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -c code`` with a clean environment: nothing of the test run's PIAOPS_* or DATABASE_URL leaks in."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DATABASE_URL", "DJANGO_"))}
    clean["PYTHONPATH"] = str(SRC)
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


@pytest.mark.engine_independent
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PIAOPS_SECRET_KEY": ""}, "PIAOPS_SECRET_KEY is required when PIAOPS_DEBUG is off"),
        ({"PIAOPS_SECRET_KEY_FILE": "/nonexistent/secret"}, "PIAOPS_SECRET_KEY_FILE names a file that cannot be read"),
        ({"PIAOPS_DEBUG": "maybe"}, "PIAOPS_DEBUG must be a boolean"),
        ({"PIAOPS_SECURE_COOKIES": "2"}, "PIAOPS_SECURE_COOKIES must be a boolean"),
        ({"PIAOPS_SESSION_SECONDS": "8h"}, "PIAOPS_SESSION_SECONDS must be an integer"),
        ({"PIAOPS_SMTP_PORT": "twenty-five"}, "PIAOPS_SMTP_PORT must be an integer"),
        ({"DATABASE_URL": "mysql://db/piaops"}, "DATABASE_URL must start with postgresql:// or sqlite://"),
        ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/"}, "DATABASE_URL has no database name"),
        ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:port/piaops"}, "DATABASE_URL has an invalid port"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL has no database file"),
        ({"PIAOPS_LOG_LEVEL": "LOUD"}, "PIAOPS_LOG_LEVEL must be one of"),
    ],
)
def test_a_wrong_environment_value_stops_the_start(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = _run("import piaops.settings", tmp_path, **{"PIAOPS_SECRET_KEY": SECRET, **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.engine_independent
def test_good_values_are_read(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    code = (
        "import json, piaops.settings as s; db = s.DATABASES['default'];"
        "print(json.dumps([s.SECRET_KEY, s.DEBUG, s.SESSION_COOKIE_AGE,"
        " db['ENGINE'], db['NAME'], db['HOST'], db['PORT']]))"
    )
    result = _run(
        code,
        tmp_path,
        PIAOPS_SECRET_KEY_FILE=str(secret_file),
        PIAOPS_DEBUG="off",
        PIAOPS_SESSION_SECONDS="3600",
        DATABASE_URL="postgresql://piaops:p%40ss@db.example.lg.jp:6432/piaops_prod",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        SECRET,
        False,
        3600,
        "django.db.backends.postgresql",
        "piaops_prod",
        "db.example.lg.jp",
        "6432",
    ]


@pytest.mark.engine_independent
def test_production_defaults(tmp_path: Path) -> None:
    """What a real start gets: argon2, Japan time, Japanese only, secure cookies."""
    code = (
        "import json, django; django.setup();"
        "from django.conf import settings as s; from django.contrib.auth.hashers import make_password;"
        "print(json.dumps([make_password('correct-horse-battery').split('$')[0], s.TIME_ZONE, s.LANGUAGE_CODE,"
        " [c for c, _ in s.LANGUAGES], s.SESSION_COOKIE_SECURE, s.DATABASES['default']['OPTIONS']]))"
    )
    result = _run(code, tmp_path, PIAOPS_SECRET_KEY=SECRET, DJANGO_SETTINGS_MODULE="piaops.settings")
    assert result.returncode == 0, result.stderr
    hasher, tz, language, languages, secure, sqlite = json.loads(result.stdout)
    assert (hasher, tz, language, languages, secure) == ("argon2", "Asia/Tokyo", "ja", ["ja"], True)
    assert sqlite["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/static/piaops/app.css", b'@import url("dads/tokens.css")'),
        ("/static/piaops/dads/tokens.css", b"--color-primitive-blue-900"),  # the vendored DADS tokens
        ("/static/django_htmx/htmx-2.min.js", b"htmx"),
    ],
)
def test_static_files_are_served_by_the_app_itself(db: None, path: str, marker: bytes) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert marker in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_pages_load_their_css_and_htmx_from_this_server(db: None) -> None:
    body = Client().get("/login/").content.decode()
    assert 'href="/static/piaops/app.css"' in body
    assert 'src="/static/django_htmx/htmx-2.min.js"' in body


TEMPLATE_ROOT = SRC / "piaops"
# src=, href=, action=, url( … ) and @import pointing to a scheme or a protocol-relative host.
OUTSIDE = re.compile(
    r"""(?:\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)(?:https?:)?//""", re.I
)


@pytest.mark.engine_independent
def test_no_template_or_stylesheet_loads_anything_from_outside() -> None:
    files = [p for p in TEMPLATE_ROOT.rglob("*") if p.suffix in {".html", ".txt", ".css", ".js", ".svg"}]
    assert any(p.name == "base.html" for p in files)  # the scan does see the templates
    offenders = [
        f"{p.relative_to(TEMPLATE_ROOT)}:{n}: {line.strip()}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


@pytest.mark.engine_independent
def test_the_outside_link_scan_recognises_what_it_must_refuse() -> None:
    for bad in [
        '<script src="https://cdn.example.com/x.js">',
        "<link href='//fonts.example/x'>",
        "url(http://x/y.woff)",
    ]:
        assert OUTSIDE.search(bad), bad
    for good in [
        '<link href="/static/piaops/app.css">',
        "<a href=\"{% url 'home' %}\">",
        "<p>https://example.jp は参考</p>",
    ]:
        assert not OUTSIDE.search(good), good


def test_pages_forbid_the_browser_to_load_from_other_hosts(db: None) -> None:
    policy = Client().get("/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    default = directives["default-src"].split()
    assert "'self'" in default
    assert not any(s == "*" or "://" in s or s.startswith(("http", "*.")) for s in default)
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'self'"
