"""The rules that find 変更の候補 for a review in piaops's own records (reads only; ``services`` stores them).

Each rule looks at the records linked to the report since the version in force (``review.since``) up to the end of
the review's 年度:

- 委託先・契約: contracts on one of the report's works that started or ended in the window, or were edited (an update
  in the audit trail); 再委託 approved or recorded in the window, or edited;
- ISMAP: a cloud service of a party of the report (its commitments' parties and its contractors), or of no recorded
  party (it may serve any report), removed from the ISMAP list in the window; one of a party of the report
  registered on the list (ISMAP or ISMAP-LIU 登録日) in the window;
- システム・事務: a cloud service (the system it serves named in ``used_by``) of a party of the report registered in
  piaops in the window; a unit added to or removed from the units that carry out one of the report's works (Ⅱ-3⑦
  使用部署, an item marked ※ in 様式4), and one of the report's works abolished (評価書名に【終了】);
- しきい値: the recorded 対象人数 / 取扱者数 in another band than the previous review's, and the recomputed
  しきい値判断 (``thresholds.required``) above the report's tier;
- 重大事故: an incident on one of the report's works that must be reported to the PPC (規則第2条; piaops treats a
  報告対象事態 as the 重大事故 of the しきい値判断, as the 令和6年 revision aligned them);
- 記載: a commitment of the report no self-inspection answered in a submitted checklist since the version in force,
  or answered only 該当なし.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from piaops.assurance.models import CloudService, Contract, Subcontract
from piaops.audittrail.models import Action, AuditEntry
from piaops.incidents.models import Incident
from piaops.lib.fiscal import add_years, fiscal_year, fiscal_year_end
from piaops.reviews import thresholds
from piaops.reviews.models import CandidateKind, Review
from piaops.selfcheck.models import DONE, Answer, AnswerValue
from piaops.tenancy.models import OrgUnit, Work, WorkUnit


@dataclass(frozen=True)
class Draft:
    kind: CandidateKind
    key: str
    title: str
    detail: str = ""
    occurred_on: dt.date | None = None


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def window_end(review: Review) -> dt.date:
    return fiscal_year_end(review.fiscal_year)


def _work_ids(review: Review) -> list[int]:
    return list(review.report.report_works.values_list("work_id", flat=True))


def _contracts(review: Review) -> list[Contract]:
    return list(
        Contract.objects.filter(municipality_id=review.municipality_id, works__in=_work_ids(review))
        .select_related("party")
        .distinct()
    )


def _edited(review: Review, model: type[models.Model], ids: list[int]) -> dict[int, dt.datetime]:
    """The last update in the audit trail of each of ``ids`` (a ``model`` row) within the review's window."""
    entries = AuditEntry.objects.filter(
        municipality_id=review.municipality_id,
        object_type=model._meta.label,
        object_id__in=[str(i) for i in ids],
        action=Action.UPDATE,
        at__gte=_start(review.since),
        at__lt=_start(window_end(review) + dt.timedelta(days=1)),
    ).values_list("object_id", "at", "before")
    last: dict[int, dt.datetime] = {}
    for object_id, at, before in entries:
        if before == {"works": []}:
            continue  # the works given to a new contract as it is created: part of its creation, not an edit
        last[int(object_id)] = max(at, last.get(int(object_id), at))
    return last


