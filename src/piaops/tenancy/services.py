"""Writes to the tenant and its roster. Every function is keyword-only, validates (Japanese messages), writes,
and records the change in the audit trail in the same transaction.

Failures raise ``django.core.exceptions.ValidationError``; a dict error names the field it concerns (the keys are
the model's field names, and ``password`` for passwords), so a view can attach it to its form.

Views, CLI commands and imports call these functions; nothing of the kind lives in ``save()`` or signals.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from piaops.audittrail.services import record_create, record_delete, record_update, snapshot
from piaops.tenancy.models import (
    Assignment,
    Municipality,
    OrgUnit,
    Party,
    Person,
    Role,
    RoleGrant,
    User,
    Work,
    WorkUnit,
)

UNIT_SCOPED_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})


@contextlib.contextmanager
def _changing(obj: Any) -> Iterator[dict[str, Any]]:
    """An atomic block for changing ``obj``; yields its snapshot (the audit 'before').

    When the block fails (a refused value), ``obj`` is reloaded, so a caller holding it, such as the page showing
    the error, never sees the refused values as if they were stored.
    """
    try:
        with transaction.atomic():
            yield snapshot(obj)
    except BaseException:
        obj.refresh_from_db()
        raise


def _same_tenant(municipality_id: int, field: str, *objs: object) -> None:
    """Refuse an object of another municipality (a forged id that slipped past a form)."""
    for obj in objs:
        if obj is not None and getattr(obj, "municipality_id", None) != municipality_id:
            raise ValidationError({field: "選択された項目はこの団体のものではありません。"})


# --- 団体 -------------------------------------------------------------------------------------------------


def municipality_update(
    *, municipality: Municipality, name: str, code: str, onsite_audit_cycle_years: int
) -> Municipality:
    """Change the tenant's settings. The 全国地方公共団体コード must carry a valid check digit."""
    with _changing(municipality) as before:
        municipality.name = name
        municipality.code = code
        municipality.onsite_audit_cycle_years = onsite_audit_cycle_years
        if onsite_audit_cycle_years < 1:
            raise ValidationError({"onsite_audit_cycle_years": "現地監査の周期は1年度以上を入力してください。"})
        if Municipality.objects.filter(code=code).exclude(pk=municipality.pk).exists():
            raise ValidationError({"code": "この全国地方公共団体コードは既に登録されています。"})
        municipality.full_clean()
        municipality.save()
        record_update(municipality, before=before, municipality_id=municipality.pk, summary="団体の設定を変更")
    return municipality


# --- 組織 -------------------------------------------------------------------------------------------------


def _check_unit_code(unit: OrgUnit) -> None:
    clash = OrgUnit.objects.filter(municipality_id=unit.municipality_id, code=unit.code).exclude(pk=unit.pk)
    if clash.exists():
        raise ValidationError({"code": "この組織コードは既に使われています。"})


def _take_governance(unit: OrgUnit) -> None:
    """Only one unit is the 番号制度総括部門: the previous one gives the mark up (recorded) before ``unit`` takes it."""
    for previous in OrgUnit.objects.filter(municipality_id=unit.municipality_id, is_governance=True).exclude(
        pk=unit.pk
    ):
        before = snapshot(previous)
        previous.is_governance = False
        previous.save(update_fields=["is_governance"])
        record_update(
            previous, before=before, municipality_id=previous.municipality_id, summary="番号制度総括部門の指定を移動"
        )


def unit_create(
    *,
    municipality: Municipality,
    name: str,
    code: str,
    kind: str = OrgUnit.Kind.DIVISION,
    parent: OrgUnit | None = None,
    is_governance: bool = False,
    is_it: bool = False,
) -> OrgUnit:
    """Create a unit under ``parent`` (a root when None), with its materialised ``path`` and ``depth``."""
    _same_tenant(municipality.pk, "parent", parent)
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": "廃止された組織の下には作成できません。"})
    with transaction.atomic():
        unit = OrgUnit(
            municipality=municipality,
            parent=parent,
            name=name,
            code=code,
            kind=kind,
            is_governance=False,
            is_it=is_it,
            depth=(parent.depth + 1) if parent else 0,
        )
        _check_unit_code(unit)
        unit.full_clean(validate_constraints=False)
        unit.save()
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        if is_governance:
            _take_governance(unit)
            unit.is_governance = True
        unit.save(update_fields=["path", "is_governance"])
        record_create(unit, municipality_id=municipality.pk)
    return unit


