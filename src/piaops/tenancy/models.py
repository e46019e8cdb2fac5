"""The tenant and its roster: municipality, organisation tree, people, assignments, works, parties, users, roles.

Every tenant-owned row carries ``municipality`` (child tables too), so each query can start from the user's
municipality without joins, and the data can later be split by municipality.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from piaops.lib.checkdigits import is_valid_corporate_number, is_valid_local_government_code
from piaops.lib.fields import GuardedCharField, GuardedTextField

if TYPE_CHECKING:
    from collections.abc import Iterable


def validate_local_government_code(value: str) -> None:
    if not is_valid_local_government_code(value):
        raise ValidationError(
            "全国地方公共団体コードは6桁の数字で、最後の1桁が検査数字として正しいものを入力してください。",
            code="invalid_lg_code",
        )


def validate_corporate_number(value: str) -> None:
    if value and not is_valid_corporate_number(value):
        raise ValidationError(
            "法人番号は13桁の数字で、先頭の1桁が検査用数字として正しいものを入力してください。",
            code="invalid_corporate_number",
        )


class Municipality(models.Model):
    """The tenant (評価実施機関). An ASP installation may hold many."""

    name = GuardedCharField("団体名", max_length=100)
    code = models.CharField(
        "全国地方公共団体コード", max_length=6, unique=True, validators=[validate_local_government_code]
    )
    onsite_audit_cycle_years = models.PositiveSmallIntegerField("現地監査の周期（年度）", default=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "団体"
        verbose_name_plural = "団体"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class TenantQuerySet(models.QuerySet[Any]):
    def for_municipality(self, municipality: Municipality | int) -> Self:
        return self.filter(municipality=municipality)


class TenantOwned(models.Model):
    """Base of every tenant-owned table."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+", verbose_name="団体")

    class Meta:
        abstract = True


class TransitionEvent(TenantOwned):
    """Base of a history row of one named status transition (audit, checklist, finding).

    The concrete model adds the foreign key to its subject (``related_name="events"``), names it in
    ``subject_field``, sets ``statuses`` to the subject's status choices and orders by subject, ``at``, ``id``.
    The columns are those each event table had before this base existed, so it changes no schema.
    """

    subject_field: ClassVar[str]
    statuses: ClassVar[type[models.TextChoices]]

    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = GuardedTextField("コメント", blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, self.subject_field + '_id')}: {self.from_status}→{self.to_status}"

    @property
    def to_label(self) -> str:
        return str(self.statuses(self.to_status).label)


class OrgUnitQuerySet(TenantQuerySet):
    def subtree(self, unit: OrgUnit) -> OrgUnitQuerySet:
        """``unit`` and every unit below it (materialised path prefix)."""
        return self.filter(municipality_id=unit.municipality_id, path__startswith=unit.path)

    def active(self) -> OrgUnitQuerySet:
        return self.filter(is_active=True)