def contract_drafts(review: Review) -> list[Draft]:
    since, end = review.since, window_end(review)
    contracts = _contracts(review)
    drafts: list[Draft] = []
    for c in contracts:
        who = f"{c.party.name}「{c.title}」"
        if since <= c.start_date <= end:
            drafts.append(
                Draft(
                    CandidateKind.CONTRACT_ADDED,
                    f"contract:{c.pk}:added",
                    f"委託先の追加：{who}",
                    f"契約期間の開始 {c.start_date:%Y-%m-%d}。委託の範囲：{c.scope}",
                    c.start_date,
                )
            )
        if c.end_date is not None and since <= c.end_date <= end:
            drafts.append(
                Draft(
                    CandidateKind.CONTRACT_ENDED,
                    f"contract:{c.pk}:ended",
                    f"委託契約の終了：{who}",
                    f"契約期間の終了 {c.end_date:%Y-%m-%d}",
                    c.end_date,
                )
            )
    added = {c.pk for c in contracts if since <= c.start_date <= end}
    for pk, at in _edited(review, Contract, [c.pk for c in contracts if c.pk not in added]).items():
        c = next(x for x in contracts if x.pk == pk)
        drafts.append(
            Draft(
                CandidateKind.CONTRACT_CHANGED,
                f"contract:{pk}:changed",
                f"委託契約の変更：{c.party.name}「{c.title}」",
                "契約の記録が更新されました（監査証跡）。",
                timezone.localdate(at),
            )
        )
    subs = list(
        Subcontract.objects.filter(municipality_id=review.municipality_id, contract__in=contracts).select_related(
            "contract__party"
        )
    )
    created = dict(
        AuditEntry.objects.filter(
            municipality_id=review.municipality_id,
            object_type=Subcontract._meta.label,
            object_id__in=[str(s.pk) for s in subs],
            action=Action.CREATE,
        ).values_list("object_id", "at")
    )
    subs_added: set[int] = set()
    for s in subs:
        day = s.approved_on or (timezone.localdate(created[str(s.pk)]) if str(s.pk) in created else None)
        if day is not None and since <= day <= end:
            subs_added.add(s.pk)
            drafts.append(
                Draft(
                    CandidateKind.SUBCONTRACT_ADDED,
                    f"subcontract:{s.pk}:added",
                    f"再委託の追加：{s.contract.party.name} → {s.name}（{s.get_approval_display()}）",
                    f"再委託の範囲：{s.scope}",
                    day,
                )
            )
    for pk, at in _edited(review, Subcontract, [s.pk for s in subs if s.pk not in subs_added]).items():
        s = next(x for x in subs if x.pk == pk)
        drafts.append(
            Draft(
                CandidateKind.SUBCONTRACT_CHANGED,
                f"subcontract:{pk}:changed",
                f"再委託の変更：{s.contract.party.name} → {s.name}",
                "再委託の記録が更新されました（監査証跡）。",
                timezone.localdate(at),
            )
        )
    return drafts


def ismap_drafts(review: Review) -> list[Draft]:
    party_ids = _report_parties(review)
    removed = CloudService.objects.filter(
        Q(party_id__in=party_ids) | Q(party__isnull=True),
        municipality_id=review.municipality_id,
        delisted_on__gte=review.since,
        delisted_on__lte=window_end(review),
    )
    registered = CloudService.objects.filter(
        municipality_id=review.municipality_id,
        party_id__in=party_ids,
        registered_on__gte=review.since,
        registered_on__lte=window_end(review),
    )
    added = [
        Draft(
            CandidateKind.ISMAP_ADDED,
            f"cloud:{s.pk}:listed",
            f"ISMAPリストへの登録：{s}",
            f"{s.get_program_display()} 登録番号 {s.registration_number or '（なし）'}（{s.registered_on:%Y-%m-%d}）。"
            f"利用するシステム：{s.used_by or '（未記入）'}",
            s.registered_on,
        )
        for s in registered
    ]
    return added + [
        Draft(
            CandidateKind.ISMAP_REMOVED,
            f"cloud:{s.pk}:delisted",
            f"ISMAPリストから削除：{s}",
            f"登録番号 {s.registration_number or '（なし）'}。利用するシステム：{s.used_by or '（未記入）'}"
            + ("" if s.party_id else "。事業者が登録されていないため、すべての評価書の候補にしています。"),
            s.delisted_on,
        )
        for s in removed
    ]


def _entries(review: Review, model: type[models.Model], action: str) -> list[AuditEntry]:
    """The audit entries of ``action`` on ``model`` rows of the review's municipality within its window."""
    return list(
        AuditEntry.objects.filter(
            municipality_id=review.municipality_id,
            object_type=model._meta.label,
            action=action,
            at__gte=_start(review.since),
            at__lt=_start(window_end(review) + dt.timedelta(days=1)),
        ).order_by("seq")
    )


def _report_parties(review: Review) -> set[int]:
    return {c.party_id for c in _contracts(review)} | set(
        review.report.commitments.exclude(party=None).values_list("party_id", flat=True)
    )


