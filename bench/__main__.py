"""``python -m bench [--quick] [NAME...]``: run the benchmarks (all, or those whose module name contains NAME, or
is NAME) at the stated scale, or at small sizes with ``--quick`` (the answers are still compared; see
``bench.harness``). Each bench runs in a process of its own (its own Django set-up and database)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

from bench.harness import QUICK_ENV, load_average


def _one(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    for figure in module.run():
        print("  " + figure.line(), flush=True)


def main(argv: list[str]) -> int:
    if "--quick" in argv:
        argv = [a for a in argv if a != "--quick"]
        os.environ[QUICK_ENV] = "1"  # before any bench module is imported: some read their sizes at import
    if argv[:1] == ["--one"]:
        _one(argv[1])
        return 0
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a == n or (a not in names and a in n) for a in argv)]
    failed = []
    for name in names:
        print(f"== {name}  (load average {load_average()}{', quick' if os.environ.get(QUICK_ENV) else ''})", flush=True)
        done = subprocess.run([sys.executable, "-m", "bench", "--one", name], check=False)
        if done.returncode:
            failed.append(name)
            print(f"!! {name} failed (exit {done.returncode})", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
