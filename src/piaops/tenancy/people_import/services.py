"""Bulk import of units and people from a personnel system's export (README「職員データの取込」).

Two steps, the same for the web page, the CLI and the benchmark:

1. :func:`people_import_plan` reads the files (``tables``), validates every row against the file and the
   database, and returns an :class:`ImportPlan`: every issue with its file, line and Japanese reason, the counts,
   and the changes it would make. It never writes and never raises for bad content.
2. :func:`people_import_commit` plans again inside one transaction (the database may have changed since the
   preview), refuses with :class:`ImportFileError` if there is any issue, else applies the plan with bulk queries
   and writes one IMPORT entry to the audit trail. All or nothing.

Upsert keys: 組織コード for units, 職員番号 for people. A column absent from the file leaves that field alone; a
unit or person absent from the file is left alone (never deleted). Each person row carries the current assignment:
the same unit and start date updates it; a different one is a transfer that ends the open assignment the day
before the new one starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from itertools import repeat
from operator import itemgetter
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import QuerySet

from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.services import record
from piaops.lib.bulkinsert import collector_paused, insert_columns
from piaops.lib.dbstats import analyze_after_commit
from piaops.tenancy.imported_files import AlreadyImported, Kind, claim, files_sha256, refuse_if_imported
from piaops.tenancy.models import Assignment, Municipality, OrgUnit, Party, Person
from piaops.tenancy.people_import.plan import (
    ASSIGNMENT_FIELDS,
    EMPLOYMENT_HINT,
    EMPLOYMENT_SYNONYMS,
    KIND_SYNONYMS,
    PERSON_FIELDS,
    FileInfo,
    ImportPlan,
    PersonSpec,
    Progress,
    UnitSpec,
)
from piaops.tenancy.people_import.tables import (
    Cell,
    ImportFileError,
    Issue,
    Row,
    Table,
    ValueProblem,
    parse_code,
    parse_date,
    parse_flag,
    parse_text,
    read_files,
)

__all__ = [
    "ImportFileError",
    "ImportPlan",
    "Issue",
    "Progress",
    "people_import_commit",
    "people_import_plan",
]

BATCH = 2000
M = TypeVar("M", bound=models.Model)

_KIND_BY_SUFFIX = (
    ("区役所", OrgUnit.Kind.OFFICE),
    ("事務所", OrgUnit.Kind.OFFICE),
    ("局", OrgUnit.Kind.BUREAU),
    ("部", OrgUnit.Kind.DEPARTMENT),
    ("課", OrgUnit.Kind.DIVISION),
    ("室", OrgUnit.Kind.DIVISION),
    ("係", OrgUnit.Kind.SECTION),
)


class _NoProgress:
    def stage(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


def _problem(issues: list[Issue], table: Table, row: Row, column: str, message: str) -> None:
    issues.append(Issue(table.source, row.line, column, message))


def _each(table: Table, progress: Progress) -> Iterator[Row]:
    for i, row in enumerate(table.rows, start=1):
        if i % 500 == 0:
            progress.advance(500)
        yield row
    progress.advance(len(table.rows) % 500)


def _value(
    issues: list[Issue], table: Table, row: Row, column: str, parse: Callable[[Cell], Any], *, required: bool = False
) -> tuple[bool, Any]:
    """(present, parsed value). A refused or bad cell reports an issue and counts as absent."""
    if column in row.refused or column not in table.columns:
        return False, None
    raw = row.values.get(column, "")
    if required and raw == "":
        _problem(issues, table, row, column, "必須の項目です。入力してください。")
        return False, None
    try:
        return True, parse(raw)
    except ValueProblem as exc:
        _problem(issues, table, row, column, str(exc))
        return False, None


class _Bad:
    """A cell the plan does not take: the Japanese reason to report, or "" when there is none to report (the
    cell was refused as the file was read, and that was reported then)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_REFUSED_CELL = _Bad("")
_REQUIRED = "必須の項目です。入力してください。"


