"""The Excel round trip of a unit's checklist, the ZIP of all units' workbooks, and the campaign summary.

A checklist workbook has the sheet 自己点検票 (answers chosen from a drop-down list, every other cell protected)
and a very hidden sheet ``_piaops`` holding the checklist id, the unit code, the first template's id and version,
every template as ``id:version`` (row ``templates``), the checklist's own version when it was downloaded (row
``checklist_version``) and, per item row, the item id with its template's id and version. A campaign with several
templates gives one sheet whose No. runs across them. Import checks every cell first and reports each problem with
its cell (Japanese); nothing is saved unless the whole file (or, for several files, every file) is valid.

The checklist version makes the round trip as safe as the web form: if anyone saved the checklist after the
download, the import saves nothing and raises :class:`WorkbookConflict` (the file's answers attached, so that the
page can show both side by side). Workbooks of the older formats carry no checklist version and are refused.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from piaops.lib.dates import read_date
from piaops.lib.filescan import my_number_refusal
from piaops.lib.fiscal import wareki
from piaops.lib.mynumber import contains_my_number
from piaops.lib.safeexport import workbook_bytes
from piaops.lib.versioning import ConflictError
from piaops.lib.xlsxfiles import UnreadableWorkbook, open_workbook
from piaops.lib.xlsxprint import print_setup
from piaops.selfcheck import results
from piaops.selfcheck.errors import ChecklistInvalid, Problem
from piaops.selfcheck.models import Answer, AnswerValue, Campaign, Category, Checklist, ChecklistStatus
from piaops.selfcheck.services import AnswerInput, checklist_save_answers
from piaops.tenancy.models import Municipality, User

SHEET = "自己点検票"
META = "_piaops"
FORMAT = "piaops-selfcheck-3"
# Workbooks written before the checklist version was in the file (1: single template, 2: several). Refused: the
# import could not tell whether someone saved after the download, and would silently overwrite what they saved.
OLD_FORMATS = ("piaops-selfcheck-1", "piaops-selfcheck-2")
META_ROWS = 9  # the named rows (format … checklist_version) come first; the item rows start at row 10
FIRST_ROW = 7
MAX_SHEET_ROW = 1_048_576  # the last row of an XLSX sheet


def _echo_version(value: Any) -> str:
    """A version number read from a file, as it may be echoed in a message: a short number, else 「?」 (a damaged
    cell could hold anything, a 個人番号 included, and messages never echo one)."""
    text = "" if value is None else str(value).strip()
    return text if text.isdigit() and len(text) <= 4 else "?"


LABELS = {v.label: v.value for v in AnswerValue}  # はい → yes
VALUE_LABELS = {v.value: v.label for v in AnswerValue}
CATEGORY_LABELS = dict(Category.choices)
# Items whose commitment is new or changed in the revised assessment report are marked in the 区分 column.
CHANGE_MARKS = {"new": "【評価書で新規】", "changed": "【評価書で変更】"}
PROTECT_PASSWORD = "piaops"  # keeps cells from accidental edits; not a secret
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


def answers_by_checklist(checklists: Sequence[Checklist]) -> dict[int, list[Answer]]:
    """Each checklist's answers in checklist order (all checklists are of one campaign)."""
    grouped: dict[int, list[Answer]] = defaultdict(list)
    if not checklists:
        return grouped
    rows = Answer.objects.filter(checklist__in=[c.pk for c in checklists]).select_related("item")
    for a in checklists[0].campaign.sort_answers(rows):
        grouped[a.checklist_id].append(a)
    for answers in grouped.values():
        for n, a in enumerate(answers, start=1):
            a.number = n
    return grouped


