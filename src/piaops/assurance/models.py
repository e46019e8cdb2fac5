"""Third-party assurance: contracts with 再委託 chains, assurance obligations with evidence, the ISMAP register with
dated list snapshots, and the Government Cloud responsibility matrix (責任分界).

Writes go through ``services.py``; the dates rules live in ``rules.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from piaops.assessments.models import Commitment
from piaops.assessments.vocab import CommitmentKind
from piaops.assurance.rules import ismap_is_valid
from piaops.core.evidence import StoredFile
from piaops.lib import cadence as cadence_grammar
from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import Municipality, Party, TenantOwned, TenantQuerySet, Work

if TYPE_CHECKING:
    from piaops.tenancy.models import User

# ---------------------------------------------------------------------------------------------------------------
# Who reads what: the one rule of the assurance pages, API, menu and reminders


def sees_every_party(user: User) -> bool:
    """Whether ``user`` reads the assurance of every party of their municipality: through any role but 事業者担当,
    i.e. a municipality-wide role or a 所属長・所属担当者 (assurance has no unit dimension). A user whose only grants
    are 事業者担当 reads their own parties' contracts, obligations and evidence only, and neither the ISMAP register
    nor the responsibility matrix."""
    return access.is_municipality_wide(user, Perm.VIEW) or bool(access.unit_grants(user, Perm.VIEW))


def _of_visible_parties(user: User, party_id: str) -> Q:
    """The rows of ``user``'s municipality whose party (the field path ``party_id``) ``user`` may read."""
    mine = Q(municipality_id=getattr(user, "municipality_id", None))
    if sees_every_party(user):
        return mine
    own = access.party_grants(user)
    return mine & Q(**{f"{party_id}__in": own})


def visible_parties(user: User) -> models.QuerySet[Party]:
    """The parties of ``user``'s municipality whose assurance ``user`` may read (``sees_every_party``: all; else
    the parties of their 事業者担当 grants; none without a grant)."""
    return Party.objects.filter(_of_visible_parties(user, "pk"))


# ---------------------------------------------------------------------------------------------------------------
# Contracts and 再委託


class ContractQuerySet(TenantQuerySet):
    def for_municipality(self, municipality: Municipality | int) -> ContractQuerySet:
        return self.filter(municipality=municipality)

    def visible_to(self, user: User) -> ContractQuerySet:
        """The contracts of ``user``'s municipality they may read: those of ``visible_parties(user)``."""
        return self.filter(_of_visible_parties(user, "party_id"))

    def active_on(self, day: dt.date) -> ContractQuerySet:
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


class Contract(TenantOwned):
    """A contract (委託契約) with a party: its period, scope, and the works and data it concerns."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="contracts", verbose_name="委託先")
    title = GuardedCharField("契約名", max_length=200)
    number = GuardedCharField("契約番号", max_length=50, blank=True, default="")
    start_date = models.DateField("契約期間（開始）")
    end_date = models.DateField("契約期間（終了）", null=True, blank=True)
    scope = GuardedTextField("委託の範囲", blank=True, default="")
    works = models.ManyToManyField(Work, blank=True, related_name="assurance_contracts", verbose_name="対象事務")
    data_concerned = GuardedTextField("取り扱う特定個人情報", blank=True, default="")
    note = GuardedTextField("備考", blank=True, default="")

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = "委託契約"
        verbose_name_plural = "委託契約"
        ordering = ["party", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return str(self.title)


class Subcontract(TenantOwned):
    """One link of the 再委託 chain: who the contractor (or a subcontractor, via ``parent``) passes work to,
    and the municipality's approval of it (番号法第10条: 再委託には委託元の許諾が必要)."""

    class Approval(models.TextChoices):
        REQUESTED = "requested", "許諾申請中"
        APPROVED = "approved", "許諾済"
        REFUSED = "refused", "不許諾"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="subcontracts", verbose_name="契約")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="再委託元"
    )
    name = GuardedCharField("再委託先", max_length=200)
    scope = GuardedTextField("再委託の範囲", blank=True, default="")
    approval = models.CharField("許諾", max_length=20, choices=Approval.choices, default=Approval.REQUESTED)
    approved_on = models.DateField("許諾日", null=True, blank=True)
    approval_reference = GuardedCharField("許諾文書番号", max_length=100, blank=True, default="")
    approved_by = GuardedCharField("許諾者", max_length=100, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "再委託"
        verbose_name_plural = "再委託"
        ordering = ["contract", "id"]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def depth(self) -> int:
        """1 for a direct 再委託, 2 for a 再々委託…"""
        depth, node = 1, self.parent
        while node is not None:
            depth, node = depth + 1, node.parent
        return depth


# ---------------------------------------------------------------------------------------------------------------
# Obligations and evidence


class ObligationQuerySet(TenantQuerySet):
    def for_municipality(self, municipality: Municipality | int) -> ObligationQuerySet:
        return self.filter(municipality=municipality)

    def active(self) -> ObligationQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: User) -> ObligationQuerySet:
        """The obligations of ``user``'s municipality they may read: those of ``visible_parties(user)``."""
        return self.filter(_of_visible_parties(user, "party_id"))

    def overdue(self, today: dt.date) -> ObligationQuerySet:
        """Active obligations whose due date (a 開庁日) has passed without accepted evidence."""
        return self.active().filter(next_due__lt=today)

    def due_within(self, today: dt.date, days: int) -> ObligationQuerySet:
        return self.active().filter(next_due__gte=today, next_due__lte=today + dt.timedelta(days=days))


