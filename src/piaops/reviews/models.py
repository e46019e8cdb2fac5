"""A yearly 見直し of one assessment report (the version in force) and the 変更の候補 piaops found for it.

A review is opened for a report and a 年度; its candidates are computed from the other apps' records
(``piaops.reviews.candidates``) and decided one by one by the 番号制度総括部門; signing freezes the review, and only
an explicit, recorded re-opening unfreezes it (``services.review_reopen``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from piaops.assessments.models import AssessmentReport
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.lib.fiscal import wareki_fiscal_year
from piaops.tenancy import access
from piaops.tenancy.models import TenantOwned, TenantQuerySet, User


class ReviewStatus(models.TextChoices):
    OPEN = "open", "見直し中"
    SIGNED = "signed", "確認済（署名）"


class ReviewQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> ReviewQuerySet:
        """The reviews ``user`` may see: every review of their municipality for a reader of the governance documents
        (``Perm.REVIEWS_VIEW``, municipality-wide roles only), none for anyone else."""
        if user.municipality_id is None or not access.is_municipality_wide(user, access.Perm.REVIEWS_VIEW):
            return self.none()
        return self.filter(municipality_id=user.municipality_id)


class Review(TenantOwned):
    report = models.ForeignKey(
        AssessmentReport, on_delete=models.PROTECT, related_name="reviews", verbose_name="評価書"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    since = models.DateField("比較の起点", help_text="見直しの対象とする記録の始まり（現行版の公表日）")
    as_of = models.DateField("基準日", help_text="しきい値判断の重大事故（過去1年以内）を数える基準日")
    # The figures of 基礎項目評価書 Ⅱ (しきい値判断項目), recorded here while the report has no structured Section Ⅱ.
    subjects = models.PositiveIntegerField("対象人数", null=True, blank=True)
    handlers = models.PositiveIntegerField("取扱者数", null=True, blank=True)
    figures_source = GuardedCharField("人数の出典", max_length=200, blank=True, default="")
    status = models.CharField("状態", max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    signed_at = models.DateTimeField("署名日時", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "評価書の見直し"
        verbose_name_plural = "評価書の見直し"
        ordering = ["-fiscal_year", "report__series"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "report", "fiscal_year"], name="review_report_year")
        ]

    def __str__(self) -> str:
        return f"{wareki_fiscal_year(self.fiscal_year)} 見直し：{self.report.title}"

    @property
    def is_signed(self) -> bool:
        return self.status == ReviewStatus.SIGNED


class CandidateKind(models.TextChoices):
    CONTRACT_ADDED = "contract_added", "委託先・契約の追加"
    CONTRACT_ENDED = "contract_ended", "委託契約の終了"
    CONTRACT_CHANGED = "contract_changed", "委託契約の変更"
    SUBCONTRACT_ADDED = "subcontract_added", "再委託の追加"
    SUBCONTRACT_CHANGED = "subcontract_changed", "再委託の変更"
    ISMAP_ADDED = "ismap_added", "ISMAPリストへの登録"
    ISMAP_REMOVED = "ismap_removed", "ISMAPリストからの削除"
    SYSTEM_ADDED = "system_added", "システム（クラウドサービス）の追加"
    WORK_UNIT_ADDED = "work_unit_added", "事務を担当する組織の追加"
    WORK_UNIT_REMOVED = "work_unit_removed", "事務を担当する組織の削除"
    WORK_ENDED = "work_ended", "事務の廃止"
    THRESHOLD_BAND = "threshold_band", "対象人数・取扱者数のしきい値の区分の変化"
    THRESHOLD_TIER = "threshold_tier", "しきい値判断の結果と評価書の種類の相違"
    INCIDENT = "incident", "報告対象の重大事故"
    NEVER_INSPECTED = "never_inspected", "点検されていない記載"
    ALWAYS_NA = "always_na", "常に「該当なし」の記載"


class Decision(models.TextChoices):
    SIGNIFICANT = "significant", "重要な変更（変更前に再評価）"
    CORRECTION_BEFORE = "correction_before", "修正（事前提出）"
    CORRECTION_AFTER = "correction_after", "修正（事後提出）"
    NO_CHANGE = "no_change", "変更なし"


class Candidate(TenantOwned):
    """One 変更の候補. ``key`` names the record it came from (``contract:12:added``), so computing the candidates
    again adds only what is new and never loses a decision."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="candidates")
    kind = models.CharField("種類", max_length=30, choices=CandidateKind.choices)
    key = models.CharField(max_length=100)
    title = GuardedCharField("候補", max_length=300)
    detail = GuardedTextField("根拠となる記録", blank=True, default="")
    occurred_on = models.DateField("記録の日付", null=True, blank=True)
    decision = models.CharField("判断", max_length=30, choices=Decision.choices, blank=True, default="")
    reason = GuardedTextField("理由", blank=True, default="")
    reassessment_due = models.DateField("再評価の期限", null=True, blank=True)
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "変更の候補"
        verbose_name_plural = "変更の候補"
        ordering = ["review", "kind", "occurred_on", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "key"], name="candidate_review_key")]

    def __str__(self) -> str:
        return str(self.title)
