"""Self-inspection (自己点検): checklist templates, yearly campaigns, one checklist per unit, answers, review rounds.

- A :class:`ChecklistTemplate` is versioned by ``code`` + ``version``; once a launched campaign uses it, it is
  locked (``locked_at``) and an edit makes the next version (services).
- A :class:`Campaign` of one 年度 uses one or more templates (:class:`CampaignTemplate`, in order; ``template``
  is the first of them), targets units, and on launch creates one :class:`Checklist` per unit with an empty
  :class:`Answer` per item of every template: a 所属長 answers, certifies and submits one 点検票 a year.
- Every submission is kept as a :class:`Submission` (one per round) with the reviewer's per-item
  :class:`ReviewComment` rows, so a returned and resubmitted checklist shows its whole history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import models

from piaops.assessments.models import AssessmentReport, Commitment, SectionIVDecision
from piaops.core.evidence import EvidenceFile
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy.access import Perm, has_perm_somewhere, in_unit_subtrees, is_municipality_wide
from piaops.tenancy.models import OrgUnit, TenantOwned, TenantQuerySet, TransitionEvent, User


class Category(models.TextChoices):
    REPORT = "report", "評価書の記載事項"
    # The sections of the PPC's 安全管理措置 for 行政機関等 (the baseline, piaops.selfcheck.baseline), in its order.
    POLICY = "policy", "基本方針の策定"
    RULES = "rules", "取扱規程等の策定"
    ORGANIZATIONAL = "organizational", "組織的安全管理措置"
    HUMAN = "human", "人的安全管理措置"
    PHYSICAL = "physical", "物理的安全管理措置"
    TECHNICAL = "technical", "技術的安全管理措置"
    ADDED = "added", "追加項目"


class AnswerValue(models.TextChoices):
    YES = "yes", "はい"
    NO = "no", "いいえ"
    NA = "na", "該当なし"


class ChecklistTemplate(TenantOwned):
    code = models.CharField("様式コード", max_length=50, help_text="版をまとめるキー")
    version = models.PositiveIntegerField("版", default=1)
    title = GuardedCharField("自己点検票の名称", max_length=200)
    report = models.ForeignKey(
        AssessmentReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="selfcheck_templates",
        verbose_name="評価書",
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successors", verbose_name="前の版"
    )
    locked_at = models.DateTimeField("使用開始日時（以後変更不可）", null=True, blank=True)
    # Set on the 安全管理措置の基準 of a 年度 (every version of code ``baseline-<年度>``): every campaign of that 年度
    # carries its newest version (piaops.selfcheck.baseline).
    baseline_year = models.PositiveSmallIntegerField("安全管理措置の基準の年度", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "自己点検票"
        verbose_name_plural = "自己点検票"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code", "version"], name="template_version")]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class TemplateItem(TenantOwned):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField("順序", default=0)
    category = models.CharField("区分", max_length=20, choices=Category.choices, default=Category.ADDED)
    text = GuardedTextField("点検項目")
    guidance = GuardedTextField("説明", blank=True, default="")
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.SET_NULL, related_name="selfcheck_items"
    )
    change = models.CharField("評価書の変更", max_length=20, choices=Commitment.Change.choices, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "点検項目"
        verbose_name_plural = "点検項目"
        ordering = ["template", "order", "id"]

    def __str__(self) -> str:
        return str(self.text[:60])


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "準備中"
    LAUNCHED = "launched", "実施中"
    CLOSED = "closed", "終了"


class CampaignQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> CampaignQuerySet:
        """The campaigns of ``user``'s municipality they may see: every one for a municipality-wide reader of
        self-inspection (admin, auditor, viewer); the launched and closed ones (not those in preparation) for the
        unit roles; none for anyone else. The one rule of the pages, the API and the reports."""
        mine = self.filter(municipality_id=user.municipality_id)
        if is_municipality_wide(user, Perm.SELFCHECK_VIEW):
            return mine
        if has_perm_somewhere(user, Perm.SELFCHECK_VIEW):
            return mine.exclude(status=CampaignStatus.DRAFT)
        return mine.none()


class Campaign(TenantOwned):
    fiscal_year = models.PositiveSmallIntegerField("年度")
    title = GuardedCharField("名称", max_length=200)
    # The first of the campaign's templates (kept equal to ``campaign_templates`` position 0 by the services).
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name="自己点検票"
    )
    deadline = models.DateField("提出期限")
    instructions = GuardedTextField("実施要領", blank=True, default="")
    reminder_office_days = models.PositiveSmallIntegerField("期限前の通知（開庁日前）", default=5)
    status = models.CharField("状態", max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    targets: models.ManyToManyField[OrgUnit, CampaignTarget] = models.ManyToManyField(
        OrgUnit, through="CampaignTarget", related_name="+", verbose_name="対象所属"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors", verbose_name="前年度"
    )
    launched_at = models.DateTimeField("開始日時", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "自己点検の実施"
        verbose_name_plural = "自己点検の実施"
        ordering = ["-fiscal_year", "-id"]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.title}"

    def template_list(self) -> list[ChecklistTemplate]:
        """Every template of the campaign, in the order its items appear on the checklist."""
        cached: list[ChecklistTemplate] | None = getattr(self, "_template_list", None)
        if cached is None:
            links = self.campaign_templates.select_related("template").order_by("position", "id")
            cached = [link.template for link in links] or [self.template]
            self._template_list = cached  # the templates never change once the campaign exists
        return cached

    def items(self) -> list[TemplateItem]:
        """Every item of every template, in checklist order (template position, then item order)."""
        templates = self.template_list()
        pos = {t.pk: n for n, t in enumerate(templates)}
        rows = TemplateItem.objects.filter(template_id__in=list(pos)).select_related("template", "commitment")
        return sorted(rows, key=lambda i: (pos[i.template_id], i.order, i.pk))

    def item_numbers(self) -> dict[int, int]:
        """The No. of each item on the unit's checklist (1, 2, … across all templates), by item id."""
        return {item.pk: n for n, item in enumerate(self.items(), start=1)}

    def sort_answers(self, answers: Iterable[Answer]) -> list[Answer]:
        """``answers`` (with ``item`` loaded) in checklist order; each gets ``number``, its No. on the checklist."""
        pos = {t.pk: n for n, t in enumerate(self.template_list())}
        ordered = sorted(answers, key=lambda a: (pos.get(a.item.template_id, 0), a.item.order, a.item_id))
        for n, a in enumerate(ordered, start=1):
            a.number = n
        return ordered


