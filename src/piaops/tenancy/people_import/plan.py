"""What a people import would do (:class:`ImportPlan`), and the words it reads: the synonyms of the employment
types and unit kinds, the model fields each column sets. Shared by the planning and the applying
(``people_import.services``) and by the pages that show a plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from piaops.tenancy.models import EmploymentType, OrgUnit
from piaops.tenancy.people_import.tables import Issue

EMPLOYMENT_SYNONYMS: dict[str, str] = {
    **{label: value for value, label in EmploymentType.choices},
    **{value: value for value in EmploymentType.values},
    "正職員": EmploymentType.REGULAR,
    "正規": EmploymentType.REGULAR,
    "常勤職員": EmploymentType.REGULAR,
    "会計年度任用": EmploymentType.FISCAL_YEAR,
    "会計年度": EmploymentType.FISCAL_YEAR,
    "再任用": EmploymentType.REEMPLOYED,
    "再任用短時間勤務職員": EmploymentType.REEMPLOYED,
    "派遣": EmploymentType.DISPATCHED,
    "人材派遣": EmploymentType.DISPATCHED,
    "委託": EmploymentType.CONTRACTOR,
    "委託先": EmploymentType.CONTRACTOR,
    "業務委託": EmploymentType.CONTRACTOR,
}
KIND_SYNONYMS: dict[str, str] = {
    **{label: value for value, label in OrgUnit.Kind.choices},
    **{value: value for value in OrgUnit.Kind.values},
    "室": OrgUnit.Kind.DIVISION,
    "担当": OrgUnit.Kind.SECTION,
    "区役所": OrgUnit.Kind.OFFICE,
    "事業所": OrgUnit.Kind.OFFICE,
    "事務所": OrgUnit.Kind.OFFICE,
    "出張所": OrgUnit.Kind.OFFICE,
}
EMPLOYMENT_HINT = "・".join(EmploymentType.labels)

# Model field ← column, for the fields an import may set.
PERSON_FIELDS = {
    "name": "氏名",
    "name_kana": "氏名カナ",
    "employment_type": "雇用形態",
    "email": "メールアドレス",
    "employed_from": "任用開始日",
    "employed_to": "任用終了日",
    "party_id": "所属事業者",
}
ASSIGNMENT_FIELDS = {"title": "職名", "end_date": "配属終了日", "handles_specific_personal_info": "特定個人情報取扱"}


class Progress(Protocol):
    """What a progress display needs (the CLI passes a tqdm bar; the web page passes nothing)."""

    def stage(self, label: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...


@dataclass
class FileInfo:
    name: str
    sha256: str
    size: int
    format: str = ""


@dataclass
class Counts:
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    assignments_created: int = 0
    assignments_updated: int = 0
    assignments_closed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class UnitSpec:
    line: int
    code: str
    parent_code: str | None  # None: column absent or empty (a root, or leave as is for an existing unit)
    values: dict[str, Any]


@dataclass(slots=True)
class PersonSpec:
    line: int
    staff_number: str
    values: dict[str, Any]
    unit_code: str | None = None
    start: dt.date | None = None
    assignment: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPlan:
    """What an import would do. ``issues`` empty means it may be committed."""

    files: list[FileInfo]
    issues: list[Issue] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    unit_rows: int = 0
    people_rows: int = 0
    # Changes, as (key, before, after) for display and the audit trail.
    changes: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    _units_new: list[UnitSpec] = field(default_factory=list)
    _units_changed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _parents: dict[str, str | None] = field(default_factory=dict)  # unit code → parent code, for set parents
    _governance_code: str | None = None
    _people_new: list[PersonSpec] = field(default_factory=list)
    _people_changed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _assign_new: list[tuple[str, str, dt.date, dict[str, Any]]] = field(default_factory=list)
    _assign_changed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _assign_closed: list[tuple[int, dt.date]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues
