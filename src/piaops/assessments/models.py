"""Assessment reports as structured, versioned data, down to *commitments*: the atomic promises checked elsewhere.

Report → sections → items (with rating) → measure blocks per party → commitments. Every row carries
``municipality``. A revised report is a new ``AssessmentReport`` with the same ``series`` and ``version + 1``;
its commitments point at their predecessor (``previous``) and carry a ``change`` mark, so the next
self-inspection knows what changed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from piaops.assessments.profile import ReportProfile, profile_of
from piaops.assessments.vocab import (
    CLOCK_REVISIONS,
    CommitmentKind,
    FieldKey,
    Revision,
    SectionIVRating,
    Tier,
)
from piaops.lib import cadence as cadence_grammar
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.lib.fiscal import add_years
from piaops.tenancy.models import OrgUnit, Party, TenantOwned, TenantQuerySet, Work

FULL_REASSESSMENT_YEARS = 5


class ReportQuerySet(TenantQuerySet):
    def current(self) -> ReportQuerySet:
        """The version in force of each series: not superseded, and no later version in force. A version imported
        with an older 公表日 than the one in force is kept as 旧版 and does not displace it."""
        in_force = [AssessmentReport.Status.DRAFT, AssessmentReport.Status.PUBLISHED]
        return self.filter(status__in=in_force).exclude(successors__status__in=in_force)


class AssessmentReport(TenantOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        PUBLISHED = "published", "公表済"
        SUPERSEDED = "superseded", "旧版"

    series = GuardedCharField("評価書の系列", max_length=200, help_text="版をまとめるキー（評価書番号または事務名）")
    version = models.PositiveIntegerField("版", default=1)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successors", verbose_name="前の版"
    )
    title = GuardedCharField("評価書名", max_length=300)
    works: models.ManyToManyField[Work, ReportWork] = models.ManyToManyField(
        Work, through="ReportWork", related_name="reports", verbose_name="対象事務"
    )
    tier = models.CharField("評価の種類", max_length=20, choices=Tier.choices, default=Tier.FULL)
    revision = models.CharField(
        "版の種類",
        max_length=20,
        choices=Revision.choices,
        default=Revision.CORRECTION,
        help_text="再実施・重要な変更による再評価は5年の再実施期限の起点になります。修正はなりません。",
    )
    form_version = GuardedCharField("様式", max_length=100, blank=True, default="")
    report_number = GuardedCharField("評価書番号", max_length=50, blank=True, default="")
    published_on = models.DateField("公表日", null=True, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.DRAFT)
    source_text = GuardedTextField("取込元テキスト", blank=True, default="")
    source_name = GuardedCharField("取込元ファイル名", max_length=255, blank=True, default="")
    source_sha256 = models.CharField("取込元SHA-256", max_length=64, blank=True, default="")
    source_encoding = models.CharField("文字コード", max_length=20, blank=True, default="")
    import_warnings = models.JSONField(
        "取込時の警告", default=list, blank=True, help_text="[{line, message}]: 読み取れなかった箇所（行番号つき）"
    )
    imported_at = models.DateTimeField("取込日時", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "評価書"
        verbose_name_plural = "評価書"
        ordering = ["series", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "series", "version"], name="report_series_version")
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"

    @property
    def is_superseded(self) -> bool:
        return self.status == self.Status.SUPERSEDED

    @property
    def reassessed_on(self) -> dt.date | None:
        """The 公表日 the 5-year clock runs from: the latest published 再実施 or 重要な変更による再評価 of the series
        (a 修正 does not restart it); without one, the series' first publication. Two queries; for a list of
        reports, :func:`with_reassessed_on` reads them all in one."""
        if "_reassessed_on" in self.__dict__:
            return self.__dict__["_reassessed_on"]  # type: ignore[no-any-return]  # set by with_reassessed_on
        published = AssessmentReport.objects.filter(
            municipality_id=self.municipality_id, series=self.series, published_on__isnull=False
        ).exclude(status=AssessmentReport.Status.DRAFT)
        anchors = published.filter(revision__in=CLOCK_REVISIONS).order_by("-published_on").first()
        first = published.order_by("published_on").first()
        anchor = anchors or first
        return anchor.published_on if anchor is not None else self.published_on

    def profile(self) -> ReportProfile:
        """Ⅰ/Ⅱ/Ⅴ/Ⅵ as typed values: 事務, システム, 対象人数 and 取扱者数 as しきい値 ``Band``s, 委託, 提供・移転,
        開示請求・問合せ, しきい値判断・意見聴取・第三者点検 (:mod:`piaops.assessments.profile`)."""
        return profile_of(self.fields.all())

    @property
    def next_full_reassessment_due(self) -> dt.date | None:
        """The last re-assessment's 公表日 + 5 years (特定個人情報保護評価に関する規則第15条: 5年を経過する前に再実施
        するよう努める)."""
        anchor = self.reassessed_on
        return add_years(anchor, FULL_REASSESSMENT_YEARS) if anchor else None


def with_reassessed_on(reports: list[AssessmentReport]) -> list[AssessmentReport]:
    """``reports`` with :attr:`AssessmentReport.reassessed_on` (and so ``next_full_reassessment_due``) read for all
    of them in one query instead of two per report: the same rule — the latest 公表日 of a published, non-draft
    再実施 or 重要な変更による再評価 of the series, else its first 公表日, else the report's own. The value is kept on
    each instance: for a list read to be shown (a page, the reminders), not one that is then changed."""
    if not reports:
        return reports
    clock: dict[tuple[int, str], dt.date] = {}
    first: dict[tuple[int, str], dt.date] = {}
    rows = (
        AssessmentReport.objects.filter(
            municipality_id__in={r.municipality_id for r in reports},
            series__in={r.series for r in reports},
            published_on__isnull=False,
        )
        .exclude(status=AssessmentReport.Status.DRAFT)
        .values_list("municipality_id", "series", "revision", "published_on")
    )
    for municipality_id, series, revision, published_on in rows:
        key = (municipality_id, series)
        if key not in first or published_on < first[key]:
            first[key] = published_on
        if revision in CLOCK_REVISIONS and (key not in clock or published_on > clock[key]):
            clock[key] = published_on
    for r in reports:
        key = (r.municipality_id, r.series)
        r.__dict__["_reassessed_on"] = clock.get(key) or first.get(key) or r.published_on
    return reports


class ReportWork(TenantOwned):
    report = models.ForeignKey(AssessmentReport, on_delete=models.CASCADE, related_name="report_works")
    work = models.ForeignKey(Work, on_delete=models.PROTECT, related_name="report_works")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "評価書の対象事務"
        verbose_name_plural = "評価書の対象事務"
        constraints = [models.UniqueConstraint(fields=["report", "work"], name="reportwork_unique")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.work_id}"


class Section(TenantOwned):
    report = models.ForeignKey(AssessmentReport, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField("番号", max_length=20)
    title = GuardedCharField("見出し", max_length=300, blank=True, default="")
    text = GuardedTextField("本文", blank=True, default="")
    order = models.PositiveIntegerField(default=0)
    start_line = models.PositiveIntegerField(default=0)
    end_line = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "評価書の章"
        verbose_name_plural = "評価書の章"
        ordering = ["report", "order"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ReportChange(TenantOwned):
    """A row of the report's own 別添3 変更箇所, as written (shown beside the computed diff)."""

    class Timing(models.TextChoices):
        BEFORE = "事前", "事前"
        AFTER = "事後", "事後"

    report = models.ForeignKey(AssessmentReport, on_delete=models.CASCADE, related_name="change_records")
    changed_on = models.DateField("変更日")
    item = GuardedTextField("項目", blank=True, default="")
    before = GuardedTextField("変更前の記載", blank=True, default="")
    after = GuardedTextField("変更後の記載", blank=True, default="")
    timing = models.CharField("提出時期", max_length=10, blank=True, default="")
    explanation = GuardedTextField("提出時期に係る説明", blank=True, default="")
    order = models.PositiveIntegerField(default=0)
    line = models.PositiveIntegerField("行", default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "評価書の変更箇所"
        verbose_name_plural = "評価書の変更箇所"
        ordering = ["report", "order"]

    def __str__(self) -> str:
        return f"{self.changed_on} {self.item[:40]}"


class ReportField(TenantOwned):
    """A labelled field of Ⅰ 基本情報, Ⅱ ファイルの概要 (しきい値判断項目), 開示請求・問合せ or 評価実施手続, as the
    report states it (``parser.fields``). ``AssessmentReport.profile()`` reads them as typed values."""

    report = models.ForeignKey(AssessmentReport, on_delete=models.CASCADE, related_name="fields")
    section = GuardedCharField("章", max_length=20)
    group = GuardedCharField("見出し", max_length=300, blank=True, default="")
    label = GuardedCharField("項目", max_length=200)
    key = models.CharField("種類", max_length=30, blank=True, default="", choices=FieldKey.choices)
    value = GuardedTextField("記載", blank=True, default="")
    choices = models.JSONField("選択肢", default=list, blank=True)
    order = models.PositiveIntegerField(default=0)
    line = models.PositiveIntegerField("行", default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "評価書の記載項目"
        verbose_name_plural = "評価書の記載項目"
        ordering = ["report", "order"]

    def __str__(self) -> str:
        return f"{self.label}: {self.value[:40]}"


class Item(TenantOwned):
    report = models.ForeignKey(AssessmentReport, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    number_path = models.CharField("項目番号", max_length=50)
    title = GuardedCharField("項目名", max_length=300, blank=True, default="")
    group_title = GuardedCharField("上位の見出し", max_length=300, blank=True, default="")
    parent_path = GuardedCharField(
        "親の項目番号",
        max_length=50,
        blank=True,
        default="",
        help_text="Ⅲ のリスク内の追加の評価行のとき、そのリスクの項目番号",
    )
    question = GuardedTextField("評価の問い", blank=True, default="")
    choices = models.JSONField("選択肢", default=list, blank=True)
    selected_choice = GuardedCharField("選択された評価", max_length=100, blank=True, default="")
    text = GuardedTextField("本文", blank=True, default="")
    order = models.PositiveIntegerField(default=0)
    start_line = models.PositiveIntegerField(default=0)
    end_line = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "評価項目"
        verbose_name_plural = "評価項目"
        ordering = ["report", "order"]

    def __str__(self) -> str:
        return f"{self.number_path} {self.title}"


class MeasureBlock(TenantOwned):
    """The measures one party takes for an item (``<札幌市における措置>`` …)."""

    report = models.ForeignKey(AssessmentReport, on_delete=models.CASCADE, related_name="blocks")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="blocks")
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    party_label = GuardedCharField("措置主体（原文）", max_length=200)
    party_name = GuardedCharField("措置主体", max_length=200)
    field_label = GuardedCharField("欄の名前", max_length=100, blank=True, default="")
    text = GuardedTextField("本文", blank=True, default="")
    order = models.PositiveIntegerField(default=0)
    start_line = models.PositiveIntegerField(default=0)
    end_line = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "措置の記載"
        verbose_name_plural = "措置の記載"
        ordering = ["item", "order"]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.party_name}"


class CommitmentQuerySet(TenantQuerySet):
    def of_kind(self, *kinds: str) -> CommitmentQuerySet:
        return self.filter(kind__in=kinds)

    def current(self) -> CommitmentQuerySet:
        return self.filter(report__in=AssessmentReport.objects.current())


class Commitment(TenantOwned):
    """One checkable promise. ``source_text`` and the line span keep the link to the report text after edits."""

    class Change(models.TextChoices):
        NEW = "new", "新規"
        CHANGED = "changed", "変更"
        UNCHANGED = "unchanged", "変更なし"

    report = models.ForeignKey(AssessmentReport, on_delete=models.CASCADE, related_name="commitments")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="commitments")
    block = models.ForeignKey(
        MeasureBlock, null=True, blank=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="commitments")
    party_name = GuardedCharField("措置主体", max_length=200, blank=True, default="")
    text = GuardedTextField("約束の内容")
    kind = models.CharField("種類", max_length=20, choices=CommitmentKind.choices, default=CommitmentKind.OTHER)
    # The cadence that schedules (``piaops.lib.cadence.primary``) and every cadence the text states, as machine
    # values of ``piaops.lib.cadence`` ("" / [] when the text states none).
    cadence = models.CharField("頻度", max_length=30, blank=True, default="", validators=[cadence_grammar.validate])
    cadences = models.JSONField("頻度（記載のすべて）", default=list, blank=True)
    owner_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="commitments", verbose_name="担当組織"
    )
    source_text = GuardedTextField("原文", blank=True, default="")
    start_line = models.PositiveIntegerField(default=0)
    end_line = models.PositiveIntegerField(default=0)
    order = models.PositiveIntegerField(default=0)
    refined = models.BooleanField("手で修正済み", default=False)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors", verbose_name="前の版の約束"
    )
    change = models.CharField("前の版からの変更", max_length=20, choices=Change.choices, default=Change.NEW)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = "約束（コミットメント）"
        verbose_name_plural = "約束（コミットメント）"
        ordering = ["report", "order"]

    def __str__(self) -> str:
        return str(self.text[:60])

    @property
    def cadence_label(self) -> str:
        return cadence_grammar.label(self.cadence)

    @property
    def cadences_label(self) -> str:
        """Every stated cadence in Japanese (「四半期ごと・新規着任時」); the scheduling one when none was kept."""
        values = self.cadences or ([self.cadence] if self.cadence else [])
        return "・".join(cadence_grammar.label(v) for v in values)


class SectionIVDecision(TenantOwned):
    """Base of the admin's recorded rating of a Section Ⅳ item (Ⅳ-1① 自己点検, Ⅳ-1② 監査): the suggested and the
    chosen rating, the reason when they differ, and the numbers the suggestion rested on with its conditions
    (:meth:`piaops.assessments.suggestion.Suggestion.decision_numbers`).

    The concrete model adds what was rated and its ordering. The columns are those each decision table had before
    this base existed, so it changes no schema.
    """

    suggested = models.CharField("提案された評価", max_length=20, choices=SectionIVRating.choices)
    chosen = models.CharField("採用した評価", max_length=20, choices=SectionIVRating.choices)
    reason = GuardedTextField("理由", blank=True, default="")
    numbers = models.JSONField(default=dict)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
