"""ISMAP list import: checking a published list file (CSV, CP932) of ``PIAOPS_BENCH_ISMAP_ROWS`` services (default
1,000; the real list holds a few hundred), next to merely decoding and splitting the same file with ``csv``."""

from __future__ import annotations

import csv
import io

from bench.harness import Figure, median_seconds, scale
from piaops.assurance.ismap_list import parse_list

ROWS = scale("PIAOPS_BENCH_ISMAP_ROWS", 1000, 50)


def _file(rows: int) -> bytes:
    lines = ["ISMAPクラウドサービスリスト", "登録番号,サービス名称,クラウドサービス事業者名,登録日,有効期限"]
    lines += [f"C21-{i:04d}-1,クラウドサービス{i},事業者{i % 97}株式会社,2021/3/12,令和8年8月1日" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def run() -> list[Figure]:
    data = _file(ROWS)

    def ours() -> None:
        parse_list(data, filename="list.csv")

    def baseline() -> None:
        list(csv.reader(io.StringIO(data.decode("cp932"))))

    return [
        Figure(
            name=f"parse_list: {ROWS} services (CSV, CP932)",
            ours=median_seconds(ours),
            baseline=median_seconds(baseline),
            baseline_name="decode + csv.reader only",
            unit_count=ROWS,
        )
    ]
