"""`make wheelhouse` yields everything a server without internet needs: install with no index, then `piaops check`."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _offline_env(**extra: str) -> dict[str, str]:
    """The environment with every pip source removed: no config file (its find-links), no index, no cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PIAOPS_", "DJANGO_", "DATABASE_URL"))}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_NO_CACHE_DIR": "1"}
    env |= {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return env | extra


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("PIAOPS_TEST_DB") == "postgres", reason="uses no database: already run in the SQLite pass"
)
def test_the_wheelhouse_installs_without_network_and_runs(tmp_path: Path) -> None:
    wheelhouse = Path(os.environ.get("PIAOPS_WHEELHOUSE", ROOT / "wheelhouse"))
    # The same command as `make wheelhouse`; wheels already there are reused from pip's cache, piaops is rebuilt.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheelhouse), str(ROOT)],
        check=True,
        timeout=1200,
    )
    assert list(wheelhouse.glob("piaops-*.whl")) and list(wheelhouse.glob("gunicorn-*.whl"))
    # The 操作マニュアル is served by the installed app: its package folder links to docs/manual, copied into the wheel.
    with zipfile.ZipFile(max(wheelhouse.glob("piaops-*.whl"), key=lambda p: p.stat().st_mtime)) as wheel:
        names = set(wheel.namelist())
    assert {"piaops/manual/content/index.md", "piaops/manual/content/images/checklist.png"} <= names
    assert not [n for n in names if "/images/before/" in n]  # the reviewers' before-screenshots stay out

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    install = [str(venv / "bin" / "pip"), "install", "--quiet", "--no-index", "--find-links", str(wheelhouse), "piaops"]
    result = subprocess.run(install, env=_offline_env(), capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr

    env = _offline_env(
        PIAOPS_DEBUG="0",
        PIAOPS_SECRET_KEY="wheelhouse-test-" + "k" * 20 + "0123456789abcdefghij",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    check = subprocess.run(
        [str(venv / "bin" / "piaops"), "check"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues" in check.stdout
    assert (
        "site-packages"
        in subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import piaops; print(piaops.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    gunicorn = subprocess.run([str(venv / "bin" / "gunicorn"), "--version"], capture_output=True, text=True)
    assert gunicorn.returncode == 0
