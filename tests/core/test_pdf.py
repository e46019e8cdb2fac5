from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from piaops.core.pdf import render_pdf

pytestmark = pytest.mark.engine_independent

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")


@needs_poppler
def test_a_pdf_embeds_the_japanese_font_and_renders_its_text(tmp_path: Path) -> None:
    pdf = render_pdf("core/tests/pdf_sample.html", {"heading": "監査結果報告書", "day": dt.date(2026, 11, 25)})
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)

    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "PiaopsJP" in fonts and " yes yes yes " in fonts  # embedded, subset, with a unicode map

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "監査結果報告書" in text and "令和8年11月25日" in text and "1/1" in text.replace(" ", "")

    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p-*.png"))
    assert png.stat().st_size > 1000


def test_rendering_a_pdf_leaves_the_operators_log_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """WeasyPrint narrates every rendering step at INFO; with the log at INFO (the production default) an operator
    would read eight lines per PDF. Only warnings of the PDF libraries reach the log."""
    caplog.set_level("INFO")
    render_pdf("core/tests/pdf_sample.html", {"heading": "監査結果報告書", "day": dt.date(2026, 11, 25)})
    assert [r.getMessage() for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))] == []


@needs_poppler
def test_a_squeezed_table_never_breaks_an_audit_type_or_a_wareki_date(tmp_path: Path) -> None:
    """Issue 19 §2: in the audit report's narrowest columns 「現地監査」 and each 和暦 date stay on one line (read back
    from the rendered PDF's text, line by line)."""
    row = {
        "unit": "北部市税事務所 市民税課（320110）",
        "type": "現地監査",
        "works": "地方税賦課徴収事務、国民健康保険事務、児童手当事務、生活保護事務、" * 2,
        "planned": "令和8年11月25日〜令和8年12月10日",
        "status": "実施中",
        "completed": "令和8年12月10日",
        "auditors": "監査 太郎、監査 花子、監査 次郎、監査 三郎",
    }
    d = {
        "title": "監査結果報告書",
        "municipality": "札幌市",
        "fiscal_year_label": "令和8年度",
        "as_of_label": "令和8年12月1日",
        "programme": "令和8年度 監査計画",
        "programme_status": "承認済",
        "kind": "results",
        "audits": [row] * 3,
        "findings": [],
    }
    path = tmp_path / "audit.pdf"
    path.write_bytes(render_pdf("audits/report_pdf.html", {"d": d, "figures": []}))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines()]
    for whole in ("現地監査", "令和8年11月25日", "令和8年12月10日", "実施中"):
        assert sum(whole in line for line in lines) >= 3, f"「{whole}」 is broken across lines:\n{text}"


def test_nobreak_wraps_dates_and_audit_types_and_escapes_the_rest() -> None:
    from piaops.core.templatetags.wareki import nobreak

    assert str(nobreak("令和8年4月1日から<現地監査>")) == (
        '<span class="nw">令和8年4月1日</span>から&lt;<span class="nw">現地監査</span>&gt;'
    )
    assert str(nobreak("2026-04-01")) == '<span class="nw">2026-04-01</span>'
    assert str(nobreak("令和8年度 監査計画の承認")) == '<span class="nw">令和8年度</span> 監査計画の承認'