def _column(
    table: Table, column: str, parse: Callable[[Cell], Any], *, required: bool = False
) -> tuple[list[Any], bool] | None:
    """Each row's cell of ``column`` as :func:`_value` takes it — the parsed value, or a :class:`_Bad` — and
    whether none is a :class:`_Bad`; None when the file has no such column. The cells of a column repeat (dates,
    flags, unit codes, employment types), so each distinct cell is parsed once — the parsers are pure functions of
    the cell."""
    if column not in table.columns:
        return None
    raws = table.cells[column]
    outcomes: dict[Cell, Any] = {}
    clean = True
    for raw in set(raws):
        if required and raw == "":
            outcomes[raw], clean = _Bad(_REQUIRED), False
            continue
        try:
            outcomes[raw] = parse(raw)
        except ValueProblem as exc:
            outcomes[raw], clean = _Bad(str(exc)), False
    cells = list(map(outcomes.__getitem__, raws))
    for i, columns in table.refused.items():
        if column in columns:
            cells[i] = _REFUSED_CELL
            clean = False
    return cells, clean


def _choice(synonyms: dict[str, str], hint: str) -> Callable[[Cell], str]:
    import unicodedata

    lookup = {unicodedata.normalize("NFKC", k).replace(" ", "").lower(): v for k, v in synonyms.items()}

    def parse(value: Cell) -> str:
        text = str(value)
        key = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "").lower()
        if key not in lookup:
            raise ValueProblem(f"「{text}」は使えません。{hint} のいずれかを入力してください。")
        return lookup[key]

    return parse


def _email(value: Cell) -> str:
    text = str(value).strip()
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValueProblem("メールアドレスの形式が正しくありません。") from None
    return text


def _kind_from_name(name: str) -> str:
    for suffix, kind in _KIND_BY_SUFFIX:
        if name.endswith(suffix):
            return kind
    return OrgUnit.Kind.DIVISION


# ---- planning ----------------------------------------------------------------------------------------------------


