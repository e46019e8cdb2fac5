"""What the parser understood of a report: plain dataclasses, independent of the database.

``piaops.assessments.parser.parse_report(text) -> ParsedReport`` produces these; the import service turns them
into model rows; the text exporter turns rows back into text that parses to the same structure. Line numbers are
1-based lines of the decoded input text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReportParseError(Exception):
    """The input is not an assessment report (or cannot be decoded). ``message`` is Japanese, for the user."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"{self.line}行目: {self.message}" if self.line else self.message


@dataclass
class ParseWarning:
    line: int
    message: str  # Japanese


@dataclass
class Span:
    start_line: int
    end_line: int


@dataclass
class ParsedCommitment:
    text: str
    kind: str  # vocab.CommitmentKind value
    cadence: str  # piaops.lib.cadence value that schedules (first periodic, else first stated; "" when none)
    span: Span
    # Every cadence the text states, in order of appearance: "年次(年2回)及び随時(新規要員着任時)" →
    # ["semiannual", "on_assignment"].
    cadences: list[str] = field(default_factory=list)


@dataclass
class ParsedMeasureBlock:
    party_label: str  # as written, e.g. "札幌市における措置"
    party_name: str  # normalised, e.g. "札幌市", "中間サーバー・プラットフォーム"
    text: str
    span: Span
    commitments: list[ParsedCommitment] = field(default_factory=list)
    # tenancy.Party.Kind value guessed from the name ("municipality", "intermediate_server", "eltax_contractor",
    # "government_cloud"), "" when unknown. Text without any party marker is the assessing body's: label and name
    # are then "" and the kind is "municipality".
    party_kind: str = ""
    field_label: str = ""  # the label column the text stood under, e.g. "具体的な内容" ("" when none)


@dataclass
class ParsedItem:
    number_path: str  # e.g. "Ⅳ-1-①", "Ⅳ-2", "Ⅲ-2-リスク1"
    title: str
    question: str  # the rating question, "" when none
    choices: list[str]  # e.g. ["特に力を入れて行っている", "十分に行っている", "十分に行っていない"] in 様式 order
    selected: str  # the selected choice text, "" when none
    text: str  # the item's whole body text
    span: Span
    blocks: list[ParsedMeasureBlock] = field(default_factory=list)
    group_title: str = ""  # the heading the item sits under: "監査" for Ⅳ-1-①, the process title for Ⅲ-n-リスクk
    # On an extra rated line inside a Section Ⅲ risk ("ユーザ認証の管理 [行っている]" → item
    # "Ⅲ-3-リスク2-ユーザ認証の管理"): the risk's path. "" for every other item.
    parent_path: str = ""


@dataclass
class ParsedSection:
    number: str  # "Ⅰ".."Ⅵ", or "別添3" etc.
    title: str
    text: str  # the whole section text (kept even when items are parsed: nothing is dropped)
    span: Span
    items: list[ParsedItem] = field(default_factory=list)


@dataclass
class ParsedChange:
    """One row of 別添3 変更箇所 (別添2 in a 重点項目評価書). From a table every column is known; from plain text
    lines, where the columns cannot be told apart, ``item`` holds what stands between the date and the timing."""

    line: int
    changed_on: str  # ISO date
    item: str
    before: str = ""
    after: str = ""
    timing: str = ""  # 事前 / 事後 (提出時期)
    explanation: str = ""  # 提出時期に係る説明


@dataclass
class ParsedField:
    """A labelled field of Ⅰ/Ⅱ/Ⅴ/Ⅵ (``parser.fields``): "事務の名称" → "住民基本台帳に関する事務"; a rated one
    ("対象人数" → "30万人以上") keeps the 様式's choices."""

    section: str  # the section's number as written ("Ⅰ", "Ⅱ", …)
    # the heading or entry it stands under, as written ("1. 特定個人情報ファイルを取り扱う事務", "システム1")
    group: str
    label: str  # as written, without its circled number
    value: str  # the text, or the selected choice of a rated field ("" when none was selected)
    line: int
    key: str = ""  # parser.fields.FIELD_KEYS key when piaops reads this field, else ""
    choices: list[str] = field(default_factory=list)


@dataclass
class ParsedReport:
    title: str
    sections: list[ParsedSection]
    warnings: list[ParseWarning] = field(default_factory=list)
    report_number: str = ""  # 評価書番号 when the text states it
    work_name: str = ""  # 評価書名 / 事務の名称 when stated
    business_name: str = ""  # Ⅰ ①事務の名称 when stated (the work a folder import matches the report to)
    form_version: str = ""  # 様式 version when stated
    tier: str = ""  # vocab.Tier value when stated
    published_on: str = ""  # ISO date when stated
    changes: list[ParsedChange] = field(default_factory=list)  # 変更箇所 rows
    approved_on: str = ""  # ISO date of the (特定)個人情報保護委員会's approval【行政機関等のみ】 when stated
    fields: list[ParsedField] = field(default_factory=list)  # Ⅰ/Ⅱ/Ⅴ/Ⅵ labelled fields, in order

    def items(self) -> list[ParsedItem]:
        return [item for section in self.sections for item in section.items]

    def commitments(self) -> list[ParsedCommitment]:
        return [c for item in self.items() for block in item.blocks for c in block.commitments]
