"""Django admin for the ASP's operators: edits go through the same services as the pages (audit trail included)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from piaops.assurance import services
from piaops.assurance.models import (
    CloudService,
    Contract,
    Evidence,
    IsmapAlert,
    IsmapSettings,
    IsmapSnapshot,
    Obligation,
    ObligationEvent,
    Responsibility,
    Subcontract,
)
from piaops.tenancy.admin import TenantScopedAdmin, TenantScopedInline


class ServiceAdmin(TenantScopedAdmin):
    """Saves through ``save_with`` (a service) and records deletions in the audit trail.

    A staff user of a municipality sees only its own rows; the ASP operator sees every tenant (``TenantScopedAdmin``).
    """

    def save_with(self, obj: Any) -> None:
        services._save(obj, summary="管理画面で保存")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            self.save_with(obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            services.record_delete(obj, municipality_id=obj.municipality_id, summary="管理画面で削除")
            obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class SubcontractInline(TenantScopedInline):
    model = Subcontract
    extra = 0
    fk_name = "contract"
    readonly_fields = ["parent", "name", "scope", "approval", "approved_on", "approval_reference", "approved_by"]
    can_delete = False


@admin.register(Contract)
class ContractAdmin(ServiceAdmin):
    list_display = ["title", "party", "start_date", "end_date", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["title", "number"]
    inlines = [SubcontractInline]

    def save_with(self, obj: Any) -> None:
        services.contract_save(contract=obj)


@admin.register(Subcontract)
class SubcontractAdmin(ServiceAdmin):
    list_display = ["name", "contract", "parent", "approval", "approved_on"]
    list_filter = ["municipality", "approval"]

    def save_with(self, obj: Any) -> None:
        services.subcontract_save(subcontract=obj)


class EventInline(TenantScopedInline):
    model = ObligationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "at", "actor", "due_before", "due_after", "note", "evidence"]


@admin.register(Obligation)
class ObligationAdmin(ServiceAdmin):
    list_display = ["title", "party", "kind", "cadence", "next_due", "is_active"]
    list_filter = ["municipality", "kind", "cadence", "is_active"]
    readonly_fields = ["next_due"]
    search_fields = ["title"]
    inlines = [EventInline]

    def save_with(self, obj: Any) -> None:
        if obj.pk is None:
            from piaops.assurance.rules import office_due

            obj.next_due = office_due(obj.nominal_due, obj.cadence)
            services._save(obj, summary="管理画面で保証義務を登録")
        else:
            services.obligation_update(obligation=obj)


@admin.register(Evidence)
class EvidenceAdmin(TenantScopedAdmin):
    """Read-only: evidence is received and reviewed on the pages, where the file is checked and hashed."""

    list_display = ["file_name", "obligation", "received_on", "conclusion", "reviewer"]
    list_filter = ["municipality", "conclusion"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CloudService)
class CloudServiceAdmin(ServiceAdmin):
    list_display = ["service_name", "provider", "program", "registration_number", "expires_on", "delisted_on"]
    list_filter = ["municipality", "program"]
    readonly_fields = ["expires_on"]
    search_fields = ["service_name", "provider", "registration_number"]

    def save_with(self, obj: Any) -> None:
        services.cloud_service_save(service=obj)


@admin.register(IsmapSettings)
class IsmapSettingsAdmin(ServiceAdmin):
    list_display = ["municipality", "warn_days"]


@admin.register(IsmapSnapshot)
class IsmapSnapshotAdmin(EvidenceAdmin):
    list_display = ["list_date", "file_name", "entry_count", "municipality", "imported_at"]
    list_filter = ["municipality"]


@admin.register(IsmapAlert)
class IsmapAlertAdmin(EvidenceAdmin):
    list_display = ["kind", "service", "snapshot", "expires_on", "acknowledged_at"]
    list_filter = ["municipality", "kind"]


@admin.register(Responsibility)
class ResponsibilityAdmin(ServiceAdmin):
    list_display = ["layer", "responsibility", "municipality_share", "digital_agency_share", "csp_share", "order"]
    list_filter = ["municipality", "layer"]