def _plan_units(plan: ImportPlan, table: Table, municipality: Municipality, progress: Progress) -> dict[str, int]:
    """Validate the units table; returns the codes of the units people may be assigned to (active after import)."""
    issues = plan.issues
    existing = {u.code: u for u in OrgUnit.objects.filter(municipality=municipality)}
    unit_kind = _choice(KIND_SYNONYMS, "局・部・課・係・区役所・その他")
    seen: dict[str, int] = {}
    specs: list[UnitSpec] = []
    progress.stage("組織データの検証", len(table.rows))
    for row in _each(table, progress):
        has_code, code = _value(issues, table, row, "組織コード", lambda v: parse_code(v, max_length=20), required=True)
        values: dict[str, Any] = {}
        has_name, name = _value(issues, table, row, "組織名", lambda v: parse_text(v, max_length=100), required=True)
        if has_name:
            values["name"] = name
        has_parent, parent = _value(
            issues, table, row, "上位組織コード", lambda v: parse_code(v, max_length=20) if v != "" else None
        )
        has_kind, kind = _value(issues, table, row, "組織種別", lambda v: unit_kind(v) if v else "")
        if has_kind and kind:
            values["kind"] = kind
        for model_field, column in (("is_governance", "番号制度総括部門"), ("is_it", "情報システム部門")):
            present, flag = _value(issues, table, row, column, parse_flag)
            if present:
                values[model_field] = flag
        present, active = _value(issues, table, row, "有効", lambda v: parse_flag(v) if v != "" else True)
        if present:
            values["is_active"] = active
        if not has_code:
            continue
        if code in seen:
            _problem(issues, table, row, "組織コード", f"組織コード「{code}」が{seen[code]}行目と重複しています。")
            continue
        seen[code] = row.line
        if has_parent and parent == code:
            _problem(issues, table, row, "上位組織コード", "自分自身を上位組織にはできません。")
            continue
        if "kind" not in values and code not in existing and has_name:
            values["kind"] = _kind_from_name(name)
        specs.append(UnitSpec(row.line, code, parent if has_parent else None, values))
        if has_parent:
            plan._parents[code] = parent
    plan.unit_rows = len(table.rows)

    governance = [s for s in specs if s.values.get("is_governance")]
    if len(governance) > 1:
        lines = "・".join(str(s.line) for s in governance)
        issues.append(Issue(table.source, None, "番号制度総括部門", f"番号制度総括部門は1つだけです（{lines}行目）。"))
    elif governance:
        plan._governance_code = governance[0].code
        # The flag moves: the unit that held it loses it even when the file does not list that unit.
        listed = {s.code for s in specs}
        for code, unit in existing.items():
            if unit.is_governance and code != plan._governance_code and code not in listed:
                plan.counts.units_updated += 1
                plan.changes.append(("組織 更新", code, {"is_governance": True}, {"is_governance": False}))

    codes = set(existing) | set(seen)
    by_id = {u.pk: u for u in existing.values()}
    parent_of: dict[str, str | None] = {
        code: (by_id[u.parent_id].code if u.parent_id else None) for code, u in existing.items()
    }
    for spec in specs:
        if spec.code in plan._parents:
            parent = plan._parents[spec.code]
            if parent is not None and parent not in codes:
                issues.append(
                    Issue(
                        table.source,
                        spec.line,
                        "上位組織コード",
                        f"上位組織コード「{parent}」の組織が、登録済みの組織にも組織データにもありません。",
                    )
                )
                continue
            parent_of[spec.code] = parent
        elif spec.code not in existing:
            parent_of[spec.code] = None
    # A cycle would make the organisation tree endless.
    for spec in specs:
        walk, code = set(), spec.code
        while code is not None and code not in walk:
            walk.add(code)
            code = parent_of.get(code)
        if code is not None:
            issues.append(
                Issue(table.source, spec.line, "上位組織コード", "上位組織をたどると元の組織に戻ります（循環）。")
            )
            break

    for spec in specs:
        unit = existing.get(spec.code)
        if unit is None:
            plan._units_new.append(spec)
            plan.counts.units_created += 1
            plan.changes.append(("組織 新規", spec.code, {}, dict(spec.values)))
            continue
        changed = {k: v for k, v in spec.values.items() if getattr(unit, k) != v}
        before_parent = by_id[unit.parent_id].code if unit.parent_id else None
        if spec.code in plan._parents and plan._parents[spec.code] != before_parent:
            changed["parent"] = plan._parents[spec.code]
        if changed:
            before = {k: (before_parent if k == "parent" else getattr(unit, k)) for k in changed}
            plan._units_changed.append((unit.pk, changed))
            plan.counts.units_updated += 1
            plan.changes.append(("組織 更新", spec.code, before, changed))
        else:
            plan.counts.units_unchanged += 1
    active = {code for code, u in existing.items() if u.is_active}
    active |= {s.code for s in specs if s.values.get("is_active", True)}
    active -= {s.code for s in specs if s.values.get("is_active") is False}
    return {code: 1 for code in active}