class Obligation(TenantOwned):
    """What a party must prove, how often, with what evidence: from a report commitment or added by hand."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="obligations", verbose_name="措置主体")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="obligations", verbose_name="契約"
    )
    commitment = models.ForeignKey(
        Commitment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assurance_obligations",
        verbose_name="評価書の約束",
    )
    title = GuardedCharField("義務の内容", max_length=300)
    kind = models.CharField("種類", max_length=20, choices=CommitmentKind.choices, default=CommitmentKind.THIRD_PARTY)
    # A value of the one cadence grammar (piaops.lib.cadence) that has a period: 毎月, 四半期ごと, 年2回, 2年ごと…
    cadence = models.CharField("頻度", max_length=30, default="annual", validators=[cadence_grammar.validate])
    evidence_expected = GuardedTextField("求める証跡", blank=True, default="")
    nominal_due = models.DateField("基準期限", help_text="周期で進める基準の日（開庁日でなくてもよい）")
    next_due = models.DateField("次回期限（開庁日）")
    is_active = models.BooleanField("有効", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = "保証義務"
        verbose_name_plural = "保証義務"
        ordering = ["next_due", "id"]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def cadence_label(self) -> str:
        return cadence_grammar.label(self.cadence)

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_active and self.next_due < today


class EvidenceQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> EvidenceQuerySet:
        """The evidence of ``user``'s municipality they may read: that of the obligations of ``visible_parties``."""
        return self.filter(_of_visible_parties(user, "obligation__party_id"))


class Evidence(StoredFile):
    """A document received for an obligation: file with its SHA-256 and size (see :mod:`piaops.core.evidence`),
    period covered, and the review's conclusion."""

    display_name_field = "file_name"

    class Conclusion(models.TextChoices):
        PENDING = "pending", "確認待ち"
        ACCEPTED = "accepted", "受理"
        INSUFFICIENT = "insufficient", "不十分（再提出）"

    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="evidence", verbose_name="義務")
    file = models.FileField("ファイル", upload_to="assurance/evidence/%Y/")
    file_name = GuardedCharField("ファイル名", max_length=255)
    period_from = models.DateField("対象期間（開始）")
    period_to = models.DateField("対象期間（終了）")
    received_on = models.DateField("受領日")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="提出者",
    )
    summary = GuardedTextField("内容の説明", blank=True, default="")
    conclusion = models.CharField("結論", max_length=20, choices=Conclusion.choices, default=Conclusion.PENDING)
    conclusion_note = GuardedTextField("確認の所見", blank=True, default="")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="確認者",
    )
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = "証跡"
        verbose_name_plural = "証跡"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_to__gte=models.F("period_from")), name="evidence_period_ordered")
        ]

    def __str__(self) -> str:
        return str(self.file_name)


class ObligationEvent(TenantOwned):
    """History of an obligation: created, evidence submitted, accepted (with the due date moved), returned."""

    class Kind(models.TextChoices):
        CREATED = "created", "登録"
        SUBMITTED = "submitted", "証跡提出"
        ACCEPTED = "accepted", "受理（期限を更新）"
        RETURNED = "returned", "再提出を依頼"
        RESCHEDULED = "rescheduled", "期限を変更"
        CADENCE_CHANGED = "cadence_changed", "頻度を変更（評価書の改版）"
        RETIRED = "retired", "終了"

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="events")
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField("出来事", max_length=20, choices=Kind.choices)
    at = models.DateTimeField("日時", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due_before = models.DateField("変更前の期限", null=True, blank=True)
    due_after = models.DateField("変更後の期限", null=True, blank=True)
    note = GuardedTextField("メモ", blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "保証義務の履歴"
        verbose_name_plural = "保証義務の履歴"
        ordering = ["obligation", "at", "id"]

    def __str__(self) -> str:
        return f"{self.obligation_id}:{self.get_kind_display()}"


# ---------------------------------------------------------------------------------------------------------------
# ISMAP register


class Program(models.TextChoices):
    ISMAP = "ismap", "ISMAP"
    ISMAP_LIU = "ismap_liu", "ISMAP-LIU"


class CloudServiceQuerySet(TenantQuerySet):
    def for_municipality(self, municipality: Municipality | int) -> CloudServiceQuerySet:
        return self.filter(municipality=municipality)

    def listed(self) -> CloudServiceQuerySet:
        return self.filter(delisted_on__isnull=True)

    def expired(self, today: dt.date) -> CloudServiceQuerySet:
        """Past expiry with no renewal applied for before it, or removed from the list."""
        pending = Q(renewal_applied_on__isnull=False, renewal_applied_on__lte=models.F("expires_on"))
        return self.filter(Q(delisted_on__isnull=False) | (Q(expires_on__lt=today) & ~pending))

    def expiring_within(self, today: dt.date, days: int) -> CloudServiceQuerySet:
        return self.listed().filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days))