class OrgUnit(TenantOwned):
    """局・部・課 of any depth. ``path`` is the chain of ids from the root (``/3/17/42/``), kept by the services."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", "局"
        DEPARTMENT = "department", "部"
        DIVISION = "division", "課"
        SECTION = "section", "係"
        OFFICE = "office", "事業所・区役所"
        OTHER = "other", "その他"

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上位組織"
    )
    name = GuardedCharField("組織名", max_length=100)
    code = models.CharField("組織コード", max_length=20)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices, default=Kind.DIVISION)
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_governance = models.BooleanField("番号制度総括部門", default=False)
    is_it = models.BooleanField("情報システム部門", default=False)
    is_active = models.BooleanField("有効", default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "組織"
        verbose_name_plural = "組織"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="orgunit_code_unique"),
            models.UniqueConstraint(
                fields=["municipality"], condition=Q(is_governance=True), name="orgunit_one_governance"
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def label(self) -> str:
        """The unit as every list and pick list names it: its name with its code, so that two units of one name
        (市民税課 of two 市税事務所) are told apart; the code is unique in the municipality (issue 19 §2)."""
        return unit_label(self)

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class EmploymentType(models.TextChoices):
    REGULAR = "regular", "正規職員"
    FISCAL_YEAR = "fiscal_year", "会計年度任用職員"
    REEMPLOYED = "reemployed", "再任用職員"
    DISPATCHED = "dispatched", "派遣職員"
    CONTRACTOR = "contractor", "委託先従業者"
    OTHER = "other", "その他"


class PersonQuerySet(TenantQuerySet):
    def employed_on(self, day: dt.date) -> PersonQuerySet:
        return self.filter(Q(employed_from__isnull=True) | Q(employed_from__lte=day)).filter(
            Q(employed_to__isnull=True) | Q(employed_to__gte=day)
        )

    def visible_to(self, user: User, today: dt.date | None = None) -> PersonQuerySet:
        """The people of ``user``'s municipality that ``user`` may see — the one rule for pages, API and checks.

        A municipality-wide holder of ``Perm.VIEW_PEOPLE`` sees everyone; 所属長・所属担当者 see the people with an
        assignment that has not ended on ``today`` (current or starting later) in a unit of ``access.visible_units``;
        anyone else sees nobody. ``today`` defaults to the local date.
        """
        from piaops.tenancy import access  # access imports these models

        people = self.filter(municipality_id=access.municipality_of(user).pk)
        if access.is_municipality_wide(user, access.Perm.VIEW_PEOPLE):
            return people
        day = today or timezone.localdate()
        seen = Assignment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day),
            person=models.OuterRef("pk"),
            unit__in=access.visible_units(user),
        )
        return people.filter(models.Exists(seen))


class Party(TenantOwned):
    """措置主体 / 関係事業者: who carries out a measure (the municipality itself, J-LIS, contractors...)."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", "当団体"
        INTERMEDIATE_SERVER = "intermediate_server", "中間サーバー・プラットフォーム（J-LIS）"
        ELTAX_CONTRACTOR = "eltax_contractor", "eLTAX認定委託先事業者"
        GOVERNMENT_CLOUD = "government_cloud", "ガバメントクラウド（デジタル庁）"
        CSP = "csp", "クラウドサービス事業者"
        ASP = "asp", "ASP"
        GOV_CLOUD_OPERATOR = "gov_cloud_operator", "ガバメントクラウド運用管理補助者"
        CONTRACTOR = "contractor", "その他の委託先"

    name = GuardedCharField("名称", max_length=200)
    kind = models.CharField("種別", max_length=30, choices=Kind.choices)
    corporate_number = models.CharField(
        "法人番号", max_length=13, blank=True, default="", validators=[validate_corporate_number]
    )
    note = GuardedTextField("備考", blank=True, default="")
    is_active = models.BooleanField("有効", default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "措置主体・関係事業者"
        verbose_name_plural = "措置主体・関係事業者"
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="party_name_unique")]

    def __str__(self) -> str:
        return str(self.name)


