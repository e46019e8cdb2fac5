"""Reminders of third-party assurance (see ``piaops.core.reminders``).

- an obligation past its due date: one reminder per obligation and due date (key changes when the date moves);
- an obligation due within ``DUE_SOON_DAYS`` 開庁日-calendar days: one heads-up per obligation and due date;
- a registered cloud service whose ISMAP registration expires within the municipality's warning days, has expired
  (no renewal pending), or was removed from the list.

Recipients: the municipality's 番号制度総括管理者 (and, for an obligation, the party's 事業者担当) with an e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator

from django.urls import reverse

from piaops.assurance.models import CloudService, IsmapSettings, Obligation
from piaops.core.reminders import Deadline, Reminder, pk_path, recipient_grants, scoped_rows
from piaops.tenancy.models import Role

DUE_SOON_DAYS = 14


def _recipients(municipality_id: int | None) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """(municipality id → admin e-mails, party id → contractor e-mails), of one municipality when given."""
    admins: dict[int, set[str]] = defaultdict(set)
    contractors: dict[int, set[str]] = defaultdict(set)
    for g in recipient_grants(None if municipality_id is None else [municipality_id]):
        if not g.email:  # the user's own address, else their person's (as for every reminder)
            continue
        if g.role == Role.ADMIN:
            admins[g.municipality_id].add(g.email)
        elif g.role == Role.CONTRACTOR and g.party_id is not None:
            contractors[g.party_id].add(g.email)
    return admins, contractors


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterable[Reminder]:
    """Obligation and ISMAP reminders (of one municipality when given). They belong to no unit, so a
    ``unit_ids`` filter (a unit role's home page) leaves them all out."""
    if unit_ids is not None:
        return
    admins, contractors = _recipients(municipality_id)
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    obligations = Obligation.objects.filter(is_active=True, next_due__lte=soon).select_related("party")
    services = CloudService.objects.exclude(registration_number="")
    settings = scoped_rows(IsmapSettings.objects.all(), municipality_id=municipality_id, unit_ids=None)
    obligations = scoped_rows(obligations, municipality_id=municipality_id, unit_ids=None)
    services = scoped_rows(services, municipality_id=municipality_id, unit_ids=None)
    obligation_path = pk_path("assurance:obligation_detail")
    for o in obligations.order_by("municipality_id", "next_due", "id"):
        overdue = o.next_due < today
        to = tuple(sorted(admins[o.municipality_id] | contractors[o.party_id]))
        state = "期限を過ぎています" if overdue else "期限が近づいています"
        yield Reminder(
            key=f"assurance:obligation:{o.pk}:{'overdue' if overdue else 'soon'}:{o.next_due.isoformat()}",
            municipality_id=o.municipality_id,
            recipients=to,
            subject=f"【保証義務】{o.party}：{state}（期限 {o.next_due.isoformat()}）",
            body=(
                f"{o.party} の保証義務「{o.title}」は{state}。\n"
                f"期限: {o.next_due.isoformat()}\n"
                f"求める証跡: {o.evidence_expected or '（記載なし）'}\n"
                "証跡を提出し、総括部門の確認を受けてください。"
            ),
            url=obligation_path(o.pk),
            overdue=overdue,
        )
    warn_days = dict(settings.values_list("municipality_id", "warn_days"))
    url = reverse("assurance:ismap_register")
    for s in services.order_by("municipality_id", "id"):
        days = warn_days.get(s.municipality_id, 90)
        to = tuple(sorted(admins[s.municipality_id]))
        if s.delisted_on is not None and s.delisted_on <= today:
            text, overdue = f"ISMAPリストから削除されました（{s.delisted_on.isoformat()}）", True
            key = f"assurance:ismap:{s.pk}:removed:{s.delisted_on.isoformat()}"
        elif s.expires_on is None:
            continue
        elif not s.is_valid(today):
            text, overdue = f"ISMAP登録の有効期限（{s.expires_on.isoformat()}）が切れています", True
            key = f"assurance:ismap:{s.pk}:expired:{s.expires_on.isoformat()}"
        elif s.expires_on <= today + dt.timedelta(days=days) and not s.renewal_pending(today):
            text, overdue = f"ISMAP登録の有効期限（{s.expires_on.isoformat()}）が近づいています", False
            key = f"assurance:ismap:{s.pk}:expiring:{s.expires_on.isoformat()}"
        else:
            continue
        yield Reminder(
            key=key,
            municipality_id=s.municipality_id,
            recipients=to,
            subject=f"【ISMAP】{s.service_name}：{text}",
            body=(
                f"クラウドサービス「{s.provider} {s.service_name}」（登録番号 {s.registration_number}）は{text}。\n"
                "利用の継続可否と更新の状況を確認してください。"
            ),
            url=url,
            overdue=overdue,
        )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """Every active obligation's next due date and every registered cloud service's ISMAP expiry (municipality
    wide: none for a ``unit_ids`` filter, as with ``collect``)."""
    if unit_ids is not None:
        return
    obligations = Obligation.objects.filter(is_active=True, next_due__isnull=False).select_related("party")
    services = CloudService.objects.exclude(registration_number="").filter(expires_on__isnull=False)
    obligations = scoped_rows(obligations, municipality_id=municipality_id, unit_ids=None)
    services = scoped_rows(services, municipality_id=municipality_id, unit_ids=None)
    obligation_path = pk_path("assurance:obligation_detail")
    for o in obligations.order_by("pk"):
        yield Deadline(
            uid=f"assurance-obligation-{o.pk}",
            municipality_id=o.municipality_id,
            start=o.next_due,
            summary=f"【保証義務】{o.party}：{o.title}",
            description=f"求める証跡: {o.evidence_expected or '（記載なし）'}",
            url=obligation_path(o.pk),
        )
    register = reverse("assurance:ismap_register")
    for s in services.order_by("pk"):
        if s.delisted_on is not None and s.delisted_on <= today:
            continue  # removed from the list: nothing left to renew
        assert s.expires_on is not None
        yield Deadline(
            uid=f"assurance-ismap-{s.pk}",
            municipality_id=s.municipality_id,
            start=s.expires_on,
            summary=f"【ISMAP】登録の有効期限：{s.service_name}",
            description=f"クラウドサービス「{s.provider} {s.service_name}」（登録番号 {s.registration_number}）",
            url=register,
        )