def _plan_people(
    plan: ImportPlan, table: Table, municipality: Municipality, usable_units: dict[str, int], progress: Progress
) -> None:
    issues = plan.issues
    known_units = {u.code: u for u in OrgUnit.objects.filter(municipality=municipality).only("id", "code", "is_active")}
    parties = dict(Party.objects.filter(municipality=municipality).values_list("name", "id"))
    employment = _choice(EMPLOYMENT_SYNONYMS, EMPLOYMENT_HINT)
    seen: dict[str, int] = {}
    specs: list[PersonSpec] = []
    lines = table.lines
    progress.stage("職員データの検証", len(lines))
    # Every cell parsed column by column (once per distinct value); then row by row, the issues in the order the
    # row's columns are checked, and the checks across columns. A column absent from the file is no cell at all.
    nothing: list[Any] = [_REFUSED_CELL] * len(lines)

    def cells(column: str, parse: Callable[[Cell], Any], *, required: bool = False) -> list[Any]:
        found = _column(table, column, parse, required=required)
        return nothing if found is None else found[0]

    numbers = cells("職員番号", lambda v: parse_code(v, max_length=30), required=True)
    person = [
        (model_field, column, *found)
        for model_field, column, parse, required in (
            ("name", "氏名", lambda v: parse_text(v, max_length=100), True),
            ("name_kana", "氏名カナ", lambda v: parse_text(v, max_length=100, kana=True), False),
            ("employment_type", "雇用形態", employment, True),
            ("email", "メールアドレス", _email, False),
            ("employed_from", "任用開始日", parse_date, False),
            ("employed_to", "任用終了日", parse_date, False),
        )
        if (found := _column(table, column, parse, required=required)) is not None
    ]
    # Per row, the cells of the person's columns present in the file; when none is bad, the values as they are.
    person_fields = [model_field for model_field, _, _, _ in person]
    person_columns = [column for _, column, _, _ in person]
    person_clean = all(clean for _, _, _, clean in person)
    person_cells = zip(*(found for _, _, found, _ in person), strict=True) if person else repeat((), len(lines))
    party_names = cells("所属事業者", lambda v: parse_text(v, max_length=200))
    unit_codes = cells("所属組織コード", lambda v: parse_code(v, max_length=20) if v != "" else None)
    starts = cells("配属開始日", parse_date)
    ends = cells("配属終了日", parse_date)
    titles = cells("職名", lambda v: parse_text(v, max_length=100))
    flags = cells("特定個人情報取扱", parse_flag)
    has_unit_column = "所属組織コード" in table.columns
    has_start_column = "配属開始日" in table.columns
    both_employment_dates = "任用開始日" in table.columns and "任用終了日" in table.columns
    source = table.source
    for i, (line, number, found, party_name, unit_code, start, end, title, handles) in enumerate(
        zip(lines, numbers, person_cells, party_names, unit_codes, starts, ends, titles, flags, strict=True), start=1
    ):
        if not i % 500:
            progress.advance(500)
        has_number = type(number) is not _Bad
        if not has_number and number.message:
            issues.append(Issue(source, line, "職員番号", number.message))
        values: dict[str, Any]
        if person_clean:
            values = dict(zip(person_fields, found, strict=True))
        else:
            values = {}
            for model_field, column, value in zip(person_fields, person_columns, found, strict=True):
                if type(value) is _Bad:
                    if value.message:
                        issues.append(Issue(source, line, column, value.message))
                else:
                    values[model_field] = value
        if type(party_name) is _Bad:
            if party_name.message:
                issues.append(Issue(source, line, "所属事業者", party_name.message))
        elif party_name and party_name not in parties:
            issues.append(Issue(source, line, "所属事業者", f"事業者「{party_name}」が登録されていません。"))
        else:
            values["party_id"] = parties.get(party_name) if party_name else None
        if (
            both_employment_dates
            and values.get("employed_from")
            and values.get("employed_to")
            and values["employed_to"] < values["employed_from"]
        ):
            issues.append(Issue(source, line, "任用終了日", "任用終了日が任用開始日より前になっています。"))
        spec_assignment: dict[str, Any] = {}
        has_unit = type(unit_code) is not _Bad
        if not has_unit:
            if unit_code.message:
                issues.append(Issue(source, line, "所属組織コード", unit_code.message))
            unit_code = None
        has_start = type(start) is not _Bad
        if not has_start:
            if start.message:
                issues.append(Issue(source, line, "配属開始日", start.message))
            start = None
        has_end = type(end) is not _Bad
        if not has_end:
            if end.message:
                issues.append(Issue(source, line, "配属終了日", end.message))
            end = None
        if type(title) is not _Bad:
            spec_assignment["title"] = title
        elif title.message:
            issues.append(Issue(source, line, "職名", title.message))
        if type(handles) is not _Bad:
            spec_assignment["handles_specific_personal_info"] = handles
        elif handles.message:
            issues.append(Issue(source, line, "特定個人情報取扱", handles.message))
        if has_end:
            spec_assignment["end_date"] = end
        if has_unit and unit_code is not None:
            if unit_code not in usable_units:
                reason = "は廃止（無効）になっています" if unit_code in known_units else "が登録されていません"
                issues.append(Issue(source, line, "所属組織コード", f"組織コード「{unit_code}」の組織{reason}。"))
                has_unit = False
            if has_start and start is None:
                issues.append(Issue(source, line, "配属開始日", "所属組織コードがある行は配属開始日が必須です。"))
            elif not has_start_column:
                issues.append(Issue(source, line, "配属開始日", "所属組織コードがある行は配属開始日が必須です。"))
        elif has_start and start is not None and has_unit_column:
            issues.append(Issue(source, line, "所属組織コード", "配属開始日がある行は所属組織コードが必須です。"))
        if start is not None and end is not None and end < start:
            issues.append(Issue(source, line, "配属終了日", "配属終了日が配属開始日より前になっています。"))
            has_unit = False
        if not has_number:
            continue
        if number in seen:
            duplicate = f"職員番号「{number}」が{seen[number]}行目と重複しています。"
            issues.append(Issue(source, line, "職員番号", duplicate))
            continue
        seen[number] = line
        spec = PersonSpec(line, number, values)
        if has_unit and unit_code is not None and start is not None:
            spec.unit_code, spec.start, spec.assignment = unit_code, start, spec_assignment
        specs.append(spec)
    progress.advance(len(lines) % 500)
    plan.people_rows = len(lines)
    if plan.issues:
        return
    _diff_people(plan, table, municipality, specs, known_units)


