"""教育・啓発: courses and their sessions, requirements (who must complete what, when), attendance records, and the
Ⅳ-2 rating decision.

The compliance status of a person against a requirement is not stored: it is computed on demand for any date by
:mod:`piaops.training.compliance`, set-based in the database, so it can never drift from the records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from piaops.assessments.models import Commitment
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import (
    Assignment,
    EmploymentType,
    Municipality,
    OrgUnit,
    Party,
    Person,
    Role,
    TenantOwned,
    TenantQuerySet,
    Work,
)

if TYPE_CHECKING:
    from piaops.tenancy.models import User


def sees_whole_municipality(user: User) -> bool:
    """Whether ``user`` reads training municipality-wide (管理者・監査人・閲覧者): the overview, the list of all
    records, the Ⅳ-2 rating. A 所属長・所属担当者 reads their subtrees' rosters and people instead."""
    return access.is_municipality_wide(user, Perm.VIEW_PEOPLE)


def visible_people(user: User) -> models.QuerySet[Person]:
    """The people of ``user``'s municipality whose training ``user`` may read: every one for a municipality-wide
    reader, else those with an assignment (past or present) in the subtrees of their unit grants; none for others."""
    if not getattr(user, "is_authenticated", False) or user.municipality_id is None:
        return Person.objects.none()
    people = Person.objects.filter(municipality_id=user.municipality_id)
    if sees_whole_municipality(user):
        return people
    in_subtrees = Assignment.objects.filter(access.in_unit_subtrees(user, Perm.VIEW_PEOPLE))
    return people.filter(pk__in=in_subtrees.values("person_id"))


class RecordQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> RecordQuerySet:
        """The records of ``user``'s municipality they may read: the records of ``visible_people(user)`` — the one
        rule of the training pages, API and menu."""
        if not getattr(user, "is_authenticated", False) or user.municipality_id is None:
            return self.none()
        mine = self.filter(municipality_id=user.municipality_id)
        return mine if sees_whole_municipality(user) else mine.filter(person__in=visible_people(user))


class Topic(models.TextChoices):
    PRIVACY = "privacy", "個人情報保護"
    SECURITY = "security", "情報セキュリティ"
    MY_NUMBER = "my_number", "番号制度"
    OPERATIONS = "operations", "運用規則"
    INCIDENT = "incident", "事故・障害対応"
    OTHER = "other", "その他"


class Delivery(models.TextChoices):
    CLASSROOM = "classroom", "集合研修"
    ELEARNING = "elearning", "e-ラーニング"
    HANDOUT = "handout", "資料配布"


class Course(TenantOwned):
    """研修: what is taught, from which material (version and source, e.g. IPA's material), how, and its test."""

    code = GuardedCharField("研修コード", max_length=30)
    title = GuardedCharField("研修名", max_length=200)
    topics = models.JSONField("内容", default=list, blank=True)  # list of Topic values
    description = GuardedTextField("概要", blank=True, default="")
    material_title = GuardedCharField("教材", max_length=200, blank=True, default="")
    material_version = GuardedCharField("教材の版", max_length=50, blank=True, default="")
    material_source = GuardedCharField("教材の出典", max_length=200, blank=True, default="")
    material_date = models.DateField("教材の日付", null=True, blank=True)
    delivery = models.CharField("実施方法", max_length=20, choices=Delivery.choices, default=Delivery.CLASSROOM)
    duration_minutes = models.PositiveIntegerField("所要時間（分）", default=60)
    has_test = models.BooleanField("理解度テストあり", default=False)
    pass_mark = models.PositiveSmallIntegerField("合格点", null=True, blank=True)
    is_active = models.BooleanField("有効", default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "研修"
        verbose_name_plural = "研修"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="training_course_code_unique")]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"

    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(t, t)) for t in self.topics]