def system_drafts(review: Review) -> list[Draft]:
    """Cloud services of the report's parties first recorded in the window: a system (or its platform) the report
    may not describe yet (Ⅰ-2 使用するシステム, Ⅱ-6 保管場所)."""
    created = {int(e.object_id): e.at for e in _entries(review, CloudService, Action.CREATE) if e.object_id.isdigit()}
    services = CloudService.objects.filter(
        municipality_id=review.municipality_id, pk__in=list(created), party_id__in=_report_parties(review)
    )
    return [
        Draft(
            CandidateKind.SYSTEM_ADDED,
            f"cloud:{s.pk}:added",
            f"システム（クラウドサービス）の追加：{s}",
            f"利用するシステム：{s.used_by or '（未記入）'}。{s.get_program_display()} 登録番号 "
            f"{s.registration_number or '（なし）'}。piaopsへの登録 {timezone.localdate(created[s.pk]):%Y-%m-%d}",
            timezone.localdate(created[s.pk]),
        )
        for s in services.order_by("pk")
    ]


def work_drafts(review: Review) -> list[Draft]:
    """Units added to or removed from the report's works (使用部署), and the report's works abolished, in the window.
    A unit added and removed again inside the window gives both candidates: the file was handled there meanwhile."""
    work_ids = set(_work_ids(review))
    works = {w.pk: w for w in Work.objects.filter(pk__in=work_ids)}
    drafts: list[Draft] = []
    rows: list[tuple[AuditEntry, dict[str, object]]] = [
        (e, e.after or {}) for e in _entries(review, WorkUnit, Action.CREATE)
    ] + [(e, e.before or {}) for e in _entries(review, WorkUnit, Action.DELETE)]
    unit_ids = {int(str(data.get("unit_id"))) for _, data in rows if str(data.get("unit_id", "")).isdigit()}
    units = {u.pk: u for u in OrgUnit.objects.filter(municipality_id=review.municipality_id, pk__in=unit_ids)}
    for entry, data in sorted(rows, key=lambda r: r[0].seq):
        work_id, unit_id = data.get("work_id"), data.get("unit_id")
        if not isinstance(work_id, int) or work_id not in work_ids or not isinstance(unit_id, int):
            continue
        unit = units.get(unit_id)
        who = unit.name if unit else f"組織ID {unit_id}"
        work = works[work_id]
        added = entry.action == Action.CREATE
        drafts.append(
            Draft(
                CandidateKind.WORK_UNIT_ADDED if added else CandidateKind.WORK_UNIT_REMOVED,
                f"workunit:{work.pk}:{unit_id}:{'added' if added else 'removed'}:{entry.seq}",
                f"事務を担当する組織の{'追加' if added else '削除'}：{work.name} — {who}",
                "評価書 Ⅱ-3⑦ 使用部署（重要な変更の対象となる項目）の記載と照らしてください。"
                f" 記録日 {timezone.localdate(entry.at):%Y-%m-%d}",
                timezone.localdate(entry.at),
            )
        )
    for entry in _entries(review, Work, Action.UPDATE):
        if (
            entry.object_id.isdigit()
            and int(entry.object_id) in work_ids
            and (entry.after or {}).get("is_active") is False
        ):
            work = works[int(entry.object_id)]
            drafts.append(
                Draft(
                    CandidateKind.WORK_ENDED,
                    f"work:{work.pk}:ended",
                    f"事務の廃止：{work.name}",
                    "事務を終了した評価書は、評価書名に【○年○月○日 終了】を付して3年間公表します（記載要領）。",
                    timezone.localdate(entry.at),
                )
            )
    return drafts


def reportable_incidents(review: Review, start: dt.date, end: dt.date) -> list[Incident]:
    """Incidents on the report's works that must be reported to the PPC, detected between ``start`` and ``end``."""
    return list(
        Incident.objects.filter(municipality_id=review.municipality_id, incident_works__work__in=_work_ids(review))
        .ppc_reportable()
        .filter(detected_at__gte=_start(start), detected_at__lt=_start(end + dt.timedelta(days=1)))
        .distinct()
        .order_by("detected_at")
    )


def serious_incident_in_last_year(review: Review) -> bool:
    """A 重大事故 in the year up to the review's 基準日 (the しきい値判断's third question)."""
    return bool(reportable_incidents(review, add_years(review.as_of, -1) + dt.timedelta(days=1), review.as_of))


def incident_drafts(review: Review) -> list[Draft]:
    return [
        Draft(
            CandidateKind.INCIDENT,
            f"incident:{i.pk}",
            f"報告対象の重大事故：{i.title}",
            i.reportability.text,
            timezone.localdate(i.detected_at),
        )
        for i in reportable_incidents(review, review.since, window_end(review))
    ]


