"""Audits (監査): the yearly programme (監査計画), its audits with checklist items and working papers, reports to
the 番号制度総括部門, and the Ⅳ-1② rating decision.

- An :class:`AuditProgramme` per 年度 lists :class:`Audit` rows. Each audit looks at one unit (所属) for some
  works (個人番号利用事務), is 書面監査 or 現地監査, and has auditors (:class:`AuditAuditor`, with the reason of an
  independence exception when one was needed).
- Starting an audit builds its :class:`AuditItem` checklist from the commitments; each item gets a result, notes,
  a working paper (監査調書) and :class:`AuditEvidence` files. A completed audit is locked: a later correction is a
  new item that points at the one it corrects (``corrects``).
- Non-conformities become findings of :mod:`piaops.findings` (``source_type="audits.item"``).
- :class:`AuditReport` is a frozen submission (PDF, XLSX and the data as JSON) to the governance division.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models

from piaops.assessments.models import AssessmentReport, Commitment, SectionIVDecision
from piaops.core.evidence import EvidenceFile
from piaops.findings.models import Finding
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy import access
from piaops.tenancy.models import OrgUnit, TenantOwned, TenantQuerySet, TransitionEvent, User, Work


class AuditsQuerySet(TenantQuerySet):
    """The rows of programmes, audits and reports: who sees them is one rule, :meth:`visible_to`."""

    def visible_to(self, user: User) -> Self:
        """The rows ``user`` may see: every row of their municipality for a holder of ``Perm.AUDIT_VIEW`` for the
        whole municipality (管理者・監査人・閲覧者), none for anyone else (unit roles and 事業者担当 have no audit
        pages: an audit is the governance division's record about a unit, not the unit's own)."""
        if user.municipality_id is None or not access.is_municipality_wide(user, access.Perm.AUDIT_VIEW):
            return self.none()
        return self.filter(municipality_id=user.municipality_id)


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    APPROVED = "approved", "承認済"


class AuditProgramme(TenantOwned):
    fiscal_year = models.PositiveSmallIntegerField("年度")
    title = GuardedCharField("名称", max_length=200)
    status = models.CharField("状態", max_length=20, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors", verbose_name="前年度"
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditsQuerySet.as_manager()

    class Meta:
        verbose_name = "監査計画"
        verbose_name_plural = "監査計画"
        ordering = ["-fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["municipality", "fiscal_year"], name="auditprogramme_fy")]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.title}"


class AuditType(models.TextChoices):
    DOCUMENT = "document", "書面監査"
    ONSITE = "onsite", "現地監査"


class AuditStatus(models.TextChoices):
    PLANNED = "planned", "予定"
    IN_PROGRESS = "in_progress", "実施中"
    COMPLETED = "completed", "完了"


class Audit(TenantOwned):
    programme = models.ForeignKey(AuditProgramme, on_delete=models.CASCADE, related_name="audits")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="audits", verbose_name="監査対象所属")
    works: models.ManyToManyField[Work, AuditWork] = models.ManyToManyField(
        Work, through="AuditWork", related_name="+", verbose_name="対象事務"
    )
    audit_type = models.CharField("種別", max_length=20, choices=AuditType.choices, default=AuditType.DOCUMENT)
    planned_start = models.DateField("実施予定日（開始）")
    planned_end = models.DateField("実施予定日（終了）")
    status = models.CharField("状態", max_length=20, choices=AuditStatus.choices, default=AuditStatus.PLANNED)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    completed_at = models.DateTimeField("完了日時", null=True, blank=True)
    summary = GuardedTextField("監査の所見（総括）", blank=True, default="")
    reaudit_of = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="reaudits", verbose_name="再監査の対象"
    )

    objects = AuditsQuerySet.as_manager()

    class Meta:
        verbose_name = "監査"
        verbose_name_plural = "監査"
        ordering = ["programme", "planned_start", "id"]

    def __str__(self) -> str:
        return f"{self.unit}（{self.get_audit_type_display()}）"

    @property
    def is_locked(self) -> bool:
        return self.status == AuditStatus.COMPLETED


class AuditWork(TenantOwned):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="audit_works")
    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "監査の対象事務"
        verbose_name_plural = "監査の対象事務"
        constraints = [models.UniqueConstraint(fields=["audit", "work"], name="auditwork_unique")]

    def __str__(self) -> str:
        return f"{self.audit_id}:{self.work_id}"


class AuditAuditor(TenantOwned):
    """An auditor of one audit. ``exception_reason`` is set when the independence rule needed an exception."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="auditors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    exception_reason = GuardedTextField("独立性の例外の理由", blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "監査人"
        verbose_name_plural = "監査人"
        constraints = [models.UniqueConstraint(fields=["audit", "user"], name="auditauditor_unique")]

    def __str__(self) -> str:
        return f"{self.audit_id}:{self.user_id}"


class AuditEvent(TransitionEvent):
    """History row of one audit status transition."""

    subject_field = "audit"
    statuses = AuditStatus

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = "監査の状態履歴"
        verbose_name_plural = "監査の状態履歴"
        ordering = ["audit", "at", "id"]


class ItemResult(models.TextChoices):
    CONFORMING = "conforming", "適合"
    MINOR = "minor", "軽微な不適合"
    MAJOR = "major", "重大な不適合"
    OBSERVATION = "observation", "観察事項"


NONCONFORMING = (ItemResult.MINOR, ItemResult.MAJOR)


class AuditItemQuerySet(TenantQuerySet):
    def current(self) -> AuditItemQuerySet:
        """Items not replaced by a correction."""
        return self.filter(corrections__isnull=True)


class AuditItem(TenantOwned):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField("順序", default=0)
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_items"
    )
    text = GuardedTextField("監査項目")
    result = models.CharField("結果", max_length=20, choices=ItemResult.choices, blank=True, default="")
    notes = GuardedTextField("所見", blank=True, default="")
    working_paper = GuardedTextField("監査調書", blank=True, default="")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", verbose_name="訂正元"
    )
    correction_reason = GuardedTextField("訂正の理由", blank=True, default="")
    updated_at = models.DateTimeField(null=True, blank=True)

    objects = AuditItemQuerySet.as_manager()

    class Meta:
        verbose_name = "監査項目"
        verbose_name_plural = "監査項目"
        ordering = ["audit", "order", "id"]

    def __str__(self) -> str:
        return str(self.text[:60])

    @property
    def is_nonconforming(self) -> bool:
        return self.result in NONCONFORMING


