"""Findings (指摘事項) and their follow-up (改善計画・フォローアップ), shared by self-inspection and audits.

A finding names the unit and, when known, the commitment of the assessment report it concerns. Its ``source``
says where it came from (a self-inspection answer or an audit item); ``source_type``/``source_id`` point at that
row without a foreign key, so that ``findings`` stays below the apps that create findings. Status changes are the
named transitions of :mod:`piaops.findings.services`, each with a :class:`FindingEvent` row.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from piaops.assessments.models import Commitment
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy import access
from piaops.tenancy.models import OrgUnit, TenantOwned, TenantQuerySet, TransitionEvent, User


class Severity(models.TextChoices):
    HIGH = "high", "重大"
    MEDIUM = "medium", "要改善"
    LOW = "low", "軽微"


class Source(models.TextChoices):
    SELF_INSPECTION = "self_inspection", "自己点検"
    AUDIT = "audit", "監査"


class FindingStatus(models.TextChoices):
    OPEN = "open", "改善計画未提出"
    PLANNED = "planned", "改善中"
    COMPLETED = "completed", "完了報告済"
    VERIFIED = "verified", "確認済（完了）"


OPEN_STATUSES = (FindingStatus.OPEN, FindingStatus.PLANNED, FindingStatus.COMPLETED)


class FindingQuerySet(TenantQuerySet):
    """Findings; who sees which is one rule, :meth:`visible_to` (pages, API and the audit's follow-up lists)."""

    def visible_to(self, user: User) -> Self:
        """The findings ``user`` may see: every finding of their municipality for a holder of
        ``Perm.FINDINGS_VIEW`` for the whole municipality (管理者・監査人・閲覧者), those of the units in their
        subtrees for the unit roles, none for anyone else (事業者担当 is not municipality-wide)."""
        if user.municipality_id is None:
            return self.none()
        mine = self.filter(municipality_id=user.municipality_id)
        if access.is_municipality_wide(user, access.Perm.FINDINGS_VIEW):
            return mine
        return mine.filter(access.in_unit_subtrees(user, access.Perm.FINDINGS_VIEW))

    def open(self) -> Self:
        return self.filter(status__in=OPEN_STATUSES)

    def in_units(self, units: models.QuerySet[OrgUnit]) -> Self:
        return self.filter(unit__in=units)


class Finding(TenantOwned):
    fiscal_year = models.PositiveSmallIntegerField("年度")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="findings", verbose_name="所属")
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings", verbose_name="約束"
    )
    severity = models.CharField("重要度", max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    title = GuardedCharField("件名", max_length=300)
    description = GuardedTextField("内容", blank=True, default="")
    evidence = GuardedTextField("根拠・証跡", blank=True, default="")
    source = models.CharField("発生元", max_length=20, choices=Source.choices)
    source_type = models.CharField("発生元の種類", max_length=100, blank=True, default="")
    source_id = models.PositiveBigIntegerField("発生元ID", null=True, blank=True)
    status = models.CharField("状態", max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "指摘事項"
        verbose_name_plural = "指摘事項"
        ordering = ["-fiscal_year", "unit__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source_type", "source_id"],
                condition=Q(source_id__isnull=False),
                name="finding_one_per_source",
            )
        ]

    def __str__(self) -> str:
        return str(self.title[:80])


class FollowUp(TenantOwned):
    """The improvement plan of one finding: actions, who, due date (a 開庁日), completion and verification."""

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="followup")
    plan = GuardedTextField("改善計画")
    actions = GuardedTextField("具体的な措置", blank=True, default="")
    responsible = GuardedCharField("担当者", max_length=100, blank=True, default="")
    due_date = models.DateField("完了予定日")
    completed_on = models.DateField("完了日", null=True, blank=True)
    completion_note = GuardedTextField("完了報告", blank=True, default="")
    verified_at = models.DateTimeField("確認日時", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Moves forward on every change (piaops.lib.versioning): two people revising the plan at once cannot
    # overwrite each other.
    version = models.PositiveIntegerField("版数", default=1)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "改善計画"
        verbose_name_plural = "改善計画"

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.plan[:40]}"


class ProgressUpdate(TenantOwned):
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="updates")
    on = models.DateField("報告日")
    note = GuardedTextField("進捗")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "進捗報告"
        verbose_name_plural = "進捗報告"
        ordering = ["followup", "on", "id"]

    def __str__(self) -> str:
        return f"{self.on}: {self.note[:40]}"


class FindingEvent(TransitionEvent):
    """History row of one status transition."""

    subject_field = "finding"
    statuses = FindingStatus

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = "指摘事項の状態履歴"
        verbose_name_plural = "指摘事項の状態履歴"
        ordering = ["finding", "at", "id"]