class CloudService(TenantOwned):
    """A cloud service the municipality's systems use, with its ISMAP / ISMAP-LIU registration."""

    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="cloud_services", verbose_name="事業者"
    )
    provider = GuardedCharField("クラウドサービス事業者", max_length=200)
    service_name = GuardedCharField("サービス名称", max_length=300)
    used_by = GuardedTextField("利用するシステム", blank=True, default="")
    program = models.CharField("制度", max_length=20, choices=Program.choices, default=Program.ISMAP)
    registration_number = GuardedCharField("登録番号", max_length=50, blank=True, default="")
    registered_on = models.DateField("登録日", null=True, blank=True)
    audit_period_start = models.DateField("監査の対象期間（開始）", null=True, blank=True)
    audit_period_end = models.DateField("監査の対象期間（末日）", null=True, blank=True)
    expires_on = models.DateField("有効期限", null=True, blank=True, editable=False)
    renewal_applied_on = models.DateField(
        "更新申請日", null=True, blank=True, help_text="有効期限前に更新を申請していれば、決定まで登録は有効です。"
    )
    auditor = GuardedCharField("監査機関", max_length=200, blank=True, default="")
    auditor_listed = models.BooleanField("ISMAP監査機関リストに掲載", default=False)
    delisted_on = models.DateField("リストから削除された日", null=True, blank=True)
    note = GuardedTextField("備考", blank=True, default="")

    objects = CloudServiceQuerySet.as_manager()

    class Meta:
        verbose_name = "クラウドサービス（ISMAP）"
        verbose_name_plural = "クラウドサービス（ISMAP）"
        ordering = ["provider", "service_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "registration_number"],
                condition=~Q(registration_number=""),
                name="cloudservice_number_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.service_name}"

    def is_valid(self, on: dt.date) -> bool:
        if self.expires_on is None:
            return False
        return ismap_is_valid(
            expires_on=self.expires_on,
            on=on,
            renewal_applied_on=self.renewal_applied_on,
            delisted=self.delisted_on is not None,  # removed is removed: the register agrees with its alert
        )

    def renewal_pending(self, on: dt.date) -> bool:
        return self.is_valid(on) and self.expires_on is not None and on > self.expires_on


class IsmapSettings(TenantOwned):
    """Per municipality: how the columns of the published list are found, and how early expiry is warned of."""

    mapping = models.JSONField("列の対応", default=dict, blank=True)
    warn_days = models.PositiveSmallIntegerField("期限切れを事前に知らせる日数", default=90)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "ISMAPリスト取込設定"
        verbose_name_plural = "ISMAPリスト取込設定"
        constraints = [models.UniqueConstraint(fields=["municipality"], name="ismapsettings_one_per_municipality")]

    def __str__(self) -> str:
        return f"ISMAP取込設定（{self.municipality_id}）"


class IsmapSnapshot(TenantOwned):
    """A dated copy of the published ISMAP service list, kept as evidence of what was checked and when."""

    list_date = models.DateField("リストの日付")
    file = models.FileField("ファイル", upload_to="assurance/ismap/%Y/")
    file_name = GuardedCharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    encoding = models.CharField("文字コード・形式", max_length=20)
    mapping = models.JSONField("使用した列の対応", default=dict)
    entry_count = models.PositiveIntegerField("掲載サービス数", default=0)
    imported_at = models.DateTimeField("取込日時", auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "ISMAPリストの写し"
        verbose_name_plural = "ISMAPリストの写し"
        ordering = ["-list_date", "-id"]

    def __str__(self) -> str:
        return f"ISMAPリスト {self.list_date.isoformat()}"


class IsmapListEntry(TenantOwned):
    snapshot = models.ForeignKey(IsmapSnapshot, on_delete=models.CASCADE, related_name="entries")
    line = models.PositiveIntegerField("行")
    registration_number = GuardedCharField("登録番号", max_length=50)
    service_name = GuardedCharField("サービス名称", max_length=300)
    provider = GuardedCharField("クラウドサービス事業者", max_length=200)
    program = models.CharField("制度", max_length=20, choices=Program.choices)
    registered_on = models.DateField("登録日", null=True, blank=True)
    expires_on = models.DateField("有効期限", null=True, blank=True)
    audit_period_end = models.DateField("監査の対象期間（末日）", null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "ISMAPリストの行"
        verbose_name_plural = "ISMAPリストの行"
        ordering = ["snapshot", "line"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "registration_number"], name="ismapentry_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.service_name}"


class IsmapAlertQuerySet(TenantQuerySet):
    def for_municipality(self, municipality: Municipality | int) -> IsmapAlertQuerySet:
        return self.filter(municipality=municipality)

    def open(self) -> IsmapAlertQuerySet:
        return self.filter(acknowledged_at__isnull=True)


class IsmapAlert(TenantOwned):
    """What comparing a snapshot with the register raised for one service."""

    class Kind(models.TextChoices):
        REMOVED = "removed", "リストから削除"
        EXPIRED = "expired", "有効期限切れ"
        EXPIRING = "expiring", "有効期限が近い"
        RENEWED = "renewed", "更新された"

    snapshot = models.ForeignKey(IsmapSnapshot, on_delete=models.CASCADE, related_name="alerts")
    service = models.ForeignKey(CloudService, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    detail = GuardedTextField("内容", blank=True, default="")
    expires_on = models.DateField("有効期限", null=True, blank=True)
    acknowledged_at = models.DateTimeField("確認日時", null=True, blank=True)

    objects = IsmapAlertQuerySet.as_manager()

    class Meta:
        verbose_name = "ISMAP照合結果"
        verbose_name_plural = "ISMAP照合結果"
        ordering = ["snapshot", "kind", "service"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.service}"


# ---------------------------------------------------------------------------------------------------------------
# Government Cloud responsibility matrix


class Layer(models.TextChoices):
    FACILITY = "facility", "施設・設備（データセンター）"
    INFRA = "infra", "IaaS・PaaS（クラウド基盤）"
    ACCOUNT = "account", "個別領域・アカウント"
    NETWORK = "network", "ネットワーク"
    APPLICATION = "application", "業務アプリケーション"
    DATA = "data", "業務データ"


class Share(models.TextChoices):
    NONE = "", "－"
    RESPONSIBLE = "responsible", "◎責任"
    PERFORMS = "performs", "○実施"
    SUPPORTS = "supports", "△支援"
    CONSULTED = "consulted", "協議"


# (field name, column heading, party kind whose names are shown under the heading)
MATRIX_PARTIES: tuple[tuple[str, str, str], ...] = (
    ("municipality_share", "地方公共団体", Party.Kind.MUNICIPALITY),
    ("digital_agency_share", "デジタル庁", Party.Kind.GOVERNMENT_CLOUD),
    ("csp_share", "CSP", Party.Kind.CSP),
    ("asp_share", "ASP", Party.Kind.ASP),
    ("operator_share", "運用管理補助者", Party.Kind.GOV_CLOUD_OPERATOR),
)


class Responsibility(TenantOwned):
    """One row of the 責任分界表: a responsibility within a layer and each party's share of it."""

    layer = models.CharField("レイヤー", max_length=20, choices=Layer.choices)
    responsibility = GuardedCharField("責任・作業", max_length=300)
    municipality_share = models.CharField("地方公共団体", max_length=20, choices=Share.choices, blank=True, default="")
    digital_agency_share = models.CharField("デジタル庁", max_length=20, choices=Share.choices, blank=True, default="")
    csp_share = models.CharField("CSP", max_length=20, choices=Share.choices, blank=True, default="")
    asp_share = models.CharField("ASP", max_length=20, choices=Share.choices, blank=True, default="")
    operator_share = models.CharField("運用管理補助者", max_length=20, choices=Share.choices, blank=True, default="")
    source_text = GuardedTextField("根拠（評価書の記載）", blank=True, default="")
    note = GuardedTextField("備考", blank=True, default="")
    order = models.PositiveIntegerField("表示順", default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "責任分界"
        verbose_name_plural = "責任分界"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.get_layer_display()}: {self.responsibility}"

    def shares(self) -> list[str]:
        """The share labels in ``MATRIX_PARTIES`` order."""
        return [Share(getattr(self, name)).label for name, _, _ in MATRIX_PARTIES]
