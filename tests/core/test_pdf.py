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