def _diff_people(
    plan: ImportPlan, table: Table, municipality: Municipality, specs: list[PersonSpec], units: dict[str, OrgUnit]
) -> None:
    """Compare valid rows with the database: new and changed people, assignments created, updated or closed."""
    fields = ["id", "staff_number", *PERSON_FIELDS]
    existing = {p["staff_number"]: p for p in Person.objects.filter(municipality=municipality).values(*fields)}
    unit_code_of = {u.pk: code for code, u in units.items()}
    assignments: dict[int, list[dict[str, Any]]] = {}
    if existing:
        for a in Assignment.objects.filter(municipality=municipality).values(
            "id", "person_id", "unit_id", "start_date", *ASSIGNMENT_FIELDS
        ):
            assignments.setdefault(a["person_id"], []).append(a)
    changes, people_new, assign_new = plan.changes, plan._people_new, plan._assign_new
    for spec in specs:
        person = existing.get(spec.staff_number) if existing else None
        if person is None:
            people_new.append(spec)
            if spec.unit_code and spec.start is not None:
                shown = {**spec.values, "unit": spec.unit_code, "start_date": spec.start, **spec.assignment}
                changes.append(("職員 新規", spec.staff_number, {}, shown))
                assign_new.append((spec.staff_number, spec.unit_code, spec.start, spec.assignment))
                plan.counts.assignments_created += 1
            else:
                changes.append(("職員 新規", spec.staff_number, {}, dict(spec.values)))
            plan.counts.people_created += 1
            continue
        changed = {k: v for k, v in spec.values.items() if person[k] != v}
        if changed:
            plan._people_changed.append((person["id"], changed))
            plan.counts.people_updated += 1
            plan.changes.append(("職員 更新", spec.staff_number, {k: person[k] for k in changed}, changed))
        else:
            plan.counts.people_unchanged += 1
        if not spec.unit_code or spec.start is None:
            continue
        current = assignments.get(person["id"], [])
        unit = units.get(spec.unit_code)
        same = next(
            (a for a in current if unit is not None and a["unit_id"] == unit.pk and a["start_date"] == spec.start),
            None,
        )
        if same is not None:
            diff = {k: v for k, v in spec.assignment.items() if same[k] != v}
            if diff:
                plan._assign_changed.append((same["id"], diff))
                plan.counts.assignments_updated += 1
                plan.changes.append(
                    (
                        "配属 更新",
                        f"{spec.staff_number} {spec.unit_code} {spec.start}",
                        {k: same[k] for k in diff},
                        diff,
                    )
                )
            continue
        overlapping = [a for a in current if a["end_date"] is None or a["end_date"] >= spec.start]
        later = [a for a in overlapping if a["start_date"] >= spec.start]
        if later:
            first = min(later, key=lambda a: a["start_date"])
            plan.issues.append(
                Issue(
                    table.source,
                    spec.line,
                    "配属開始日",
                    f"登録済みの配属（{unit_code_of.get(first['unit_id'], '')}、{first['start_date']:%Y-%m-%d}開始）と"
                    "期間が重なります。過去の配属の訂正は画面から行ってください。",
                )
            )
            continue
        for a in overlapping:
            end = spec.start - dt.timedelta(days=1)
            plan._assign_closed.append((a["id"], end))
            plan.counts.assignments_closed += 1
            plan.changes.append(
                (
                    "配属 終了",
                    f"{spec.staff_number} {unit_code_of.get(a['unit_id'], '')} {a['start_date']}",
                    {"end_date": a["end_date"]},
                    {"end_date": end},
                )
            )
        plan._assign_new.append((spec.staff_number, spec.unit_code, spec.start, spec.assignment))
        plan.counts.assignments_created += 1
        plan.changes.append(
            ("配属 新規", spec.staff_number, {}, {"unit": spec.unit_code, "start_date": spec.start, **spec.assignment})
        )