class CampaignTemplate(TenantOwned):
    """One template of a campaign; ``position`` orders the templates' items on the checklist."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="campaign_templates")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="campaign_links")
    position = models.PositiveSmallIntegerField("順序", default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "自己点検で使う点検票テンプレート"
        verbose_name_plural = "自己点検で使う点検票テンプレート"
        ordering = ["campaign", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "template"], name="campaigntemplate_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.template_id}"


class CampaignTarget(TenantOwned):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="campaign_targets")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "自己点検の対象所属"
        verbose_name_plural = "自己点検の対象所属"
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="campaigntarget_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.unit_id}"


class ChecklistStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未着手"
    DRAFT = "draft", "作成中"
    SUBMITTED = "submitted", "提出済"
    RETURNED = "returned", "差戻し"
    ACCEPTED = "accepted", "確認済"


EDITABLE = (ChecklistStatus.NOT_STARTED, ChecklistStatus.DRAFT, ChecklistStatus.RETURNED)
DONE = (ChecklistStatus.SUBMITTED, ChecklistStatus.ACCEPTED)


class ChecklistQuerySet(TenantQuerySet):
    def pending(self) -> ChecklistQuerySet:
        return self.filter(status__in=EDITABLE)

    def visible_to(self, user: User) -> ChecklistQuerySet:
        """The checklists of ``user``'s municipality they may see: every unit's for a municipality-wide reader of
        self-inspection (admin, auditor, viewer), those of the units in their subtrees for 所属長・所属担当者, none
        for anyone else (a contractor). The one rule of the pages, the API and the reports."""
        mine = self.filter(municipality_id=user.municipality_id)
        if is_municipality_wide(user, Perm.SELFCHECK_VIEW):
            return mine
        return mine.filter(in_unit_subtrees(user, Perm.SELFCHECK_VIEW))


class Checklist(TenantOwned):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="checklists")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="selfcheck_checklists")
    status = models.CharField(
        "状態", max_length=20, choices=ChecklistStatus.choices, default=ChecklistStatus.NOT_STARTED
    )
    round = models.PositiveSmallIntegerField("提出回", default=1)
    first_submitted_at = models.DateTimeField("初回提出日時", null=True, blank=True)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    accepted_at = models.DateTimeField("確認日時", null=True, blank=True)
    # Moves forward on every save of answers or status (piaops.lib.versioning): two people saving the same
    # checklist from one version cannot overwrite each other.
    version = models.PositiveIntegerField("版数", default=1)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = "自己点検票（所属）"
        verbose_name_plural = "自己点検票（所属）"
        ordering = ["campaign", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="checklist_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.unit}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    def is_overdue(self, today: dt.date) -> bool:
        return self.status in EDITABLE and today > self.campaign.deadline


class AnswerQuerySet(TenantQuerySet):
    def on_commitments_of(self, unit: OrgUnit, fiscal_year: int) -> AnswerQuerySet:
        """The answers of ``unit``'s checklists of ``fiscal_year`` to items derived from a commitment (what an
        auditor compares with the audit's items), with their item and checklist."""
        return self.filter(
            checklist__unit=unit, checklist__campaign__fiscal_year=fiscal_year, item__commitment__isnull=False
        ).select_related("item", "checklist")