def checklist_workbook(checklist: Checklist, answers: list[Answer] | None = None) -> bytes:
    """The workbook of one checklist, with its current answers filled in."""
    if answers is None:
        answers = answers_by_checklist([checklist])[checklist.pk]
    campaign, unit = checklist.campaign, checklist.unit
    templates = campaign.template_list()
    template = templates[0]
    versions = {t.pk: t.version for t in templates}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws["A1"] = f"自己点検票　{campaign.fiscal_year}年度 {campaign.title}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"], ws["B2"] = "所属", f"{unit.name}（{unit.code}）"
    ws["A3"], ws["B3"] = "提出期限", wareki(campaign.deadline)
    ws["A4"], ws["B4"] = "様式", "、".join(f"{t.title} 第{t.version}版" for t in templates)
    ws["A5"] = (
        "記入方法: 回答欄は一覧から「はい」「いいえ」「該当なし」を選んでください。"
        "「いいえ」「該当なし」はコメント（理由）が必要です。"
        "「いいえ」は改善計画と改善予定日（例 2027-03-31）も入力してください。網掛けの欄だけ入力できます。"
    )
    headers = ["No", "区分", "点検項目", "回答", "コメント（理由）", "改善計画", "改善予定日"]
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=FIRST_ROW - 1, column=col, value=text)
        cell.font = _HEAD
    for letter, width in zip("ABCDEFG", (5, 16, 60, 10, 36, 36, 14), strict=True):
        ws.column_dimensions[letter].width = width
    # Styles are set once on a pattern cell and copied as style arrays: setting fill, alignment and protection
    # per cell costs openpyxl a hash of each style object, most of the export's time (bench/bench_selfcheck.py).
    input_style = text_style = date_style = None
    for n, a in enumerate(answers):
        r = FIRST_ROW + n
        ws.cell(row=r, column=1, value=a.number)
        ws.cell(row=r, column=2, value=CATEGORY_LABELS.get(a.item.category, "") + CHANGE_MARKS.get(a.item.change, ""))
        text_cell: Any = ws.cell(row=r, column=3, value=a.item.text)
        if text_style is None:
            text_cell.alignment = _WRAP
            text_style = copy(text_cell._style)
        else:
            text_cell._style = copy(text_style)
        values = (VALUE_LABELS.get(a.value, ""), a.comment, a.improvement_plan, a.target_date)
        for col, value in enumerate(values, start=4):
            vcell: Any = ws.cell(row=r, column=col, value=value or None)
            if col == 7:
                if date_style is None:
                    vcell.protection, vcell.fill, vcell.alignment = _UNLOCKED, _FILL, _WRAP
                    vcell.number_format = "yyyy-mm-dd"
                    date_style = copy(vcell._style)
                else:
                    vcell._style = copy(date_style)
            elif input_style is None:
                vcell.protection, vcell.fill, vcell.alignment = _UNLOCKED, _FILL, _WRAP
                input_style = copy(vcell._style)
            else:
                vcell._style = copy(input_style)
    last = FIRST_ROW + max(len(answers), 1) - 1
    dv = DataValidation(
        type="list",
        formula1='"はい,いいえ,該当なし"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="回答",
        error="「はい」「いいえ」「該当なし」から選んでください。",
    )
    ws.add_data_validation(dv)
    dv.add(f"D{FIRST_ROW}:D{last}")
    ws.freeze_panes = f"D{FIRST_ROW}"
    print_setup(
        ws,
        municipality=unit.municipality.name,
        title=f"自己点検票 {campaign.fiscal_year}年度 {campaign.title} {unit.name}",
        header_rows=(FIRST_ROW - 1, FIRST_ROW - 1),
    )
    ws.protection.sheet = True
    ws.protection.password = PROTECT_PASSWORD
    meta = wb.create_sheet(META)
    meta.append(["format", FORMAT])
    meta.append(["checklist", checklist.pk])
    meta.append(["unit", unit.code])
    meta.append(["template", template.pk])
    meta.append(["version", template.version])
    meta.append(["items", len(answers)])
    meta.append(["templates", ",".join(f"{t.pk}:{t.version}" for t in templates)])
    meta.append(["checklist_version", checklist.version])
    for n, a in enumerate(answers):
        meta.cell(row=10 + n, column=1, value=FIRST_ROW + n)
        meta.cell(row=10 + n, column=2, value=a.item_id)
        meta.cell(row=10 + n, column=3, value=a.item.template_id)
        meta.cell(row=10 + n, column=4, value=versions.get(a.item.template_id))
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    meta.protection.password = PROTECT_PASSWORD
    wb.security = WorkbookProtection(workbookPassword=PROTECT_PASSWORD, lockStructure=True)
    return workbook_bytes(wb)