def _key(files: list[tuple[str, bytes]]) -> str:
    return files_sha256(content for _, content in files)


@collector_paused()
def people_import_plan(
    *, municipality: Municipality, files: list[tuple[str, bytes]], progress: Progress | None = None
) -> ImportPlan:
    """Validate ``files`` (name, content) against ``municipality``; never writes, never raises for bad content."""
    progress = progress or _NoProgress()
    plan = ImportPlan(files=[FileInfo(n, hashlib.sha256(c).hexdigest(), len(c)) for n, c in files])
    try:
        refuse_if_imported(
            municipality_id=municipality.pk, kind=Kind.PEOPLE, sha256=_key(files), several=len(files) > 1
        )
    except AlreadyImported as exc:
        plan.issues.append(Issue("、".join(f.name for f in plan.files), None, "", str(exc)))
        return plan
    try:
        read = read_files(files)
    except ImportFileError as exc:
        plan.issues.extend(exc.issues)
        return plan
    for info, file_format in zip(plan.files, read.formats, strict=False):
        info.format = file_format
    plan.issues.extend(read.issues)
    units = next((t for t in read.tables if t.kind == "units"), None)
    people = next((t for t in read.tables if t.kind == "people"), None)
    usable: dict[str, int] = {}
    if units is not None and units.lines:
        usable = _plan_units(plan, units, municipality, progress)
    else:
        usable = {
            code: 1
            for code in OrgUnit.objects.filter(municipality=municipality, is_active=True).values_list("code", flat=True)
        }
    if people is not None and people.lines:
        _plan_people(plan, people, municipality, usable, progress)
    if (units is None or not units.lines) and (people is None or not people.lines) and not plan.issues:
        plan.issues.append(Issue("、".join(f.name for f in plan.files), None, "", "取り込むデータ行がありません。"))
    # In reading order: by file, line, then the column's place in the file.
    order = {t.source: (i, {c: n for n, c in enumerate(t.columns)}) for i, t in enumerate(read.tables)}
    plan.issues.sort(
        key=lambda i: (
            order.get(i.source, (len(order), {}))[0],
            i.line or 0,
            order.get(i.source, (0, {}))[1].get(i.column, len(PERSON_FIELDS) + 20),
        )
    )
    return plan


# ---- applying ----------------------------------------------------------------------------------------------------


def _by_pk(queryset: QuerySet[M], ids: list[int]) -> dict[int, M]:
    """Rows by primary key, fetched in chunks: SQLite refuses a query with more than 32,766 parameters."""
    found: dict[int, M] = {}
    for first in range(0, len(ids), BATCH):
        found |= {obj.pk: obj for obj in queryset.filter(pk__in=ids[first : first + BATCH])}
    return found