class Answer(TenantOwned):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(TemplateItem, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField("回答", max_length=10, choices=AnswerValue.choices, blank=True, default="")
    comment = GuardedTextField("コメント", blank=True, default="")
    improvement_plan = GuardedTextField("改善計画", blank=True, default="")
    target_date = models.DateField("改善予定日", null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    objects = AnswerQuerySet.as_manager()

    number: int = 0  # the item's No. on the checklist, set by Campaign.sort_answers

    class Meta:
        verbose_name = "回答"
        verbose_name_plural = "回答"
        # No default ordering: it would join the items into every aggregate over tens of thousands of answers.
        constraints = [models.UniqueConstraint(fields=["checklist", "item"], name="answer_unique")]

    def __str__(self) -> str:
        return f"{self.checklist_id}:{self.item_id}={self.value}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"selfcheck/{instance.municipality_id}/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(EvidenceFile):
    """A file attached to an answer (see :mod:`piaops.core.evidence`)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "証跡ファイル"
        verbose_name_plural = "証跡ファイル"
        ordering = ["answer", "id"]


class Submission(TenantOwned):
    """One round: the answers as submitted (``answers`` JSON by item id) and the review outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "確認待ち"
        ACCEPTED = "accepted", "確認済"
        RETURNED = "returned", "差戻し"

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="submissions")
    round = models.PositiveSmallIntegerField("提出回")
    submitted_at = models.DateTimeField("提出日時")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField(default=dict)
    outcome = models.CharField("結果", max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = GuardedTextField("全体コメント", blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "自己点検票の提出"
        verbose_name_plural = "自己点検票の提出"
        ordering = ["checklist", "round"]
        constraints = [models.UniqueConstraint(fields=["checklist", "round"], name="submission_round")]

    def __str__(self) -> str:
        return f"{self.checklist_id} 第{self.round}回"


class ReviewComment(TenantOwned):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey(TemplateItem, on_delete=models.PROTECT, related_name="+")
    comment = GuardedTextField("指摘")
    number: int | None = None  # the item's No. on the checklist, set by the checklist page's context

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "自己点検票への指摘"
        verbose_name_plural = "自己点検票への指摘"
        ordering = ["submission", "item__order"]

    def __str__(self) -> str:
        return str(self.comment[:40])


class ChecklistEvent(TransitionEvent):
    """History row of one checklist status transition."""

    subject_field = "checklist"
    statuses = ChecklistStatus

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = "自己点検票の状態履歴"
        verbose_name_plural = "自己点検票の状態履歴"
        ordering = ["checklist", "at", "id"]


class RatingDecision(SectionIVDecision):
    """The admin's choice for Ⅳ-1① from a campaign, next to the suggested one, the numbers and the reason."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rating_decisions")

    class Meta:
        verbose_name = "Ⅳ-1① 自己点検の評価の決定"
        verbose_name_plural = "Ⅳ-1① 自己点検の評価の決定"
        ordering = ["campaign", "-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.chosen}"