def unit_update(*, unit: OrgUnit, name: str, code: str, kind: str, is_governance: bool, is_it: bool) -> OrgUnit:
    """Rename / recode a unit and set its marks. Moving is :func:`unit_move`."""
    with _changing(unit) as before:
        unit.name, unit.code, unit.kind, unit.is_it = name, code, kind, is_it
        _check_unit_code(unit)
        unit.full_clean(validate_constraints=False)
        if is_governance and not unit.is_governance:
            _take_governance(unit)
        unit.is_governance = is_governance
        unit.save()
        record_update(unit, before=before, municipality_id=unit.municipality_id)
    return unit


def unit_move(*, unit: OrgUnit, parent: OrgUnit | None) -> OrgUnit:
    """Put ``unit`` (and its whole subtree) under ``parent`` (a root when None).

    Steps: 1. lock the municipality's units and re-read both ends, so a concurrent move cannot slip a cycle in;
    2. refuse a parent inside the subtree (a cycle) or abolished; 3. rewrite ``path`` and ``depth`` of every unit
    of the subtree; 4. record one entry per unit whose position changed.
    """
    _same_tenant(unit.municipality_id, "parent", parent)
    with transaction.atomic():
        units = {
            u.pk: u
            for u in OrgUnit.objects.filter(municipality_id=unit.municipality_id).select_for_update().order_by("pk")
        }
        current, target = units[unit.pk], (units[parent.pk] if parent is not None else None)
        if target is not None:
            if target.path.startswith(current.path):
                raise ValidationError({"parent": "組織を自分自身やその下位組織の下に移動することはできません。"})
            if not target.is_active:
                raise ValidationError({"parent": "廃止された組織の下には移動できません。"})
        if (target.pk if target else None) == current.parent_id:
            return unit
        old_prefix = current.path
        new_prefix = f"{target.path if target else '/'}{current.pk}/"
        delta = ((target.depth + 1) if target else 0) - current.depth
        subtree = sorted((u for u in units.values() if u.path.startswith(old_prefix)), key=lambda u: u.path)
        befores = {u.pk: snapshot(u) for u in subtree}
        for member in subtree:
            member.path = new_prefix + member.path[len(old_prefix) :]
            member.depth = member.depth + delta
            if member.pk == current.pk:
                member.parent = target
        OrgUnit.objects.bulk_update(subtree, ["path", "depth", "parent"])
        for member in subtree:
            record_update(
                member,
                before=befores[member.pk],
                municipality_id=member.municipality_id,
                summary="組織を移動" if member.pk == current.pk else "上位組織の移動に伴い階層を更新",
            )
    unit.refresh_from_db()
    return unit


def unit_deactivate(*, unit: OrgUnit) -> OrgUnit:
    """Mark a unit as abolished (its history stays). Refused while an active unit remains below it."""
    if OrgUnit.objects.subtree(unit).active().exclude(pk=unit.pk).exists():
        raise ValidationError("有効な下位組織があるため廃止できません。先に下位組織を廃止または移動してください。")
    with _changing(unit) as before:
        unit.is_active = False
        unit.save(update_fields=["is_active"])
        record_update(unit, before=before, municipality_id=unit.municipality_id, summary="組織を廃止")
    return unit


# --- 職員等・配属 -------------------------------------------------------------------------------------------


def _check_person(person: Person) -> None:
    clash = Person.objects.filter(municipality_id=person.municipality_id, staff_number=person.staff_number)
    if clash.exclude(pk=person.pk).exists():
        raise ValidationError({"staff_number": "この職員番号は既に使われています。"})
    if person.employed_from and person.employed_to and person.employed_to < person.employed_from:
        raise ValidationError({"employed_to": "任用終了日は任用開始日以降の日付を入力してください。"})
    person.full_clean(validate_constraints=False)


def person_create(
    *,
    municipality: Municipality,
    staff_number: str,
    name: str,
    employment_type: str,
    name_kana: str = "",
    party: Party | None = None,
    email: str = "",
    employed_from: dt.date | None = None,
    employed_to: dt.date | None = None,
) -> Person:
    _same_tenant(municipality.pk, "party", party)
    person = Person(
        municipality=municipality,
        staff_number=staff_number,
        name=name,
        name_kana=name_kana,
        employment_type=employment_type,
        party=party,
        email=email,
        employed_from=employed_from,
        employed_to=employed_to,
    )
    with transaction.atomic():
        _check_person(person)
        person.save()
        record_create(person, municipality_id=municipality.pk)
    return person


def person_update(
    *,
    person: Person,
    staff_number: str,
    name: str,
    employment_type: str,
    name_kana: str = "",
    party: Party | None = None,
    email: str = "",
    employed_from: dt.date | None = None,
    employed_to: dt.date | None = None,
) -> Person:
    _same_tenant(person.municipality_id, "party", party)
    with _changing(person) as before:
        person.staff_number, person.name, person.name_kana = staff_number, name, name_kana
        person.employment_type, person.party, person.email = employment_type, party, email
        person.employed_from, person.employed_to = employed_from, employed_to
        _check_person(person)
        person.save()
        record_update(person, before=before, municipality_id=person.municipality_id)
    return person


