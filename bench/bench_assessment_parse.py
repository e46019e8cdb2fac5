"""Parsing a 200-page assessment report (PDF-extraction form, ~50 lines a page) next to merely splitting its lines.

The synthetic report repeats and varies the fixtures: a cover, Section Ⅲ with risk blocks for every process
(numbered lists, bullets, 【】 party blocks, choices in the order 1) 3) 2), page footers), the real Section Ⅳ
and long text-only sections. ``PIAOPS_BENCH_PAGES`` sets the size (default 200).
"""

from __future__ import annotations

from pathlib import Path

from bench.harness import Figure, median_seconds, scale
from piaops.assessments.parser import parse_report

DATA = Path(__file__).resolve().parent.parent / "tests" / "assessments" / "data"
LINES_PER_PAGE = 50
PROCESSES = [
    "特定個人情報の入手(情報提供ネットワークシステムを通じた入手を除く。)",
    "特定個人情報の使用",
    "特定個人情報ファイルの取扱いの委託",
    "特定個人情報の提供・移転(委託や情報提供ネットワークシステムを通じた提供を除く。)",
    "情報提供ネットワークシステムとの接続",
    "特定個人情報の保管・消去",
]


def _risk(process: int, risk: int) -> list[str]:
    return [
        f"リスク{risk}: 第{risk}の区分に関して目的外の取扱いが行われるリスク",
        "リスクに対する措置の内容",
        f"【番号連携システムにおける措置】 1 システム{process}-{risk}では利用者ごとに権限を設定し、",
        "異動時にアクセス権限を見直す。 2 操作ログを記録し、定期的に確認する。",
        "3 不正な操作を検知した場合は、直ちに情報システム部門に報告する。",
        "【中間サーバー・プラットフォームにおける措置】 ①中間サーバー・プラットフォームの運用",
        "に携わる職員及び事業者に対し、年2回の研修を実施することとしている。②入退室管理を行う。",
        "<札幌市における措置>",
        f"・第{risk}区分の書類は施錠できる書庫に保管する。 ・持出しは所属長の許可を得る。",
        "リスクへの対策は十分か",
        "[",
        "十分である",
        "]",
        "<選択肢>",
        "1) 特に力を入れている",
        "3) 課題が残されている",
        "2) 十分である",
    ]


def synthetic_report(pages: int) -> str:
    target = pages * LINES_PER_PAGE
    section_iv = (DATA / "sapporo_section_iv_pdf.txt").read_text(encoding="utf-8").splitlines()
    start = max(n for n, line in enumerate(section_iv) if line.startswith("Ⅳ") and "その他のリスク対策" in line)
    cover, section_iv = section_iv[:start], section_iv[start:]
    body: list[str] = ["Ⅲ 特定個人情報ファイルの取扱いプロセスにおけるリスク対策 ※(7.リスク1⑨を除く。)"]
    tail = [*section_iv, "Ⅴ 開示請求、問合せ", "Ⅵ 評価実施手続"]
    risks_needed = max(1, (target - len(cover) - len(tail)) // 18)
    per_process = max(1, risks_needed // len(PROCESSES))
    for n, title in enumerate(PROCESSES, start=2):
        body.append(f"{n}. {title}")
        for risk in range(1, per_process + 1):
            body.extend(_risk(n, risk))
    lines = [*cover, *body, *tail]
    while len(lines) < target:
        lines.append(f"第三者点検の記録 {len(lines)}: 個人情報保護審議会において評価書の内容を点検した。")
    # A footer with the department's name at the end of every page.
    paged: list[str] = []
    for page in range(0, len(lines), LINES_PER_PAGE):
        paged.extend(lines[page : page + LINES_PER_PAGE])
        paged.extend(["札幌市財政局税政部税制課", f"{page // LINES_PER_PAGE + 1} / {pages}"])
    return "\n".join(paged)


def _split_only(text: str) -> int:
    count = 0
    for line in text.splitlines():
        if line:
            count += 1
    return count


def run() -> list[Figure]:
    pages = scale("PIAOPS_BENCH_PAGES", 200, 10)
    text = synthetic_report(pages)
    report = parse_report(text)
    assert len(report.items()) > pages // 2, "the synthetic report must really be parsed into items"
    return [
        Figure(
            name=f"parse_report, {pages}-page report ({len(text.splitlines()):,} lines, {len(report.items())} items, "
            f"{len(report.commitments())} commitments)",
            ours=median_seconds(lambda: parse_report(text), repeat=3),
            baseline=median_seconds(lambda: _split_only(text), repeat=3),
            baseline_name="text.splitlines() + a trivial per-line loop",
            unit_count=len(text.splitlines()),
        )
    ]
