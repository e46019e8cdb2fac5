"""Test data of self-inspection: an assessment report with commitments, and a launched campaign."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from piaops.assessments.models import AssessmentReport, Commitment, Item, Section
from piaops.assessments.vocab import CommitmentKind
from piaops.selfcheck import services
from piaops.selfcheck.models import Campaign, Checklist, ChecklistTemplate
from piaops.tenancy.models import Municipality, OrgUnit, Party

COMMITMENTS = (
    ("所属長は自己点検票により年1回、評価書の記載どおり運用されているかを点検する。", CommitmentKind.SELF_INSPECTION),
    ("特定個人情報を扱う端末は二要素認証でログインする。", CommitmentKind.OPERATIONS),
    ("個人番号利用事務の監査を年1回実施する。", CommitmentKind.AUDIT),
)

DEADLINE = dt.date(2026, 12, 11)  # a Friday, a 開庁日


def make_report(
    m: Municipality,
    *,
    version: int = 1,
    previous: AssessmentReport | None = None,
    commitments: tuple[tuple[str, str], ...] = COMMITMENTS,
    jlis_text: str = "中間サーバー・プラットフォームの運用担当者に年2回研修を行う。",
) -> AssessmentReport:
    report = AssessmentReport.objects.create(
        municipality=m,
        series="地方税",
        version=version,
        previous=previous,
        title="地方税に関する事務 全項目評価書",
        status=AssessmentReport.Status.PUBLISHED,
    )
    section = Section.objects.create(municipality=m, report=report, number="Ⅳ", title="その他のリスク対策")
    item = Item.objects.create(municipality=m, report=report, section=section, number_path="Ⅳ-1-①", title="自己点検")
    own, _ = Party.objects.get_or_create(municipality=m, name="札幌市", defaults={"kind": Party.Kind.MUNICIPALITY})
    jlis, _ = Party.objects.get_or_create(
        municipality=m, name="J-LIS", defaults={"kind": Party.Kind.INTERMEDIATE_SERVER}
    )
    old = {c.text: c for c in previous.commitments.all()} if previous else {}
    for i, (text, kind) in enumerate(commitments):
        prev = old.get(text)
        Commitment.objects.create(
            municipality=m,
            report=report,
            item=item,
            text=text,
            kind=kind,
            party=own,
            order=i,
            previous=prev,
            change=Commitment.Change.UNCHANGED if prev else Commitment.Change.NEW,
        )
    Commitment.objects.create(
        municipality=m, report=report, item=item, text=jlis_text, kind=CommitmentKind.TRAINING, party=jlis, order=99
    )
    return report


def make_campaign(
    m: Municipality, units: list[OrgUnit], *, deadline: dt.date = DEADLINE, launch: bool = True, general: bool = False
) -> Campaign:
    report = AssessmentReport.objects.filter(municipality=m, series="地方税", version=1).first() or make_report(m)
    template = services.template_create(municipality=m, title="自己点検票", report=report, include_general=general)
    campaign = services.campaign_create(
        municipality=m, fiscal_year=2026, title="令和8年度 自己点検", template=template, deadline=deadline, units=units
    )
    if launch:
        services.campaign_launch(campaign=campaign)
    return campaign


def items_of(template: ChecklistTemplate) -> list[Any]:
    return list(template.items.order_by("order"))


def answer_all(client: Client, checklist: Checklist, *, value: str = "yes", action: str = "save", **extra: str) -> Any:
    """Post an answer to every item: ``action`` "save" (a draft) or "submit" (save and submit, confirmed)."""
    data: dict[str, str] = {"confirm": "1"}  # the confirmation a submit asks for
    for a in checklist.answers.all():
        data[f"v{a.item_id}"] = value
        data[f"c{a.item_id}"] = extra.get("comment", "")
        data[f"p{a.item_id}"] = extra.get("plan", "")
        data[f"d{a.item_id}"] = extra.get("date", "")
    url = f"/selfcheck/checklists/{checklist.pk}/" + ("submit/" if action == "submit" else "")
    return client.post(url, data)