def assignment_create(
    *,
    person: Person,
    unit: OrgUnit,
    start_date: dt.date,
    end_date: dt.date | None = None,
    title: str = "",
    handles_specific_personal_info: bool = False,
) -> Assignment:
    """Assign ``person`` to ``unit`` from ``start_date`` (to ``end_date`` inclusive, open-ended when None)."""
    _same_tenant(person.municipality_id, "unit", unit)
    if not unit.is_active:
        raise ValidationError({"unit": "廃止された組織には配属できません。"})
    assignment = Assignment(
        municipality_id=person.municipality_id,
        person=person,
        unit=unit,
        title=title,
        start_date=start_date,
        end_date=end_date,
        handles_specific_personal_info=handles_specific_personal_info,
    )
    with transaction.atomic():
        assignment.full_clean(validate_constraints=False)
        assignment.save()
        record_create(assignment, municipality_id=person.municipality_id, summary=f"{person} を配属")
    return assignment


def assignment_end(*, assignment: Assignment, end_date: dt.date) -> Assignment:
    """End (or correct the end of) an assignment; the end date is the last day, on or after the start date."""
    if end_date < assignment.start_date:
        raise ValidationError({"end_date": "終了日は開始日以降の日付を入力してください。"})
    with _changing(assignment) as before:
        assignment.end_date = end_date
        assignment.save(update_fields=["end_date"])
        record_update(assignment, before=before, municipality_id=assignment.municipality_id, summary="配属を終了")
    return assignment


# --- 個人番号利用事務 -----------------------------------------------------------------------------------------


def _check_work(work: Work, units: list[OrgUnit]) -> None:
    _same_tenant(work.municipality_id, "units", *units)
    clash = Work.objects.filter(municipality_id=work.municipality_id, name=work.name).exclude(pk=work.pk)
    if clash.exists():
        raise ValidationError({"name": "同じ名称の事務が既に登録されています。"})
    work.full_clean(validate_constraints=False)


def _set_work_units(work: Work, units: list[OrgUnit]) -> None:
    """Make the WorkUnit rows match ``units``, recording each row added or removed."""
    wanted = {u.pk for u in units}
    current = {wu.unit_id: wu for wu in WorkUnit.objects.filter(work=work)}
    for unit_id, wu in current.items():
        if unit_id not in wanted:
            record_delete(wu, municipality_id=work.municipality_id, summary=f"{work} の担当組織から外す")
            wu.delete()
    for unit_id in sorted(wanted - current.keys()):
        wu = WorkUnit.objects.create(municipality_id=work.municipality_id, work=work, unit_id=unit_id)
        record_create(wu, municipality_id=work.municipality_id, summary=f"{work} の担当組織に追加")


def work_create(*, municipality: Municipality, name: str, legal_basis: str = "", units: Iterable[OrgUnit] = ()) -> Work:
    work = Work(municipality=municipality, name=name, legal_basis=legal_basis)
    unit_list = list(units)
    with transaction.atomic():
        _check_work(work, unit_list)
        work.save()
        record_create(work, municipality_id=municipality.pk)
        _set_work_units(work, unit_list)
    return work


def work_update(*, work: Work, name: str, legal_basis: str = "", units: Iterable[OrgUnit] = ()) -> Work:
    unit_list = list(units)
    with _changing(work) as before:
        work.name, work.legal_basis = name, legal_basis
        _check_work(work, unit_list)
        work.save()
        record_update(work, before=before, municipality_id=work.municipality_id)
        _set_work_units(work, unit_list)
    return work


def work_deactivate(*, work: Work) -> Work:
    with _changing(work) as before:
        work.is_active = False
        work.save(update_fields=["is_active"])
        record_update(work, before=before, municipality_id=work.municipality_id, summary="事務を廃止")
    return work


# --- 措置主体・関係事業者 ----------------------------------------------------------------------------------------


def _check_party(party: Party) -> None:
    clash = Party.objects.filter(municipality_id=party.municipality_id, name=party.name).exclude(pk=party.pk)
    if clash.exists():
        raise ValidationError({"name": "同じ名称の措置主体・関係事業者が既に登録されています。"})
    party.full_clean(validate_constraints=False)


def party_create(
    *, municipality: Municipality, name: str, kind: str, corporate_number: str = "", note: str = ""
) -> Party:
    """Register a party. A 法人番号, when given, must carry a valid check digit."""
    party = Party(municipality=municipality, name=name, kind=kind, corporate_number=corporate_number, note=note)
    with transaction.atomic():
        _check_party(party)
        party.save()
        record_create(party, municipality_id=municipality.pk)
    return party


