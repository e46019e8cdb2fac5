"""Incidents (障害・事故): record, timeline, responsibility routing and PPC 漏えい等報告 deadlines.

Status changes, routing decisions and PPC report dates are made by the services in ``services.py`` and each
leaves a timeline entry (``IncidentEvent``) as well as an audit-trail entry.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from piaops.incidents.ppc import PEOPLE_THRESHOLD, Reportability, reportability
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import OrgUnit, Party, Role, TenantOwned, TenantQuerySet, Work

if TYPE_CHECKING:
    from piaops.tenancy.models import User


class Status(models.TextChoices):
    REPORTED = "reported", "報告受付"
    INVESTIGATING = "investigating", "調査・対応中"
    CONTAINED = "contained", "封じ込め済"
    CLOSED = "closed", "終結"


class Cause(models.TextChoices):
    """Where the cause lies, as far as known: decides who must act (see ``routing.ROUTING_TABLE``)."""

    UNDETERMINED = "undetermined", "未判定"
    GOVERNMENT_CLOUD = "government_cloud", "ガバメントクラウドに起因"
    ASP = "asp", "ASP（業務システム）に起因"
    OPERATOR = "operator", "運用管理補助者の運用に起因"
    MUNICIPALITY = "municipality", "団体内部（職員・端末等）に起因"
    UNKNOWN = "unknown", "原因不明"
    DISPUTED = "disputed", "原因について見解が分かれている"


class IncidentQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> IncidentQuerySet:
        """The incidents of ``user``'s municipality they may see — the one rule (pages, API, dashboard):
        municipality-wide roles (管理者・監査人・閲覧者) every one; otherwise those they recorded, those reported by a
        unit in the subtrees of their 所属長・所属担当者 grants, and for a 事業者担当 those routed to their party.
        None for a user of no municipality."""
        if not getattr(user, "is_authenticated", False) or user.municipality_id is None:
            return self.none()
        mine = self.filter(municipality_id=user.municipality_id)
        if access.is_municipality_wide(user, Perm.VIEW):
            return mine
        party_ids = [g.party_id for g in access.grants(user) if g.role == Role.CONTRACTOR and g.party_id]
        return mine.filter(
            models.Q(created_by=user)
            | access.in_unit_subtrees(user, Perm.VIEW, field="reporting_unit")
            | models.Q(routed_party_id__in=party_ids)
        )

    def open(self) -> IncidentQuerySet:
        return self.exclude(status=Status.CLOSED)

    def ppc_reportable(self) -> IncidentQuerySet:
        """Incidents a PPC report is required for (``ppc.reportability`` as a query: 規則第2条 第1号〜第4号)."""
        return self.filter(personal_info_involved=True).filter(
            models.Q(in_network_system=True)
            | models.Q(unlawful_purpose=True)
            | models.Q(public_exposure=True)
            | models.Q(people_affected__gt=PEOPLE_THRESHOLD)
        )

    def ppc_overdue(self, today: dt.date) -> IncidentQuerySet:
        """Reportable incidents with a 速報 or 確報 past its due date and not yet made."""
        return self.ppc_reportable().filter(
            models.Q(ppc_prompt_reported_on__isnull=True, ppc_prompt_due__lt=today)
            | models.Q(ppc_final_reported_on__isnull=True, ppc_final_due__lt=today)
        )


class Incident(TenantOwned):
    title = GuardedCharField("件名", max_length=200)
    description = GuardedTextField("内容")
    occurred_at = models.DateTimeField("発生日時", null=True, blank=True)
    detected_at = models.DateTimeField("発覚日時（認知した時点）")
    reported_at = models.DateTimeField("番号制度総括部門への報告日時", null=True, blank=True)
    reporting_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="報告した組織"
    )
    systems = GuardedTextField("影響を受けたシステム", blank=True, default="")
    works: models.ManyToManyField[Work, IncidentWork] = models.ManyToManyField(
        Work, through="IncidentWork", related_name="incidents", verbose_name="影響を受けた事務"
    )
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.REPORTED)

    # 特定個人情報 involvement decides whether the PPC 漏えい等報告 applies.
    personal_info_involved = models.BooleanField("特定個人情報の漏えい等のおそれ", default=False)
    leaked = models.BooleanField("漏えい", default=False)
    lost = models.BooleanField("滅失", default=False)
    damaged = models.BooleanField("毀損", default=False)
    people_affected = models.PositiveIntegerField("本人の数（100人を超えると第4号）", null=True, blank=True)
    # The questions of 規則第2条 (see ``ppc.reportability``): any one makes the PPC report required.
    in_network_system = models.BooleanField(
        "情報提供ネットワークシステム等又は個人番号利用事務の情報システムで管理されていた（第1号）", default=False
    )
    unlawful_purpose = models.BooleanField("不正の目的をもって行われたおそれ（第2号）", default=False)
    public_exposure = models.BooleanField("不特定多数の者に閲覧されたおそれ（第3号）", default=False)
    ppc_prompt_due = models.DateField("速報の期限", null=True, blank=True)
    ppc_prompt_reported_on = models.DateField("速報の報告日", null=True, blank=True)
    ppc_final_due = models.DateField("確報の期限", null=True, blank=True)
    ppc_final_reported_on = models.DateField("確報の報告日", null=True, blank=True)

    # Responsibility routing (decided by routing.decide, recorded by services.incident_route).
    cause = models.CharField("原因の所在", max_length=20, choices=Cause.choices, default=Cause.UNDETERMINED)
    routed_party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="対応する主体"
    )
    routing_rule = models.CharField("適用した振り分け規則", max_length=40, blank=True, default="")
    routing_rationale = GuardedTextField("判断の理由", blank=True, default="")
    contract_clause = GuardedTextField("根拠となる契約条項", blank=True, default="")
    consultation_required = models.BooleanField("協議が必要", default=False)

    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "障害・事故"
        verbose_name_plural = "障害・事故"
        ordering = ["-detected_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def reportability(self) -> Reportability:
        return reportability(
            involved=self.personal_info_involved,
            in_network_system=self.in_network_system,
            unlawful_purpose=self.unlawful_purpose,
            public_exposure=self.public_exposure,
            people_affected=self.people_affected,
        )

    @property
    def ppc_report_required(self) -> bool:
        return self.reportability.required


class IncidentWork(TenantOwned):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="incident_works")
    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "障害・事故の関係事務"
        verbose_name_plural = "障害・事故の関係事務"
        constraints = [models.UniqueConstraint(fields=["incident", "work"], name="incidentwork_unique")]

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.work_id}"


class IncidentEvent(TenantOwned):
    """One timeline entry: a note, a status change, a routing decision, a PPC report, a consultation."""

    class Kind(models.TextChoices):
        NOTE = "note", "経過"
        STATUS = "status", "状態変更"
        ROUTING = "routing", "対応主体の判定"
        PPC = "ppc", "個人情報保護委員会への報告"
        CONSULTATION = "consultation", "協議"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("日時")
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    text = GuardedTextField("内容")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True, default="")
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "障害・事故の経過"
        verbose_name_plural = "障害・事故の経過"
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class Consultation(TenantOwned):
    """協議 among the municipality, デジタル庁 and the parties concerned, when the cause is unknown or disputed."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="consultations")
    held_on = models.DateField("協議日")
    participants = GuardedTextField("参加者")
    record = GuardedTextField("協議の記録")
    agreed_cause = models.CharField("合意した原因の所在", max_length=20, choices=Cause.choices)
    outcome = GuardedTextField("結論", blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "原因の協議"
        verbose_name_plural = "原因の協議"
        ordering = ["incident", "held_on"]

    def __str__(self) -> str:
        return f"協議 {self.held_on}"
