"""My Number guard over imported text, next to a bare 12-digit regular expression.

Size: ``PIAOPS_BENCH_MYNUMBER_KB`` kilobytes of report-like text (default 1000).
"""

from __future__ import annotations

import random
import re

from bench.harness import Figure, median_seconds, scale
from piaops.lib.mynumber import contains_my_number

KB = scale("PIAOPS_BENCH_MYNUMBER_KB", 1000, 20)
_BARE = re.compile(r"\d{12}")


def _text() -> str:
    rng = random.Random(8)
    parts = []
    size = 0
    while size < KB * 1024:
        part = rng.choice(
            [
                "特定個人情報の漏えい・滅失・毀損リスクへの対策は十分である。",
                f"電話 011-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                f"令和{rng.randint(1, 8)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                f"契約番号 {rng.randint(10**11, 10**12 - 1)}",  # 12 digits: ~1/11 have a valid check digit
                "１２３４　５６７８　",
            ]
        )
        parts.append(part)
        size += len(part.encode("utf-8"))
    return "\n".join(parts)


def run() -> list[Figure]:
    text = _text()
    return [
        Figure(
            name=f"contains_my_number over {KB} KB",
            ours=median_seconds(lambda: contains_my_number(text)),
            baseline=median_seconds(lambda: _BARE.findall(text)),
            baseline_name=r"re.findall(\d{12})",
            unit_count=KB,
        )
    ]