def _apply_units(plan: ImportPlan, municipality: Municipality) -> None:
    m = municipality
    if plan._governance_code is not None:
        # The file names the 番号制度総括部門: the flag moves to it (one per municipality, a DB constraint).
        OrgUnit.objects.filter(municipality=m, is_governance=True).exclude(code=plan._governance_code).update(
            is_governance=False
        )
    new_units = [OrgUnit(municipality=m, code=s.code, **s.values) for s in plan._units_new]
    OrgUnit.objects.bulk_create(new_units, batch_size=BATCH)
    changed = []
    by_id = _by_pk(OrgUnit.objects.filter(municipality=m), [pk for pk, _ in plan._units_changed])
    for pk, values in plan._units_changed:
        unit = by_id[pk]
        for key, value in values.items():
            if key != "parent":
                setattr(unit, key, value)
        changed.append(unit)
    if changed:
        OrgUnit.objects.bulk_update(changed, ["name", "kind", "is_governance", "is_it", "is_active"], batch_size=BATCH)
    # Parents by code, then every path and depth recomputed (a moved unit moves its whole subtree).
    units = list(OrgUnit.objects.filter(municipality=m))
    by_code = {u.code: u for u in units}
    for code, parent_code in plan._parents.items():
        by_code[code].parent_id = by_code[parent_code].pk if parent_code else None
    by_pk = {u.pk: u for u in units}
    dirty: list[OrgUnit] = []
    for unit in units:
        chain, node = [], unit
        while node is not None:
            chain.append(node.pk)
            node = by_pk.get(node.parent_id) if node.parent_id else None
        path = "/" + "".join(f"{pk}/" for pk in reversed(chain))
        depth = len(chain) - 1
        if (unit.path, unit.depth) != (path, depth):
            unit.path, unit.depth = path, depth
            dirty.append(unit)
    OrgUnit.objects.bulk_update(dirty, ["parent", "path", "depth"], batch_size=BATCH)


PERSON_COLUMNS: tuple[str, ...] = ("municipality_id", "staff_number", "name", "name_kana", "employment_type")
PERSON_COLUMNS += ("party_id", "email", "employed_from", "employed_to")
ASSIGNMENT_COLUMNS: tuple[str, ...] = ("municipality_id", "person_id", "unit_id", "title", "start_date", "end_date")
ASSIGNMENT_COLUMNS += ("handles_specific_personal_info",)


def _apply_people(plan: ImportPlan, municipality: Municipality, progress: Progress) -> None:
    """New people and assignments go in as plain rows (``insert_columns``: COPY on PostgreSQL), every cell validated
    by the plan; the few changed rows of a re-import are updated through the ORM."""
    m = municipality
    progress.stage("職員データの登録", len(plan._people_new) + len(plan._people_changed) + len(plan._assign_new))
    # The model's defaults, which the ORM would have filled in: the columns absent from the file.
    person_defaults = {"name_kana": "", "party_id": None, "email": "", "employed_from": None, "employed_to": None}
    new = [s.values for s in plan._people_new]
    insert_columns(
        Person._meta.db_table,
        PERSON_COLUMNS,
        [
            [m.pk] * len(new),
            [s.staff_number for s in plan._people_new],
            *(
                list(map(dict.get, new, repeat(c), repeat(person_defaults[c])))
                if c in person_defaults
                else list(map(itemgetter(c), new))
                for c in PERSON_COLUMNS[2:]
            ),
        ],
        progress=progress.advance,
    )
    if plan._people_changed:
        ids = [pk for pk, _ in plan._people_changed]
        people = _by_pk(Person.objects.filter(municipality=m), ids)
        touched: set[str] = set()
        for pk, values in plan._people_changed:
            for key, value in values.items():
                setattr(people[pk], key, value)
                touched.add(key)
        Person.objects.bulk_update(list(people.values()), sorted(touched), batch_size=BATCH)
        progress.advance(len(ids))
    if plan._assign_closed or plan._assign_changed:
        ids = [pk for pk, _ in plan._assign_closed] + [pk for pk, _ in plan._assign_changed]
        rows = _by_pk(Assignment.objects.filter(municipality=m), ids)
        for pk, end in plan._assign_closed:
            rows[pk].end_date = end
        for pk, values in plan._assign_changed:
            for key, value in values.items():
                setattr(rows[pk], key, value)
        Assignment.objects.bulk_update(list(rows.values()), list(ASSIGNMENT_FIELDS), batch_size=BATCH)
    if plan._assign_new:
        person_ids = dict(
            Person.objects.filter(municipality=m).values_list("staff_number", "id").iterator(chunk_size=BATCH)
        )
        unit_ids = dict(OrgUnit.objects.filter(municipality=m).values_list("code", "id"))
        numbers, unit_codes, starts, values = zip(*plan._assign_new, strict=True)
        insert_columns(
            Assignment._meta.db_table,
            ASSIGNMENT_COLUMNS,
            [
                [m.pk] * len(numbers),
                list(map(person_ids.__getitem__, numbers)),
                list(map(unit_ids.__getitem__, unit_codes)),
                list(map(dict.get, values, repeat("title"), repeat(""))),
                starts,
                list(map(dict.get, values, repeat("end_date"), repeat(None))),
                list(map(dict.get, values, repeat("handles_specific_personal_info"), repeat(False))),
            ],
            progress=progress.advance,
        )