def workbook_filename(checklist: Checklist) -> str:
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", checklist.unit.name)
    return f"{checklist.campaign.fiscal_year}_{checklist.unit.code}_{name}.xlsx"


def campaign_zip(campaign: Campaign, *, checklists: Iterable[Checklist] | None = None) -> bytes:
    """Every unit's workbook in one ZIP (answers as they stand)."""
    items = list(checklists if checklists is not None else campaign.checklists.select_related("unit"))
    for c in items:
        c.campaign = campaign
    answers = answers_by_checklist(items)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for c in items:
            z.writestr(workbook_filename(c), checklist_workbook(c, answers[c.pk]))
    return out.getvalue()


# ------------------------------------------------------------------------------------------------------- import


@dataclass
class Parsed:
    checklist: Checklist
    answers: dict[int, AnswerInput]
    filename: str
    version: int  # the checklist's version when the workbook was downloaded


class WorkbookConflict(ConflictError):
    """The checklist was saved (by anyone, on the web, by the API or by another upload) after the workbook was
    downloaded: nothing of the file was saved. ``parsed`` is what the file says, to be shown next to what is stored.
    """

    def __init__(self, exc: ConflictError, parsed: Parsed) -> None:
        versions = (
            f"（ファイルの版: 第{exc.expected}版、現在の版: 第{exc.current}版）" if exc.expected and exc.current else ""
        )
        super().__init__(
            f"{parsed.filename}: この自己点検票は、このファイルをダウンロードした後に保存されています{versions}。"
            "上書きしないよう、ファイルの内容は何も保存していません。",
            expected=exc.expected,
            current=exc.current,
        )
        self.parsed = parsed


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\r\n", "\n")).strip()


def _date(value: Any) -> dt.date | None:
    """A date cell (改善予定日), by the one date reader: 西暦, 和暦, an Excel date or serial; ValueError otherwise."""
    return read_date(value)


def parse_workbook(
    data: bytes, *, municipality: Municipality | int, filename: str = "", expected: Checklist | None = None
) -> Parsed:
    """Read and check one workbook. Raises :class:`ChecklistInvalid` with every problem (cell by cell).

    The 個人番号 scan of the whole file (every sheet, cell, comment, name…) runs whatever else is wrong with it, and
    its finding is listed with the other problems: the user learns of both at once."""
    fname = filename or "アップロードされたファイル"
    try:
        parsed = _parse_workbook(data, municipality=municipality, fname=fname, expected=expected)
        problems: list[Problem] = []
    except ChecklistInvalid as exc:
        parsed, problems = None, list(exc.problems)
    if not any("個人番号" in p.message for p in problems):
        refusal = my_number_refusal(fname, data)  # any other cell, sheet or comment
        if refusal:
            problems.append(Problem(fname, refusal))
    if problems or parsed is None:
        raise ChecklistInvalid(problems)
    return parsed


