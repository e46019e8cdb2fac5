"""The cover (表紙) fields of a report: title, 評価書番号, 評価書名, 様式, tier, 公表日, and the 事務の名称 of Ⅰ."""

from __future__ import annotations

import datetime as dt
import re

from piaops.assessments.parsed import ParsedReport
from piaops.assessments.parser.normalize import LABEL, Piece, compact
from piaops.assessments.vocab import Tier

ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_DATE = re.compile(
    r"(?:(?P<era>令和|平成|昭和)\s*(?P<ey>\d{1,2}|元)|(?P<y>\d{4}))\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
)
_ISO = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_FORM = re.compile(r"\[?\s*(?P<when>(?:令和|平成)\s*(?:\d{1,2}|元)\s*年\s*\d{1,2}\s*月)\s*様式\s*(?P<n>[1-4])\s*\]?")
# The commission was 特定個人情報保護委員会 until 2016; both names label the approval date.
_FIELD = re.compile(
    r"^(?P<label>評価書番号|評価書名|公表日|事務の名称|①事務の名称|(?:特定)?個人情報保護委員会\s*承認日)"
    r"\s*(?:【行政機関等のみ】)?\s*[:]?\s*(?P<value>.*)$"
)
_TIERS = {"全項目評価": Tier.FULL, "重点項目評価": Tier.FOCUSED, "基礎項目評価": Tier.BASIC}
_FORM_TIERS = {"4": Tier.FULL, "3": Tier.FOCUSED, "2": Tier.BASIC}


def parse_date(text: str) -> str:
    """A 和暦 or 西暦 date in ``text`` → ISO "YYYY-MM-DD" ("" when there is none or it does not exist)."""
    m = _DATE.search(text)
    if m:
        if m.group("era"):
            year = ERAS[m.group("era")] + (1 if m.group("ey") == "元" else int(m.group("ey")))
        else:
            year = int(m.group("y"))
    else:
        m = _ISO.search(text)
        if not m:
            return ""
        year = int(m.group("y"))
    try:
        return dt.date(year, int(m.group("m")), int(m.group("d"))).isoformat()
    except ValueError:
        return ""


def _fields(pieces: list[Piece]) -> dict[str, str]:
    """Label → value, for "label value" lines and for a label cell followed by its value cell."""
    out: dict[str, str] = {}
    for n, p in enumerate(pieces):
        m = _FIELD.match(p.text)
        if not m:
            continue
        label = m.group("label").lstrip("①")
        label = "承認日" if label.endswith("承認日") else label
        value = m.group("value").strip()
        if not value and n + 1 < len(pieces) and pieces[n + 1].kind != LABEL and not _FIELD.match(pieces[n + 1].text):
            value = pieces[n + 1].text
        if value and label not in out:
            out[label] = value
    return out


def read_cover(report: ParsedReport, cover: list[Piece], everything: list[Piece]) -> None:
    """Fill the cover fields of ``report`` from the text before the first section (事務の名称 from anywhere)."""
    fields = _fields(cover)
    for p in cover:
        if "評価書" in p.text and len(p.text) <= 80 and not _FIELD.match(p.text) and p.kind != LABEL:
            report.title = p.text
            break
    report.report_number = fields.get("評価書番号", "")
    report.business_name = _fields(everything).get("事務の名称", "")
    report.work_name = fields.get("評価書名", "") or report.business_name
    if not report.title and fields.get("評価書名"):
        report.title = fields["評価書名"]
    report.published_on = parse_date(fields.get("公表日", ""))
    report.approved_on = parse_date(fields.get("承認日", ""))
    cover_text = " ".join(p.text for p in cover)
    form = _FORM.search(cover_text)
    if form:
        report.form_version = f"{compact(form.group('when'))} 様式{form.group('n')}"
        report.tier = str(_FORM_TIERS[form.group("n")])
    else:
        for word, tier in _TIERS.items():
            if word in compact(cover_text):
                report.tier = str(tier)
                break
