"""Running the real ``piaops`` program in a subprocess on a SQLite file of its own (CLI and browser tests).

The test process's Django settings (``tests.settings``, in-memory database) must not leak into the child, so the
environment is rebuilt: production settings, debug on (no secret key needed), database under ``var_dir``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PIAOPS = [sys.executable, "-m", "piaops.cli"]


def piaops_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_")) and k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
        "PIAOPS_VAR_DIR": str(var_dir),
        "PIAOPS_DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def run_piaops(*args: str, var_dir: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``piaops ARGS`` to completion with pipes (not a TTY), returning its exit status and output."""
    return subprocess.run(
        [*PIAOPS, *args], env=piaops_env(var_dir), capture_output=True, text=True, timeout=timeout, check=False
    )


def prepared_var_dir(var_dir: Path, *, people: int = 40) -> Path:
    """``var_dir`` holding a migrated database with the demo data."""
    var_dir.mkdir(parents=True, exist_ok=True)
    for args in (("migrate", "--no-input", "-v0"), ("demo", "--people", str(people))):
        done = run_piaops(*args, var_dir=var_dir)
        if done.returncode != 0:
            raise RuntimeError(f"piaops {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return var_dir
