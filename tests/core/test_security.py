"""Production settings: `check --deploy` is clean, every page carries a strict Content-Security-Policy."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.conftest import World

SRC = Path(__file__).resolve().parents[2] / "src" / "piaops"


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        PIAOPS_DEBUG="0",
        PIAOPS_SECRET_KEY=secrets.token_urlsafe(50),
        PIAOPS_ALLOWED_HOSTS="piaops.example.lg.jp",
        PIAOPS_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PIAOPS_HOME=str(tmp_path),
    )
    return env


def _piaops(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from piaops.cli import main; main()", *args]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.engine_independent
def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _piaops("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.engine_independent
def test_check_deploy_warns_when_debug_is_on(tmp_path: Path) -> None:
    env = _production_env(tmp_path) | {"PIAOPS_DEBUG": "1"}
    result = _piaops("check", "--deploy", "--fail-level", "WARNING", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_every_page_carries_a_policy_with_no_outside_source(world: World, as_admin: Client) -> None:
    for client, url in [(Client(), "/login/"), (as_admin, "/"), (as_admin, "/tenancy/"), (as_admin, "/accounts/")]:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert "unsafe-inline" not in policy and "http" not in policy and "*" not in policy
        assert directives["frame-ancestors"] == "'none'"


@pytest.mark.engine_independent
def test_no_template_needs_inline_script_or_style() -> None:
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if "pdf" in template.name or "core/pdf_base.html" in text:
            continue  # rendered to PDF by WeasyPrint on the server, never served to a browser
        if re.search(r"\sstyle=|<style|\son[a-z]+=", text) or re.search(r"<script(?![^>]*\ssrc=)", text):
            offenders.append(str(template.relative_to(SRC)))
    assert offenders == []


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_proxy_https_is_recognised_and_http_is_redirected(db: None) -> None:
    plain = Client().get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    proxied = Client().get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