def party_update(*, party: Party, name: str, kind: str, corporate_number: str = "", note: str = "") -> Party:
    with _changing(party) as before:
        party.name, party.kind, party.corporate_number, party.note = name, kind, corporate_number, note
        _check_party(party)
        party.save()
        record_update(party, before=before, municipality_id=party.municipality_id)
    return party


# --- 利用者・役割 ---------------------------------------------------------------------------------------------


def _active_admin_grants(municipality_id: int) -> int:
    return RoleGrant.objects.filter(municipality_id=municipality_id, role=Role.ADMIN, user__is_active=True).count()


def user_create(
    *,
    municipality: Municipality,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    person: Person | None = None,
) -> User:
    """Create a log-in account of ``municipality``; ``password`` must satisfy the configured validators."""
    _same_tenant(municipality.pk, "person", person)
    user = User(municipality=municipality, username=username, display_name=display_name, email=email, person=person)
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": "このユーザー名は既に使われています。"})
        user.full_clean(exclude=["password"])
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
        user.save()
        record_create(user, municipality_id=municipality.pk)
    return user


def user_update(*, user: User, display_name: str, email: str, person: Person | None) -> User:
    _same_tenant(user.municipality_id or 0, "person", person)
    with _changing(user) as before:
        user.display_name, user.email, user.person = display_name, email, person
        user.full_clean(exclude=["password"])
        user.save(update_fields=["display_name", "email", "person"])
        record_update(user, before=before, municipality_id=user.municipality_id)
    return user


def user_deactivate(*, user: User, by: User) -> User:
    """Stop a user from logging in (history keeps the account). Refused for oneself and for the last admin."""
    if user.pk == by.pk:
        raise ValidationError("自分自身の利用を停止することはできません。")
    if not user.is_active:
        return user
    with transaction.atomic():
        is_admin = RoleGrant.objects.filter(user=user, role=Role.ADMIN).exists()
        if is_admin and _active_admin_grants(user.municipality_id or 0) <= 1:
            raise ValidationError("最後の番号制度総括管理者の利用は停止できません。")
        before = snapshot(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        record_update(user, before=before, municipality_id=user.municipality_id, summary="利用を停止")
    return user


def check_role_scope(*, role: str, unit: OrgUnit | None, party: Party | None) -> None:
    """所属長・所属担当者 need a unit (their subtree), 事業者担当 a party; the other roles hold municipality-wide."""
    if role not in Role.values:
        raise ValidationError({"role": "役割を選択してください。"})
    if role in UNIT_SCOPED_ROLES and unit is None:
        raise ValidationError({"unit": "所属長・所属担当者の役割には対象組織を選択してください。"})
    if role == Role.CONTRACTOR and party is None:
        raise ValidationError({"party": "事業者担当の役割には対象事業者を選択してください。"})
    if role not in UNIT_SCOPED_ROLES and unit is not None:
        raise ValidationError({"unit": "この役割には対象組織を指定できません。"})
    if role != Role.CONTRACTOR and party is not None:
        raise ValidationError({"party": "この役割には対象事業者を指定できません。"})


def role_grant(*, user: User, role: str, unit: OrgUnit | None = None, party: Party | None = None) -> RoleGrant:
    """Give ``user`` a role. 所属長・所属担当者 need a unit (its subtree), 事業者担当 a party; other roles neither."""
    municipality_id = user.municipality_id
    if municipality_id is None:
        raise ValidationError("団体に所属していない利用者には役割を付与できません。")
    _same_tenant(municipality_id, "unit", unit)
    _same_tenant(municipality_id, "party", party)
    check_role_scope(role=role, unit=unit, party=party)
    # NULLs are distinct in a UNIQUE index on PostgreSQL, so the database alone would let a duplicate through.
    if RoleGrant.objects.filter(user=user, role=role, unit=unit, party=party).exists():
        raise ValidationError({"role": "この利用者には同じ役割が既に付与されています。"})
    grant = RoleGrant(municipality_id=municipality_id, user=user, role=role, unit=unit, party=party)
    with transaction.atomic():
        grant.full_clean(validate_constraints=False)
        grant.save()
        record_create(grant, municipality_id=municipality_id, summary=f"{user} に役割を付与")
    return grant


def role_revoke(*, grant: RoleGrant) -> None:
    """Take a role away. The municipality's last active 番号制度総括管理者 grant cannot be revoked."""
    with transaction.atomic():
        if grant.role == Role.ADMIN and grant.user.is_active and _active_admin_grants(grant.municipality_id) <= 1:
            raise ValidationError("最後の番号制度総括管理者の役割は取り消せません。")
        record_delete(grant, municipality_id=grant.municipality_id, summary=f"{grant.user} の役割を取消")
        grant.delete()