def _audit_detail(plan: ImportPlan) -> dict[str, Any]:
    """The IMPORT entry's ``after``: files, counts, and per row what changed (keys and changed fields only)."""
    created: dict[str, list[str]] = {}
    changes: list[dict[str, Any]] = []
    for kind, key, before, after in plan.changes:
        if kind in ("組織 新規", "職員 新規"):
            created.setdefault(kind, []).append(key)  # the file (SHA-256 above) holds their values
        else:
            changes.append({"kind": kind, "key": key, "before": before, "after": after})
    return {
        "files": [info.__dict__ for info in plan.files],
        "counts": plan.counts.as_dict(),
        "created": created,
        "changes": changes,
    }


def _summary(plan: ImportPlan) -> str:
    c = plan.counts
    names = "、".join(f.name for f in plan.files)
    return (
        f"職員データ取込（{names}）: 組織 新規{c.units_created}・更新{c.units_updated}、"
        f"職員 新規{c.people_created}・更新{c.people_updated}、"
        f"配属 新規{c.assignments_created}・更新{c.assignments_updated}・終了{c.assignments_closed}"
    )


@collector_paused()
def people_import_commit(
    *, municipality: Municipality, files: list[tuple[str, bytes]], progress: Progress | None = None
) -> tuple[ImportPlan, AuditEntry]:
    """Import ``files`` into ``municipality``, all or nothing; raises :class:`ImportFileError` on any issue.

    Returns the plan that was applied and the IMPORT audit entry (the record of this import).
    """
    progress = progress or _NoProgress()
    with transaction.atomic():
        # One import per municipality at a time: the second waits, then plans against the first one's result.
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        plan = people_import_plan(municipality=municipality, files=files, progress=progress)
        if plan.issues:
            raise ImportFileError(plan.issues)
        try:
            claim(
                municipality_id=municipality.pk,
                kind=Kind.PEOPLE,
                sha256=_key(files),
                file_name="、".join(f.name for f in plan.files),
                rows=plan.unit_rows + plan.people_rows,
                several=len(files) > 1,
            )
        except AlreadyImported as exc:  # not seen by the plan: only if the lock above was bypassed
            raise ImportFileError([Issue("、".join(f.name for f in plan.files), None, "", str(exc))]) from exc
        _apply_units(plan, municipality)
        _apply_people(plan, municipality, progress)
        analyze_after_commit(OrgUnit, rows=plan.unit_rows)  # each table by the rows written into it
        analyze_after_commit(Person, Assignment, rows=plan.people_rows)
        entry = record(
            action=Action.IMPORT,
            municipality_id=municipality.pk,
            object_type="tenancy.PeopleImport",
            object_id=plan.files[0].sha256[:16] if plan.files else "",
            object_repr="、".join(f.name for f in plan.files),
            summary=_summary(plan),
            after=_audit_detail(plan),
        )
    return plan, entry