class Session(TenantOwned):
    """A run of a course: date, place, trainer. An e-learning period is a session too (its first day)."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions", verbose_name="研修")
    date = models.DateField("実施日")
    end_date = models.DateField("終了日", null=True, blank=True)
    place = GuardedCharField("場所", max_length=200, blank=True, default="")
    trainer = GuardedCharField("講師", max_length=100, blank=True, default="")
    note = GuardedTextField("備考", blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "研修の実施回"
        verbose_name_plural = "研修の実施回"
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return f"{self.course.title} {self.date.isoformat()}"


class Trigger(models.TextChoices):
    INITIAL = "initial", "初任時"
    ON_ASSIGNMENT = "on_assignment", "新規着任時（随時）"
    EVERY_MONTHS = "every_months", "定期（Nか月ごと）"
    PER_FISCAL_YEAR = "per_fiscal_year", "定期（年度にN回）"


class Requirement(TenantOwned):
    """受講要件: which people must complete which course, and when.

    People: employed on the day, matching every filter that is set (employment types, party, roles held through a
    login account), with an assignment that is in scope (handles 特定個人情報 if ``handling_only``, in the unit
    subtree, in a unit that carries out the work). Timing: see :class:`Trigger` and
    :mod:`piaops.training.compliance` for the exact rule of each kind.
    """

    name = GuardedCharField("要件名", max_length=200)
    courses = models.ManyToManyField(Course, related_name="requirements", verbose_name="対象研修（いずれか）")
    trigger = models.CharField("時期", max_length=20, choices=Trigger.choices)
    within_days = models.PositiveIntegerField(
        "期限（日数）", default=30, help_text="初任時・新規着任時：着任から何日以内"
    )
    every_months = models.PositiveSmallIntegerField("周期（月）", default=12)
    times_per_year = models.PositiveSmallIntegerField(
        "年度内の回数", default=1, help_text="年度を等分した各期に1回（年2回＝上期・下期に各1回）"
    )
    grace_days = models.PositiveIntegerField("猶予（日数）", default=0)
    handling_only = models.BooleanField("特定個人情報を取り扱う配属のみ", default=True)
    employment_types = models.JSONField("雇用形態（空欄はすべて）", default=list, blank=True)
    roles = models.JSONField("役割（空欄はすべて）", default=list, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="対象組織（配下を含む）",
    )
    work = models.ForeignKey(
        Work, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="対象事務"
    )
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="所属事業者"
    )
    is_active = models.BooleanField("有効", default=True)
    # The report's promise this requirement carries out (Ⅳ-2 教育・啓発); a new report version moves it to the
    # successor and, when the stated cadence changed, its timing follows (see ``services.follow_report_version``).
    commitment = models.ForeignKey(
        Commitment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_requirements",
        verbose_name="評価書の約束",
    )
    cadence_note = GuardedCharField("頻度の変更", max_length=300, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "受講要件"
        verbose_name_plural = "受講要件"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(times_per_year__in=[1, 2, 3, 4, 6, 12]), name="training_requirement_times_divide_year"
            ),
            models.CheckConstraint(condition=Q(every_months__gte=1), name="training_requirement_months_positive"),
        ]

    def __str__(self) -> str:
        return str(self.name)

    def timing_text(self) -> str:
        grace = f"（猶予{self.grace_days}日）" if self.grace_days else ""
        if self.trigger == Trigger.INITIAL:
            return f"初任時：特定個人情報を取り扱う最初の配属から{self.within_days}日以内{grace}"
        if self.trigger == Trigger.ON_ASSIGNMENT:
            return f"新規着任時：各配属の開始から{self.within_days}日以内{grace}"
        if self.trigger == Trigger.EVERY_MONTHS:
            return f"{self.every_months}か月ごと{grace}"
        return f"年度に{self.times_per_year}回（各期に1回）{grace}"

    def scope_text(self) -> str:
        parts = []
        if self.employment_types:
            labels = dict(EmploymentType.choices)
            parts.append("・".join(str(labels.get(t, t)) for t in self.employment_types))
        if self.roles:
            role_labels = dict(Role.choices)
            parts.append("・".join(str(role_labels.get(r, r)) for r in self.roles))
        if self.unit_id:
            parts.append(f"{self.unit}配下")
        if self.work_id:
            parts.append(f"{self.work}")
        if self.party_id:
            parts.append(f"{self.party}")
        if self.handling_only:
            parts.append("特定個人情報を取り扱う者")
        return "、".join(parts) or "全職員等"


class Result(models.TextChoices):
    COMPLETED = "completed", "修了"
    PASSED = "passed", "合格"
    FAILED = "failed", "不合格"
    ABSENT = "absent", "欠席"


COMPLETING_RESULTS = (Result.COMPLETED.value, Result.PASSED.value)


class Record(TenantOwned):
    """受講記録: a person completed (or failed) a course on a day. Only 修了・合格 count for requirements."""

    class Source(models.TextChoices):
        MANUAL = "manual", "手入力"
        IMPORT = "import", "一括取込"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_records", verbose_name="職員等")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records", verbose_name="研修")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="records", verbose_name="実施回"
    )
    completed_on = models.DateField("受講日")
    result = models.CharField("結果", max_length=20, choices=Result.choices, default=Result.COMPLETED)
    score = models.PositiveSmallIntegerField("得点", null=True, blank=True)
    evidence = GuardedCharField("証跡", max_length=300, blank=True, default="")
    source = models.CharField("登録方法", max_length=10, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = "受講記録"
        verbose_name_plural = "受講記録"
        ordering = ["-completed_on", "id"]
        indexes = [
            # The compliance query reads records by course, then person and date.
            models.Index(fields=["course", "person", "completed_on"], name="training_rec_course_person"),
            models.Index(fields=["person", "completed_on"], name="training_rec_person_date"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.course_id} {self.completed_on.isoformat()}"

    @property
    def counts(self) -> bool:
        return self.result in COMPLETING_RESULTS


class Rating(models.IntegerChoices):
    STRONG = 1, "特に力を入れて行っている"
    SUFFICIENT = 2, "十分に行っている"
    INSUFFICIENT = 3, "十分に行っていない"


class RatingDecision(TenantOwned):
    """The Ⅳ-2 rating adopted for a 年度: the suggestion with its numbers, and an override with its reason.

    Deliberately small and local to this app; the lead will unify rating overrides across apps later.
    """

    item = models.CharField("項目", max_length=20, choices=[("IV-2", "Ⅳ-2 従業者に対する教育・啓発")], default="IV-2")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    as_of = models.DateField("基準日")
    suggested = models.PositiveSmallIntegerField("提案評価", choices=Rating.choices)
    rating = models.PositiveSmallIntegerField("採用評価", choices=Rating.choices)
    reason = GuardedTextField("理由", blank=True, default="")
    figures = models.JSONField("根拠の数値", default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("決定日時", auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "評価の決定"
        verbose_name_plural = "評価の決定"
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item} {self.fiscal_year}年度: {self.rating}"

    @property
    def overridden(self) -> bool:
        return self.rating != self.suggested


class ComplianceVersion(models.Model):
    """A counter per municipality that database triggers raise on every write to a table the compliance statement
    reads (people, assignments, units, works, users' people, role grants, courses, requirements and their courses,
    records), in the writer's own transaction: whatever writes (a form, an import's COPY, raw SQL), a cached
    summary of an older version is never served again. See :mod:`piaops.training.snapshot`."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, primary_key=True, related_name="+")
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "受講状況の版"
        verbose_name_plural = "受講状況の版"

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.n}"


class ComplianceSnapshot(models.Model):
    """The municipality's compliance counts on one day, valid while ``version`` is the current version (derived
    data, recomputed on demand: not a record of anything)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    version = models.BigIntegerField()
    payload = models.TextField()  # JSON, see snapshot.Snapshot
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "受講状況の集計"
        verbose_name_plural = "受講状況の集計"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "as_of"], name="training_snapshot_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.as_of.isoformat()} v{self.version}"
