"""The tenancy models in the Django admin, read-only.

Writes go through the pages of this app (``tenancy:index``), which call the services and record the audit trail;
a read-only admin cannot bypass either. A superuser without a municipality (the ASP operator) sees every tenant;
a staff user of a municipality sees only its own rows (``TenantScopedAdmin``, also used by the other apps' admins).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from piaops.tenancy.models import Assignment, Municipality, OrgUnit, Party, Person, RoleGrant, User, Work, WorkUnit


def is_operator(request: HttpRequest) -> bool:
    """The ASP operator: a superuser without a municipality, who sees every tenant."""
    return bool(request.user.is_superuser and getattr(request.user, "municipality_id", None) is None)


class OwnChoices(admin.options.BaseModelAdmin[Any]):
    """Select boxes of a form (admin or inline) offer a staff user only rows of their own municipality."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not is_operator(request):
            kwargs["queryset"] = _own_choices(db_field.related_model, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not is_operator(request):
            kwargs["queryset"] = _own_choices(db_field.related_model, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TenantScopedInline(OwnChoices, admin.TabularInline[Any, Any]):
    pass


class TenantScopedAdmin(OwnChoices, admin.ModelAdmin[Any]):
    """A staff user of a municipality sees, filters and picks only its own rows; the ASP operator sees them all."""

    tenant_field = "municipality"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        municipality_id = getattr(request.user, "municipality_id", None)
        if is_operator(request):
            return qs
        return qs.filter(**{f"{self.tenant_field}_id": municipality_id}) if municipality_id else qs.none()

    def get_list_filter(self, request: HttpRequest) -> Any:
        # The municipality filter would list every tenant's name.
        filters = super().get_list_filter(request)
        return filters if is_operator(request) else [f for f in filters if f != "municipality"]


def _own_choices(model: type[Model], request: HttpRequest) -> QuerySet[Any]:
    municipality_id: int = getattr(request.user, "municipality_id", None) or 0  # 0: no row
    if model is Municipality:
        return Municipality.objects.filter(pk=municipality_id)
    if any(f.name == "municipality" for f in model._meta.concrete_fields):
        return model._default_manager.filter(municipality_id=municipality_id)
    return model._default_manager.all()


class ReadOnlyAdmin(TenantScopedAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Municipality)
class MunicipalityAdmin(ReadOnlyAdmin):
    tenant_field = "id"
    list_display = ["name", "code", "onsite_audit_cycle_years"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request)
        municipality_id = getattr(request.user, "municipality_id", None)
        if is_operator(request):
            return qs
        return qs.filter(pk=municipality_id) if municipality_id else qs.none()


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "depth", "is_governance", "is_it", "is_active"]
    list_filter = ["kind", "is_governance", "is_it", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["staff_number", "name", "employment_type", "party"]
    list_filter = ["employment_type"]
    search_fields = ["staff_number", "name", "name_kana"]
    list_select_related = ["party"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["person", "unit", "title", "start_date", "end_date", "handles_specific_personal_info"]
    list_select_related = ["person", "unit"]


@admin.register(Work)
class WorkAdmin(ReadOnlyAdmin):
    list_display = ["name", "is_active"]


@admin.register(WorkUnit)
class WorkUnitAdmin(ReadOnlyAdmin):
    list_display = ["work", "unit"]
    list_select_related = ["work", "unit"]


@admin.register(Party)
class PartyAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "corporate_number", "is_active"]
    list_filter = ["kind"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "display_name", "email", "is_active", "last_login"]
    exclude = ["password"]
    search_fields = ["username", "display_name"]


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "unit", "party"]
    list_filter = ["role"]
    list_select_related = ["user", "unit", "party"]
