"""The Government Cloud responsibility matrix (責任分界表): its pre-filled rows and its exports (XLSX, CSV).

The pre-filled rows follow the wording of the reference 評価書 「ガバメントクラウドにおける措置」 (the template text
of 2024–25 reports): the municipality and the ASP / 運用管理補助者 it contracts are responsible for the business data;
failures caused by the Government Cloud are handled by the state through its CSP contract, other failures by the ASP
or 運用管理補助者; doubts are settled by consultation among the municipality, デジタル庁 and those concerned.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from piaops.assessments.models import MeasureBlock
from piaops.assurance.models import MATRIX_PARTIES, Layer, Responsibility, Share
from piaops.lib.safeexport import csv_writer, workbook_bytes
from piaops.lib.xlsxprint import print_setup
from piaops.tenancy.models import Municipality, Party

REPORT_DATA = (
    "ガバメントクラウド上での業務データの取扱いについては、当該業務データを保有する地方公共団体及びその業務データの"
    "取扱いについて委託を受けるASP又はガバメントクラウド運用管理補助者が責任を有する。"
)
REPORT_CLOUD_CAUSED = (
    "原則としてガバメントクラウドに起因する事象の場合は、国はクラウド事業者と契約する立場から、"
    "その契約を履行させることで対応する。"
)
REPORT_NOT_CLOUD_CAUSED = (
    "ガバメントクラウドに起因しない事象の場合は、地方公共団体に業務アプリケーションサービスを提供するASP又は"
    "ガバメントクラウド運用管理補助者が対応するものとする。"
)
REPORT_CONSULT = "具体的な取り扱いについて、疑義が生じる場合は、地方公共団体とデジタル庁及び関係者で協議を行う。"
REPORT_ISMAP = (
    "ガバメントクラウドについては政府情報システムのセキュリティ制度(ISMAP)のリストに登録されたクラウドサービスから"
    "調達することとしており、ISMAPにおいて、クラウドサービス事業者は定期的にISMAP監査機関リストに登録された監査機関に"
    "よる監査を行うこととしている。"
)

R, P, S, C, N = Share.RESPONSIBLE, Share.PERFORMS, Share.SUPPORTS, Share.CONSULTED, Share.NONE

# (layer, responsibility, municipality, デジタル庁, CSP, ASP, 運用管理補助者, source)
DEFAULT_ROWS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    (Layer.FACILITY, "データセンターの物理的安全管理（入退室管理等）", N, R, P, N, N, REPORT_ISMAP),
    (Layer.FACILITY, "ISMAP登録クラウドサービスからの調達・監査", N, R, P, N, N, REPORT_ISMAP),
    (Layer.INFRA, "ガバメントクラウドに起因する障害等への対応", C, R, P, S, S, REPORT_CLOUD_CAUSED),
    (Layer.ACCOUNT, "個別領域（アカウント）の運用管理", R, S, N, P, P, REPORT_NOT_CLOUD_CAUSED),
    (Layer.NETWORK, "団体からガバメントクラウドまでの接続・回線の運用", R, S, N, P, P, REPORT_NOT_CLOUD_CAUSED),
    (Layer.APPLICATION, "ガバメントクラウドに起因しない障害等への対応", R, N, N, P, P, REPORT_NOT_CLOUD_CAUSED),
    (Layer.APPLICATION, "標準準拠システム（業務アプリケーション）の運用", R, N, N, P, S, REPORT_NOT_CLOUD_CAUSED),
    (Layer.DATA, "業務データ（特定個人情報）の取扱い", R, N, N, R, R, REPORT_DATA),
    (Layer.DATA, "取扱いに疑義が生じた場合の協議", C, C, S, C, C, REPORT_CONSULT),
)


def _report_wording(municipality: Municipality) -> str:
    """The current report's own Government Cloud paragraph, when one was imported (else the template wording)."""
    block = (
        MeasureBlock.objects.for_municipality(municipality)
        .filter(party__kind=Party.Kind.GOVERNMENT_CLOUD, report__successors__isnull=True)
        .exclude(text="")
        .order_by("-report__version", "order")
        .first()
    )
    return " ".join(block.text.split()) if block is not None else ""


def default_rows(municipality: Municipality) -> list[dict[str, Any]]:
    own = _report_wording(municipality)
    rows = []
    for layer, text, mun, da, csp, asp, op, source in DEFAULT_ROWS:
        # A row keeps the template sentence it rests on; the report's own paragraph, if it says the same, wins.
        cited = own if own and source[:20] in own else source
        rows.append(
            {
                "layer": layer,
                "responsibility": text,
                "municipality_share": mun,
                "digital_agency_share": da,
                "csp_share": csp,
                "asp_share": asp,
                "operator_share": op,
                "source_text": cited,
            }
        )
    return rows


def party_names(municipality: Municipality) -> dict[str, list[str]]:
    """Names of the tenant's parties under each matrix column (e.g. the ASP's company name)."""
    names: dict[str, list[str]] = {kind: [] for _, _, kind in MATRIX_PARTIES}
    for kind, name in (
        Party.objects.for_municipality(municipality)
        .filter(is_active=True, kind__in=list(names))
        .values_list("kind", "name")
    ):
        names[kind].append(name)
    return names


def export_table(municipality: Municipality) -> tuple[list[str], list[list[str]]]:
    names = party_names(municipality)
    header = ["レイヤー", "責任・作業"]
    for _, heading, kind in MATRIX_PARTIES:
        header.append(f"{heading}（{'・'.join(names[kind])}）" if names[kind] else heading)
    header += ["根拠（評価書の記載）", "備考"]
    rows = [
        [row.get_layer_display(), row.responsibility, *row.shares(), row.source_text, row.note]
        for row in Responsibility.objects.for_municipality(municipality)
    ]
    return header, rows


def to_csv(municipality: Municipality) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Japanese text correctly."""
    header, rows = export_table(municipality)
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(municipality: Municipality) -> bytes:
    header, rows = export_table(municipality)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "責任分界表"
    sheet.append([f"ガバメントクラウド 責任分界表　{municipality.name}"])
    sheet.append(["凡例: ◎責任 ○実施 △支援 協議"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F0")
    for cell in sheet[3]:
        cell.font = bold
        cell.fill = fill
    widths = [22, 40, 14, 14, 14, 14, 16, 60, 30]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row_cells in sheet.iter_rows(min_row=4):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C4"
    print_setup(sheet, municipality=municipality.name, title="ガバメントクラウド 責任分界表", header_rows=(3, 3))
    return workbook_bytes(workbook)
