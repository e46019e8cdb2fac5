"""Server rooms and other 管理区域: who may enter, visitors, door logs, and the monthly review of exceptions.

Door events keep the local day and time of the event beside the instant, so the reconciliation can compare
with authorised periods and hours in plain, indexable SQL on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy import access
from piaops.tenancy.models import OrgUnit, Person, TenantOwned, TenantQuerySet, TransitionEvent, User


class AreaQuerySet(TenantQuerySet):
    """Areas; who sees which is one rule, :meth:`visible_to` (pages, API and the menu)."""

    def visible_to(self, user: User) -> Self:
        """The areas ``user`` may see: every area of their municipality for the municipality-wide readers
        (``Perm.VIEW`` through a role that is not scoped: 管理者・監査人・閲覧者); for a 所属長, the areas managed by
        a unit in their subtree (the 情報システム部門, who signs the monthly review: ``Perm.AREA_SIGN_OFF``); none
        for anyone else (所属担当者, 事業者担当)."""
        if user.municipality_id is None:
            return self.none()
        mine = self.filter(municipality_id=user.municipality_id)
        if access.is_municipality_wide(user, access.Perm.VIEW):
            return mine
        return mine.filter(access.in_unit_subtrees(user, access.Perm.AREA_SIGN_OFF, field="managing_unit"))


class Area(TenantOwned):
    name = GuardedCharField("名称", max_length=100)
    code = models.CharField("区域コード", max_length=30)
    location = GuardedCharField("所在", max_length=200, blank=True, default="")
    managing_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="管理する組織"
    )
    hours_start = models.TimeField("入室を認める時刻（から）", default=dt.time(8, 0))
    hours_end = models.TimeField("入室を認める時刻（まで）", default=dt.time(20, 0))
    is_active = models.BooleanField("有効", default=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = "管理区域"
        verbose_name_plural = "管理区域"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="area_code_unique")]

    def __str__(self) -> str:
        return str(self.name)


class Card(TenantOwned):
    """An entry card as the access-control system knows it; a card without a person is a visitor card."""

    card_id = GuardedCharField("カード番号", max_length=64)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="cards", verbose_name="職員等"
    )
    label = GuardedCharField("表示名", max_length=100, blank=True, default="", help_text="来訪者用カード等")
    valid_from = models.DateField("利用開始日")
    valid_to = models.DateField("利用終了日", null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "入退室カード"
        verbose_name_plural = "入退室カード"
        ordering = ["card_id", "valid_from"]

    def __str__(self) -> str:
        return str(self.card_id)


class AuthorizationQuerySet(TenantQuerySet):
    def on(self, day: dt.date) -> AuthorizationQuerySet:
        return self.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Authorization(TenantOwned):
    """A person may enter an area during a period, for a purpose, within hours (the area's unless set)."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="authorizations", verbose_name="管理区域")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="area_authorizations", verbose_name="職員等"
    )
    valid_from = models.DateField("開始日")
    valid_to = models.DateField("終了日", null=True, blank=True)
    purpose = GuardedCharField("目的", max_length=200)
    hours_start = models.TimeField("時刻（から）", null=True, blank=True)
    hours_end = models.TimeField("時刻（まで）", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        verbose_name = "入室許可"
        verbose_name_plural = "入室許可"
        ordering = ["area", "person", "valid_from"]
        indexes = [models.Index(fields=["area", "person", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name="authorization_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.area_id}"


class Visit(TenantOwned):
    """A visitor's entry, escorted by a member of staff (来訪者の入退室記録)."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="visits", verbose_name="管理区域")
    visitor_name = GuardedCharField("来訪者氏名", max_length=100)
    organization = GuardedCharField("所属", max_length=200, blank=True, default="")
    purpose = GuardedCharField("目的", max_length=200)
    escort = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="同行者")
    card_id = GuardedCharField("貸与カード番号", max_length=64, blank=True, default="")
    entered_at = models.DateTimeField("入室日時")
    exited_at = models.DateTimeField("退室日時", null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "来訪者の入退室"
        verbose_name_plural = "来訪者の入退室"
        ordering = ["-entered_at"]

    def __str__(self) -> str:
        return f"{self.visitor_name} {self.entered_at:%Y-%m-%d}"


class DoorLogMapping(TenantOwned):
    """Which column of an access-control system's CSV holds what; adjustable, since exports differ."""

    name = GuardedCharField("名称", max_length=100)
    timestamp_column = GuardedCharField("日時の列名", max_length=100, default="日時")
    date_column = GuardedCharField("日付の列名（日時が分かれている場合）", max_length=100, blank=True, default="")
    time_column = GuardedCharField("時刻の列名（日時が分かれている場合）", max_length=100, blank=True, default="")
    card_column = GuardedCharField("カード番号の列名", max_length=100, default="カード番号")
    direction_column = GuardedCharField("入退の列名", max_length=100, default="入退")
    in_values = GuardedCharField("入室を表す値（カンマ区切り）", max_length=200, default="入室,入,IN,in")
    out_values = GuardedCharField("退室を表す値（カンマ区切り）", max_length=200, default="退室,出,OUT,out")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "入退室ログの列対応"
        verbose_name_plural = "入退室ログの列対応"
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="doorlogmapping_name_unique")]

    def __str__(self) -> str:
        return str(self.name)


class DoorLogImport(TenantOwned):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="imports")
    file_name = GuardedCharField("ファイル名", max_length=255)
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=20)
    rows = models.PositiveIntegerField("件数")
    skipped = models.PositiveIntegerField("取込済み・重複のため追加しなかった件数", default=0)
    first_at = models.DateTimeField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "入退室ログの取込"
        verbose_name_plural = "入退室ログの取込"
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return str(self.file_name)