def _parse_workbook(data: bytes, *, municipality: Municipality | int, fname: str, expected: Checklist | None) -> Parsed:

    def fail(message: str, where: str = "") -> ChecklistInvalid:
        return ChecklistInvalid([Problem(f"{fname}{'!' + where if where else ''}", message)])

    try:
        wb = open_workbook(data, read_only=False)
    except UnreadableWorkbook as exc:  # not a workbook, or one over the size limits
        raise fail(exc.message or "Excel ファイル（.xlsx）として読み込めません。") from exc
    if META not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise fail("piaops から出力した自己点検票ではありません（様式の情報がありません）。")
    meta = {_text(r[0]): r[1] for r in wb[META].iter_rows(min_row=1, max_row=META_ROWS, max_col=2, values_only=True)}
    file_format = _text(meta.get("format"))
    if file_format != FORMAT and file_format not in OLD_FORMATS:
        raise fail("piaops から出力した自己点検票ではありません（様式の情報が読めません）。")
    mid = municipality if isinstance(municipality, int) else municipality.pk
    try:
        checklist_id = int(_text(meta.get("checklist")))
    except ValueError as exc:
        raise fail("様式の情報が壊れています。ダウンロードし直してください。") from exc
    checklist = (
        Checklist.objects.filter(municipality_id=mid, pk=checklist_id)
        .select_related("campaign", "campaign__template", "unit")
        .first()
    )
    if checklist is None or _text(meta.get("unit")) != checklist.unit.code:
        raise fail("この団体の自己点検票ではないか、所属の情報が一致しません。")
    if expected is not None and checklist.pk != expected.pk:
        raise fail(
            f"別の所属（{checklist.unit.name}）の自己点検票です。{expected.unit.name}の自己点検票をアップロードしてください。"
        )
    if file_format in OLD_FORMATS:
        raise fail(
            "以前の形式の自己点検票のため、ダウンロードした後に他の人が保存した内容を上書きしないか確認できません。"
            "取り込まずにそのままにしています。最新の自己点検票をダウンロードし直し、記入内容を写してからアップロードしてください。"
        )
    # The checklist's version at the download: a positive whole number no greater than the stored one (a version
    # from the future cannot come from a download). Anything else is damage, refused without echoing the cell.
    raw_version = _text(meta.get("checklist_version"))
    if not raw_version.isdigit() or not 1 <= int(raw_version) <= checklist.version:
        raise fail("様式の情報（自己点検票の版数）が壊れています。ダウンロードし直してください。")
    templates = checklist.campaign.template_list()
    template = templates[0]
    if _text(meta.get("template")) != str(template.pk) or _text(meta.get("version")) != str(template.version):
        raise fail(
            f"自己点検票の版が違います（ファイル: 第{_echo_version(meta.get('version'))}版、"
            f"現在: 第{template.version}版）。"
            "最新の自己点検票をダウンロードし直してください。"
        )
    if not checklist.is_editable:
        label = ChecklistStatus(checklist.status).label
        raise fail(f"この自己点検票は「{label}」のため、取り込めません。")
    answers = {a.item_id: a for a in checklist.campaign.sort_answers(checklist.answers.select_related("item"))}
    versions = {t.pk: t for t in templates}
    try:
        meta_rows = [
            (int(_text(r[0])), int(_text(r[1])), _text(r[2]), _text(r[3]))
            for r in wb[META].iter_rows(min_row=10, max_col=4, values_only=True)
            if r[0] is not None and r[1] is not None
        ]
    except ValueError as exc:
        raise fail("様式の情報が壊れています。ダウンロードし直してください。") from exc
    # A row number outside the answer area (0, negative, beyond the sheet) would make openpyxl raise, not refuse.
    row_numbers = [r for r, _, _, _ in meta_rows]
    if any(not FIRST_ROW <= r <= MAX_SHEET_ROW for r in row_numbers) or len(set(row_numbers)) != len(row_numbers):
        raise fail("様式の情報が壊れています。ダウンロードし直してください。")
    if len(meta_rows) != len(answers) or {i for _, i, _, _ in meta_rows} != set(answers):
        raise fail("点検項目の構成が現在の自己点検票と一致しません。ダウンロードし直してください。")
    ws = wb[SHEET]
    problems: list[Problem] = []
    parsed: dict[int, AnswerInput] = {}

    def at(col: str, r: int) -> str:
        return f"{fname}!{SHEET}!{col}{r}"

    rows = [(r, item_id) for r, item_id, _, _ in meta_rows]
    # Each row names its template and version: a row of another version is refused at its cell.
    for r, item_id, file_template, file_version in meta_rows:
        own = versions[answers[item_id].item.template_id]
        if file_template != str(own.pk) or file_version != str(own.version):
            problems.append(
                Problem(
                    at("A", r),
                    f"No.{answers[item_id].number} の様式「{own.title}」の版が違います"
                    f"（ファイル: 第{_echo_version(file_version)}版、現在: 第{own.version}版）。"
                    "最新の自己点検票をダウンロードし直してください。",
                )
            )
    if problems:
        raise ChecklistInvalid(problems)

    for r, item_id in rows:
        item = answers[item_id].item
        cells = {col: ws[f"{col}{r}"].value for col in "CDEFG"}
        if _norm(_text(cells["C"])) != _norm(item.text):
            problems.append(Problem(at("C", r), "点検項目の文が変更されています。元の文に戻してください。"))
        raw = _text(cells["D"])
        value = LABELS.get(raw, "")
        if raw and not value:
            problems.append(Problem(at("D", r), "回答は「はい」「いいえ」「該当なし」から選んでください。"))
        comment, plan = _text(cells["E"]), _text(cells["F"])
        for col, text in (("E", comment), ("F", plan)):
            if contains_my_number(text):
                problems.append(
                    Problem(
                        at(col, r), "個人番号と思われる12桁の数字が含まれています。削除してから取り込んでください。"
                    )
                )
        target: dt.date | None = None
        bad_date = False
        try:
            target = _date(cells["G"])
        except ValueError:
            bad_date = True
            problems.append(Problem(at("G", r), "改善予定日は日付（例 2027-03-31）で入力してください。"))
        if value in (AnswerValue.NO, AnswerValue.NA) and not comment:
            problems.append(Problem(at("E", r), f"「{raw}」の場合はコメント（理由）を入力してください。"))
        if value == AnswerValue.NO:
            if not plan:
                problems.append(Problem(at("F", r), "「いいえ」の場合は改善計画を入力してください。"))
            if target is None and not bad_date:
                problems.append(Problem(at("G", r), "「いいえ」の場合は改善予定日を入力してください。"))
        parsed[item_id] = AnswerInput(value=value, comment=comment, improvement_plan=plan, target_date=target)
    if problems:
        raise ChecklistInvalid(problems)
    return Parsed(checklist=checklist, answers=parsed, filename=fname, version=int(raw_version))


