"""PDF documents (A4, printable, Japanese font embedded, page numbers): HTML templates rendered by WeasyPrint.

The font comes from a Python package (Noto Sans CJK JP, SIL OFL) so it installs with the dependency set and no
font is fetched from anywhere at run time. Templates extend ``core/pdf_base.html``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string


@cache
def japanese_font_path() -> Path:
    import noto_cjk_sans_jp_regular

    return Path(str(noto_cjk_sans_jp_regular.FONT_PATH))


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render ``template_name`` (a document extending ``core/pdf_base.html``) to PDF bytes."""
    import weasyprint  # imported here: it loads native libraries the web pages never need

    html = render_to_string(template_name, {**context, "pdf_font_url": japanese_font_path().as_uri()})
    return bytes(weasyprint.HTML(string=html, base_url=str(japanese_font_path().parent)).write_pdf())