def evidence_path(instance: AuditEvidence, filename: str) -> str:
    return f"audits/{instance.municipality_id}/{instance.sha256[:2]}/{instance.sha256}"


class AuditEvidence(EvidenceFile):
    """A file attached to an audit item (see :mod:`piaops.core.evidence`)."""

    item = models.ForeignKey(AuditItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "監査調書の証跡"
        verbose_name_plural = "監査調書の証跡"
        ordering = ["item", "id"]


class ReportKind(models.TextChoices):
    RESULTS = "results", "監査結果報告書"
    FOLLOWUP = "followup", "フォローアップ結果報告書"


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", "提出済"
    RECEIVED = "received", "受理"
    RETURNED = "returned", "差戻し"
    REOPENED = "reopened", "再開（再提出待ち）"


def report_path(instance: AuditReport, filename: str) -> str:
    return f"audits/{instance.municipality_id}/reports/{filename}"


class AuditReport(TenantOwned):
    """A submitted report: the files and the data exactly as submitted (a frozen snapshot)."""

    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("種類", max_length=20, choices=ReportKind.choices)
    as_of = models.DateField("基準日")
    status = models.CharField("状態", max_length=20, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    data = models.JSONField(default=dict)
    pdf = models.FileField(upload_to=report_path, max_length=300)
    xlsx = models.FileField(upload_to=report_path, max_length=300)
    pdf_sha256 = models.CharField(max_length=64)
    xlsx_sha256 = models.CharField(max_length=64)
    submitted_at = models.DateTimeField("提出日時")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = GuardedTextField("総括部門のコメント", blank=True, default="")

    objects = AuditsQuerySet.as_manager()

    class Meta:
        verbose_name = "監査報告"
        verbose_name_plural = "監査報告"
        ordering = ["-fiscal_year", "-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.get_kind_display()}（{self.as_of}）"


class AuditReportEvent(TransitionEvent):
    """History row of a submitted report's review (受理・差戻し) or re-opening (who, when, the reason in ``note``)."""

    subject_field = "report"
    statuses = ReportStatus

    report = models.ForeignKey(AuditReport, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = "監査報告の状態履歴"
        verbose_name_plural = "監査報告の状態履歴"
        ordering = ["report", "at", "id"]


class AuditRatingDecision(SectionIVDecision):
    """The admin's choice for Ⅳ-1② (監査) of a 年度, next to the suggestion, the numbers and the reason.

    Without ``report`` it rates the municipality's programme as a whole (the audits page, on the municipality-wide
    numbers). With ``report`` it is that assessment report's Section Ⅳ rating, recorded on the report's Section Ⅳ
    page against the suggestion scoped to the report's works and units: only that report adopts it.
    """

    fiscal_year = models.PositiveSmallIntegerField("年度")
    report = models.ForeignKey(
        AssessmentReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_rating_decisions",
        verbose_name="評価書",
    )

    class Meta:
        verbose_name = "Ⅳ-1② 監査の評価の決定"
        verbose_name_plural = "Ⅳ-1② 監査の評価の決定"
        ordering = ["-fiscal_year", "-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.chosen}"