def import_workbooks(
    files: Sequence[tuple[str, bytes]],
    *,
    municipality: Municipality | int | None = None,
    expected: Checklist | None = None,
    by: User | None = None,
) -> list[Parsed]:
    """Check every file, then save them all in one transaction (or nothing, with every problem listed).

    Each file is saved with the checklist version it was downloaded at as ``expected_version``: if anyone saved a
    checklist since, :class:`WorkbookConflict` is raised (for the first such file) and nothing of any file is saved,
    unless the checklist now holds exactly the file's answers (the same file uploaded twice): that file changes nothing.
    Without ``municipality`` (the CLI), each file's checklist is looked up by its id in any municipality.
    """
    problems: list[Problem] = []
    parsed: list[Parsed] = []
    seen: dict[int, str] = {}
    for name, data in files:
        mid = municipality if municipality is not None else _municipality_of(data)
        if mid is None:
            problems.append(Problem(name, "piaops から出力した自己点検票ではありません（様式の情報がありません）。"))
            continue
        try:
            p = parse_workbook(data, municipality=mid, filename=name, expected=expected)
        except ChecklistInvalid as exc:
            problems.extend(exc.problems)
            continue
        if p.checklist.pk in seen:
            problems.append(Problem(name, f"{seen[p.checklist.pk]} と同じ所属の自己点検票です。"))
            continue
        seen[p.checklist.pk] = name
        parsed.append(p)
    if problems:
        raise ChecklistInvalid(problems)
    with transaction.atomic():
        for p in parsed:
            try:
                checklist_save_answers(
                    checklist=p.checklist,
                    answers=p.answers,
                    by=by,
                    source=f"Excel取込 {p.filename}",
                    expected_version=p.version,
                )
            except ConflictError as exc:
                # Saved since the download, but to exactly what the file says (typically: the same file uploaded
                # again): nothing would be overwritten, so there is nothing to refuse.
                if _stored_as_in(p):
                    continue
                raise WorkbookConflict(exc, p) from exc  # rolls back the files saved before this one too
    return parsed