class Person(TenantOwned):
    """職員等: a roster entry. A person needs no login account."""

    staff_number = models.CharField("職員番号", max_length=30)
    name = GuardedCharField("氏名", max_length=100)
    name_kana = GuardedCharField("氏名（カナ）", max_length=100, blank=True, default="")
    employment_type = models.CharField("雇用形態", max_length=20, choices=EmploymentType.choices)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="people", verbose_name="所属事業者"
    )
    email = models.EmailField("メールアドレス", blank=True, default="")
    employed_from = models.DateField("任用開始日", null=True, blank=True)
    employed_to = models.DateField("任用終了日", null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "職員等"
        verbose_name_plural = "職員等"
        ordering = ["staff_number"]
        constraints = [models.UniqueConstraint(fields=["municipality", "staff_number"], name="person_number_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_number}）"


class AssignmentQuerySet(TenantQuerySet):
    def on(self, day: dt.date) -> AssignmentQuerySet:
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))

    def handling(self) -> AssignmentQuerySet:
        return self.filter(handles_specific_personal_info=True)


class Assignment(TenantOwned):
    """A person's assignment to a unit for a period; whether it handles 特定個人情報."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assignments", verbose_name="職員等")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="assignments", verbose_name="所属")
    title = GuardedCharField("職名", max_length=100, blank=True, default="")
    start_date = models.DateField("開始日")
    end_date = models.DateField("終了日", null=True, blank=True)
    handles_specific_personal_info = models.BooleanField("特定個人情報を取り扱う", default=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "配属"
        verbose_name_plural = "配属"
        ordering = ["person", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}→{self.unit_id}（{self.start_date}〜{self.end_date or ''}）"

    def clean(self) -> None:
        if self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "終了日は開始日以降の日付を入力してください。"})


class Work(TenantOwned):
    """個人番号利用事務 (e.g. 地方税賦課徴収事務) and the units that carry it out."""

    name = GuardedCharField("事務の名称", max_length=200)
    legal_basis = GuardedTextField("根拠法令", blank=True, default="")
    units: models.ManyToManyField[OrgUnit, WorkUnit] = models.ManyToManyField(
        OrgUnit, through="WorkUnit", related_name="works", verbose_name="担当組織"
    )
    is_active = models.BooleanField("有効", default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "個人番号利用事務"
        verbose_name_plural = "個人番号利用事務"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="work_name_unique")]

    def __str__(self) -> str:
        return str(self.name)


class WorkUnit(TenantOwned):
    """A unit that carries out a work."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="work_units")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="work_units")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "事務の担当所属"
        verbose_name_plural = "事務の担当所属"
        constraints = [models.UniqueConstraint(fields=["work", "unit"], name="workunit_unique")]

    def __str__(self) -> str:
        return f"{self.work_id}:{self.unit_id}"


class Role(models.TextChoices):
    ADMIN = "admin", "番号制度総括管理者"
    AUDITOR = "auditor", "監査人"
    UNIT_HEAD = "unit_head", "所属長"
    UNIT_STAFF = "unit_staff", "所属担当者"
    CONTRACTOR = "contractor", "事業者担当"
    VIEWER = "viewer", "閲覧者"


class User(AbstractUser):
    """A log-in account. Belongs to exactly one municipality (none only for the ASP's own superusers)."""

    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name="団体"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts", verbose_name="職員等"
    )
    display_name = GuardedCharField("表示名", max_length=100, blank=True, default="")
    # Set for an account the directory created (piaops.accounts.directory): only such an account logs in through
    # the directory, and its roles follow the directory's groups. Empty for a local account.
    directory_dn = GuardedCharField("ディレクトリの識別名（DN）", max_length=500, blank=True, default="")

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_set(self) -> Iterable[RoleGrant]:
        return self.grants.all()


class RoleGrant(TenantOwned):
    """A role given to a user; 所属長・所属担当者 apply to a unit subtree, 事業者担当 to a party."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name="利用者")
    role = models.CharField("役割", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="grants", verbose_name="対象組織"
    )
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="grants", verbose_name="対象事業者"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "役割"
        verbose_name_plural = "役割"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit", "party"], name="rolegrant_unique"),
            models.CheckConstraint(
                condition=~Q(role__in=["unit_head", "unit_staff"]) | Q(unit__isnull=False),
                name="rolegrant_unit_roles_have_unit",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.party
        return f"{self.get_role_display()}" + (f"（{scope}）" if scope else "")


class ImportedFile(TenantOwned):
    """A file some import has written, by its SHA-256: the same bytes imported again are refused, whichever
    importer (door logs, people, training records, the ISMAP list). Written in the import's own transaction, so a
    killed import leaves neither its rows nor this record; the unique constraint settles two imports of the same
    file racing each other."""

    class Kind(models.TextChoices):
        PEOPLE = "people", "職員データ"
        DOOR_LOG = "door_log", "入退室ログ"
        TRAINING = "training", "受講記録"
        ISMAP = "ismap", "ISMAPクラウドサービスリスト"

    kind = models.CharField("取込の種類", max_length=20, choices=Kind.choices)
    sha256 = models.CharField("SHA-256", max_length=64)
    file_name = GuardedCharField("ファイル名", max_length=255)
    rows = models.PositiveIntegerField("件数", default=0)
    imported_at = models.DateTimeField("取込日時", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "取込済みファイル"
        verbose_name_plural = "取込済みファイル"
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "sha256"], name="importedfile_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


def unit_label(unit: OrgUnit) -> str:
    """``市民税課（1234）``: the one way a unit is named in selects and lists (also a ``label_from_instance``)."""
    return unit_label_of(unit.name, unit.code)


def unit_label_of(name: str, code: str) -> str:
    """:func:`unit_label` from the two values (a page that reads ``values_list("name", "code")``)."""
    return f"{name}（{code}）" if code else str(name)