def recomputed(review: Review) -> thresholds.Comparison | None:
    """The しきい値判断 from the review's recorded figures, compared with the report's tier; None without figures."""
    if review.subjects is None or review.handlers is None:
        return None
    level = thresholds.required(
        subjects=review.subjects, handlers=review.handlers, serious_incident=serious_incident_in_last_year(review)
    )
    return thresholds.compare(required_level=level, report_tier=review.report.tier)


def previous_review(review: Review) -> Review | None:
    """The latest review of the same report series in an earlier 年度 with figures recorded."""
    return (
        Review.objects.filter(
            municipality_id=review.municipality_id,
            report__series=review.report.series,
            fiscal_year__lt=review.fiscal_year,
            subjects__isnull=False,
            handlers__isnull=False,
        )
        .order_by("-fiscal_year")
        .first()
    )


def threshold_drafts(review: Review) -> list[Draft]:
    if review.subjects is None or review.handlers is None:
        return []
    drafts: list[Draft] = []
    before = previous_review(review)
    if before is not None and before.subjects is not None and before.handlers is not None:
        old_band, new_band = thresholds.subjects_band(before.subjects), thresholds.subjects_band(review.subjects)
        if old_band != new_band:
            drafts.append(
                Draft(
                    CandidateKind.THRESHOLD_BAND,
                    f"threshold:subjects:{new_band}",
                    f"対象人数の区分の変化：{thresholds.BAND_LABELS[old_band]} → {thresholds.BAND_LABELS[new_band]}",
                    f"{before.fiscal_year}年度 {before.subjects:,}人 → {review.fiscal_year}年度 {review.subjects:,}人",
                )
            )
        limit = thresholds.HANDLERS_THRESHOLD
        if (before.handlers >= limit) != (review.handlers >= limit):
            side = "以上" if review.handlers >= limit else "未満"
            drafts.append(
                Draft(
                    CandidateKind.THRESHOLD_BAND,
                    f"threshold:handlers:{side}",
                    f"取扱者数が{limit}人{side}に：{before.handlers:,}人 → {review.handlers:,}人",
                    f"{before.fiscal_year}年度と{review.fiscal_year}年度の記録の比較",
                )
            )
    comparison = recomputed(review)
    if comparison is not None and comparison.insufficient:
        drafts.append(
            Draft(
                CandidateKind.THRESHOLD_TIER,
                f"threshold:required:{comparison.required.name}",
                f"しきい値判断の結果：{comparison.required.label}",
                comparison.message,
            )
        )
    return drafts


def commitment_drafts(review: Review) -> list[Draft]:
    commitments = list(review.report.commitments.select_related("item").order_by("order"))
    lineage = {c.pk: {c.pk, *([c.previous_id] if c.previous_id else [])} for c in commitments}
    ids = {i for ids in lineage.values() for i in ids}
    values: dict[int, set[str]] = defaultdict(set)
    answered = Answer.objects.filter(
        municipality_id=review.municipality_id,
        item__commitment_id__in=ids,
        checklist__status__in=DONE,
        checklist__campaign__fiscal_year__gte=fiscal_year(review.since),
        checklist__campaign__fiscal_year__lte=review.fiscal_year,
    ).exclude(value="")
    for commitment_id, value in answered.values_list("item__commitment_id", "value"):
        values[commitment_id].add(value)
    drafts: list[Draft] = []
    for c in commitments:
        seen = set().union(*(values[i] for i in lineage[c.pk]))
        label = c.item.number_path
        text = c.text if len(c.text) <= 120 else c.text[:119] + "…"
        if not seen:
            drafts.append(
                Draft(
                    CandidateKind.NEVER_INSPECTED,
                    f"commitment:{c.pk}:never",
                    f"点検されていない記載：{text}",
                    f"{label} 現行版以降、提出された自己点検票でこの記載を点検した回答がありません。".strip(),
                )
            )
        elif seen == {AnswerValue.NA}:
            drafts.append(
                Draft(
                    CandidateKind.ALWAYS_NA,
                    f"commitment:{c.pk}:na",
                    f"常に「該当なし」の記載：{text}",
                    f"{label} 現行版以降の回答はすべて「該当なし」です。記載が実態に合うか確認してください。".strip(),
                )
            )
    return drafts


RULES = (
    contract_drafts,
    ismap_drafts,
    system_drafts,
    work_drafts,
    threshold_drafts,
    incident_drafts,
    commitment_drafts,
)


def compute(review: Review) -> list[Draft]:
    """Every candidate the records show for ``review``, rule by rule."""
    return [d for rule in RULES for d in rule(review)]