class Direction(models.TextChoices):
    IN = "in", "入室"
    OUT = "out", "退室"


class DoorEvent(TenantOwned):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="events")
    batch = models.ForeignKey(DoorLogImport, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("日時")
    day = models.DateField("日（現地）")
    time = models.TimeField("時刻（現地）")
    card_id = GuardedCharField("カード番号", max_length=64)
    direction = models.CharField("入退", max_length=3, choices=Direction.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    line = models.PositiveIntegerField("取込ファイルの行")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "入退室の記録"
        verbose_name_plural = "入退室の記録"
        ordering = ["area", "at"]
        indexes = [
            models.Index(fields=["area", "day"]),
            models.Index(fields=["area", "card_id", "at"]),
        ]
        # The event itself, wherever a file put it: importing it again (or an overlapping export) adds nothing.
        constraints = [
            models.UniqueConstraint(fields=["area", "at", "card_id", "direction"], name="doorevent_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.direction} {self.at:%Y-%m-%d %H:%M}"


class MonthlyReviewQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> MonthlyReviewQuerySet:
        """The monthly reviews of the areas ``user`` may see (:meth:`AreaQuerySet.visible_to`): one rule for the
        pages and the reports."""
        return self.filter(area__in=Area.objects.visible_to(user))


class MonthlyReview(TenantOwned):
    """The 情報システム部門's monthly review of an area's exceptions, with a comment per exception."""

    class Status(models.TextChoices):
        OPEN = "open", "確認中"
        SIGNED = "signed", "確認済（署名）"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="reviews")
    month = models.DateField("対象月（1日）")
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.OPEN)
    summary = GuardedTextField("所見", blank=True, default="")
    exception_count = models.PositiveIntegerField("例外の件数", default=0)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    objects = MonthlyReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "管理区域の月次確認"
        verbose_name_plural = "管理区域の月次確認"
        ordering = ["area", "-month"]
        constraints = [models.UniqueConstraint(fields=["area", "month"], name="monthlyreview_unique")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m}"


class MonthlyReviewEvent(TransitionEvent):
    """History row of a monthly review's signature or re-opening (who, when, and the reason in ``note``)."""

    subject_field = "review"
    statuses = MonthlyReview.Status

    review = models.ForeignKey(MonthlyReview, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = "管理区域の月次確認の履歴"
        verbose_name_plural = "管理区域の月次確認の履歴"
        ordering = ["review", "at", "id"]


class ReviewComment(TenantOwned):
    review = models.ForeignKey(MonthlyReview, on_delete=models.CASCADE, related_name="comments")
    exception_key = models.CharField(max_length=80)
    comment = GuardedTextField("確認結果")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "月次確認の確認結果"
        verbose_name_plural = "月次確認の確認結果"
        constraints = [models.UniqueConstraint(fields=["review", "exception_key"], name="reviewcomment_unique")]

    def __str__(self) -> str:
        return self.exception_key
