"""Demo step: last 年度's audit programme (done, reported) and this 年度's (approved, audits in several states),
with findings and follow-ups in every state, some overdue; before them, ``years - 1`` earlier 年度 of programmes
done the same way with every follow-up verified (each 年度 copied from the one before, on-site audits rotating).

Needs the tenancy step's works; without them it does nothing. Idempotent: returns when the municipality already
has a programme for the 年度 of ``today``. Deterministic (no randomness; everything is ordered).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from piaops.audits import reports, services
from piaops.audits.models import Audit, AuditProgramme, AuditType, ItemResult
from piaops.findings import services as findings
from piaops.findings.models import Finding
from piaops.lib.fiscal import add_office_days, fiscal_year, next_office_day, previous_office_day
from piaops.tenancy.models import Municipality, Role, User, Work

NOTES = {
    ItemResult.MAJOR: "特定個人情報を含む帳票の持出し記録が、監査対象期間の一部で残されていない。",
    ItemResult.MINOR: "アクセス権限の棚卸しが年1回にとどまり、異動時の見直し記録がない。",
    ItemResult.OBSERVATION: "手順書の版管理が不明確（改善の余地あり）。",
}


def _auditors(municipality: Municipality) -> list[User]:
    return list(
        User.objects.filter(municipality=municipality, grants__role=Role.AUDITOR, is_active=True)
        .distinct()
        .order_by("username")
    )


def _assign(audit: Audit, auditors: list[User], today: dt.date) -> None:
    for user in auditors:
        try:
            services.auditor_assign(audit=audit, user=user, today=today)
            return
        except ValidationError:
            continue  # this auditor belongs to the unit: try the next one


def _programme(municipality: Municipality, fy: int, works: list[Work], today: dt.date) -> AuditProgramme:
    """One audit per unit carrying works: every third unit on site (a rotation over three 年度)."""
    programme = services.programme_create(municipality=municipality, fiscal_year=fy)
    by_unit: dict[int, list[Work]] = {}
    units = {}
    for work in works:
        for unit in work.units.order_by("path"):
            by_unit.setdefault(unit.pk, []).append(work)
            units[unit.pk] = unit
    auditors = _auditors(municipality)
    for n, (unit_id, unit_works) in enumerate(sorted(by_unit.items(), key=lambda kv: units[kv[0]].path)):
        day = next_office_day(dt.date(fy, 6, 1) + dt.timedelta(days=14 * n))
        audit = services.audit_create(
            programme=programme,
            unit=units[unit_id],
            works=unit_works,
            audit_type=AuditType.ONSITE if (n + fy) % 3 == 0 else AuditType.DOCUMENT,
            planned_start=day,
            planned_end=day,
            auditors=[],
        )
        _assign(audit, auditors, today)
    return programme


def _perform(audit: Audit, results: list[ItemResult]) -> list[Finding]:
    services.audit_start(audit=audit)
    for item, result in zip(audit.items.order_by("order"), results + [ItemResult.CONFORMING] * 99, strict=False):
        services.item_record(
            item=item,
            result=result,
            notes=NOTES.get(ItemResult(result), ""),
            working_paper="関係帳票と操作ログを抽出して確認した。" if result != ItemResult.CONFORMING else "",
        )
    return services.audit_complete(audit=audit, summary="監査項目を確認した。指摘事項は別紙のとおり。")


def _closed_year(
    source: AuditProgramme | None, municipality: Municipality, fy: int, works: list[Work]
) -> AuditProgramme:
    """A past 年度 done and closed: every audit performed (a few 指摘), each followed up and verified, reported."""
    day = dt.date(fy, 4, 1)
    if source is None:
        programme = _programme(municipality, fy, works, day)
    else:
        programme = services.programme_copy(source=source, fiscal_year=fy)
        services.programme_propose_onsite(programme=programme, today=day)
        for audit in programme.audits.filter(auditors__isnull=True):
            _assign(audit, _auditors(municipality), day)
    services.programme_approve(programme=programme, today=day)
    for n, audit in enumerate(programme.audits.order_by("planned_start", "id")):
        for finding in _perform(audit, [ItemResult.MINOR] if (n + fy) % 4 == 0 else []):
            due = next_office_day(dt.date(fy, 12, 1))
            fu = findings.followup_plan(
                finding=finding, plan="手順書を改訂し、所属内で周知する。", responsible="担当係長", due_date=due
            )
            findings.followup_complete(
                followup=fu, completed_on=add_office_days(due, -5), note="改訂版で運用している。"
            )
            findings.followup_verify(followup=fu, accept=True, note="運用記録を確認した。")
    report = reports.report_submit(municipality=municipality, fiscal_year=fy, kind="results")
    reports.report_review(report=report, accept=True, comment="受理しました。")
    return programme


def build(*, municipality: Municipality, people: int, today: dt.date, years: int = 1) -> None:
    works = list(Work.objects.filter(municipality=municipality, is_active=True).order_by("name"))
    fy = fiscal_year(today)
    if not works or AuditProgramme.objects.filter(municipality=municipality, fiscal_year=fy).exists():
        return
    earlier: AuditProgramme | None = None
    for closed in range(fy - years, fy - 1):
        earlier = _closed_year(earlier, municipality, closed, works)
    # Last 年度: approved, every audit done, findings followed up (one overdue), results reported and received.
    if earlier is None:
        last = _programme(municipality, fy - 1, works, today)
    else:
        last = services.programme_copy(source=earlier, fiscal_year=fy - 1)
        services.programme_propose_onsite(programme=last, today=dt.date(fy - 1, 4, 1))
        for audit in last.audits.filter(auditors__isnull=True):
            _assign(audit, _auditors(municipality), today)
    services.programme_approve(programme=last, today=today)
    past = list(last.audits.order_by("planned_start", "id"))
    found: list[Finding] = []
    for n, audit in enumerate(past):
        pattern: list[ItemResult] = [ItemResult.MINOR, ItemResult.OBSERVATION] if n % 2 == 0 else []
        if n == 1:
            pattern = [ItemResult.MAJOR]
        found += _perform(audit, pattern)
    for n, finding in enumerate(found):
        state = ("verified", "overdue", "completed", "open")[n % 4]
        if state == "open":
            continue
        due = previous_office_day(today - dt.timedelta(days=20)) if state == "overdue" else add_office_days(today, -40)
        fu = findings.followup_plan(
            finding=finding,
            plan="手順書を改訂し、所属内で周知する。",
            actions="持出し記録様式の改訂、係長による月次確認",
            responsible="担当係長",
            due_date=due,
        )
        findings.followup_progress(followup=fu, note="様式の改訂案を作成した。", on=add_office_days(due, -10))
        if state in ("verified", "completed"):
            findings.followup_complete(
                followup=fu, completed_on=add_office_days(due, -2), note="改訂版の運用を開始した。"
            )
        if state == "verified":
            findings.followup_verify(followup=fu, accept=True, note="運用記録を確認した。")
    report = reports.report_submit(municipality=municipality, fiscal_year=fy - 1, kind="results")
    reports.report_review(report=report, accept=True, comment="受理しました。")
    # This 年度: copied from last year, due on-site audits added, approved; audits in several states.
    current = services.programme_copy(source=last, fiscal_year=fy)
    services.programme_propose_onsite(programme=current, today=today)
    for audit in current.audits.filter(auditors__isnull=True):
        _assign(audit, _auditors(municipality), today)
    services.programme_approve(programme=current, today=today)
    audits = list(current.audits.order_by("planned_start", "id"))
    for n, audit in enumerate(audits[: len(audits) // 2]):
        if n % 3 == 2:
            services.audit_start(audit=audit)  # 実施中
            first = audit.items.order_by("order").first()
            if first is not None:
                services.item_record(item=first, result=ItemResult.CONFORMING)
            continue
        for finding in _perform(audit, [ItemResult.MINOR] if n % 2 == 0 else []):
            findings.followup_plan(
                finding=finding,
                plan="権限棚卸しを異動時にも行う。",
                responsible="庶務担当係長",
                due_date=add_office_days(today, 15),
            )