def _stored_as_in(p: Parsed) -> bool:
    """Whether every answer the file gives is what the checklist holds now."""
    stored = {
        a.item_id: AnswerInput(a.value, a.comment, a.improvement_plan, a.target_date)
        for a in p.checklist.answers.filter(item_id__in=list(p.answers))
    }
    return all(stored.get(item_id) == given for item_id, given in p.answers.items())


def _municipality_of(data: bytes) -> int | None:
    try:
        wb = open_workbook(data)
        meta = {
            _text(r[0]): r[1] for r in wb[META].iter_rows(min_row=1, max_row=META_ROWS, max_col=2, values_only=True)
        }
        checklist = Checklist.objects.filter(pk=int(_text(meta.get("checklist")))).first()
    except Exception:  # not ours: reported by the caller
        return None
    return checklist.municipality_id if checklist else None


# ------------------------------------------------------------------------------------------------------ summary


def campaign_summary(campaign: Campaign, *, today: dt.date) -> bytes:
    """進捗・項目別・所属別・指摘事項 sheets for the governance division's report."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "進捗"
    ws.append([f"{campaign.fiscal_year}年度 {campaign.title}", f"提出期限 {wareki(campaign.deadline)}"])
    ws.append(["所属コード", "所属", "状態", "初回提出日", "確認日", "期限超過"])
    for c in campaign.checklists.select_related("unit").order_by("unit__path"):
        ws.append(
            [
                c.unit.code,
                c.unit.name,
                ChecklistStatus(c.status).label,
                results.local_date_or_none(c.first_submitted_at),
                results.local_date_or_none(c.accepted_at),
                "超過" if c.is_overdue(today) else "",
            ]
        )
    by_item, by_unit = results.shares(campaign)
    wi = wb.create_sheet("項目別")
    wi.append(["No", "区分", "点検項目", "はい", "いいえ", "該当なし", "はい(%)", "いいえ(%)", "該当なし(%)"])
    for n, (item, s) in enumerate(by_item, start=1):
        wi.append(
            [
                n,
                CATEGORY_LABELS.get(item.category),
                item.text,
                s.yes,
                s.no,
                s.na,
                s.yes_pct,
                s.no_pct,
                s.na_pct,
            ]
        )
    wu = wb.create_sheet("所属別")
    wu.append(["所属コード", "所属", "はい", "いいえ", "該当なし", "はい(%)", "いいえ(%)", "該当なし(%)"])
    for c, s in by_unit:
        wu.append([c.unit.code, c.unit.name, s.yes, s.no, s.na, s.yes_pct, s.no_pct, s.na_pct])
    wf = wb.create_sheet("指摘事項")
    wf.append(["所属", "件名", "理由", "改善計画", "完了予定日", "状態"])
    for f in results.campaign_findings(campaign).select_related("unit", "followup").order_by("unit__path", "id"):
        fu = getattr(f, "followup", None)
        wf.append(
            [
                f.unit.name,
                f.title,
                f.description,
                fu.plan if fu else "",
                fu.due_date if fu else None,
                f.get_status_display(),
            ]
        )
    suggestion = results.suggest_rating(campaign, today=today)
    wr = wb.create_sheet("評価の提案")
    wr.append(["Ⅳ-1①自己点検 提案", suggestion.label])
    for cond in suggestion.sufficient + suggestion.special:
        wr.append([cond.label, "○" if cond.ok else "×", cond.detail])
    wi.column_dimensions["C"].width = 60
    wf.column_dimensions["B"].width = wf.column_dimensions["C"].width = wf.column_dimensions["D"].width = 30
    wr.column_dimensions["A"].width = wr.column_dimensions["C"].width = 40
    title = f"{campaign.fiscal_year}年度 {campaign.title} 集計"
    municipality = campaign.municipality.name
    for sheet, header_row in ((ws, 2), (wi, 1), (wu, 1), (wf, 1), (wr, 1)):
        print_setup(
            sheet, municipality=municipality, title=f"{title}（{sheet.title}）", header_rows=(header_row, header_row)
        )
    return workbook_bytes(wb)
