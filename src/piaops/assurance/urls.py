from django.urls import URLPattern, URLResolver, path

from piaops.assurance import views

app_name = "assurance"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("parties/<int:pk>/", views.party_detail, name="party_detail"),
    path("parties/<int:party_pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:contract_pk>/subcontracts/new/", views.subcontract_create, name="subcontract_create"),
    path("subcontracts/<int:pk>/edit/", views.subcontract_edit, name="subcontract_edit"),
    path("obligations/", views.obligation_list, name="obligation_list"),
    path("obligations/new/", views.obligation_create, name="obligation_create"),
    path("obligations/from-report/", views.obligations_sync, name="obligations_sync"),
    path("obligations/<int:pk>/", views.obligation_detail, name="obligation_detail"),
    path("obligations/<int:pk>/edit/", views.obligation_edit, name="obligation_edit"),
    path("obligations/<int:pk>/evidence/", views.evidence_submit, name="evidence_submit"),
    path("evidence/<int:pk>/review/", views.evidence_review, name="evidence_review"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("ismap/", views.ismap_register, name="ismap_register"),
    path("ismap/services/new/", views.cloud_service_create, name="cloud_service_create"),
    path("ismap/services/<int:pk>/edit/", views.cloud_service_edit, name="cloud_service_edit"),
    path("ismap/import/", views.ismap_import, name="ismap_import"),
    path("ismap/mapping/", views.ismap_mapping, name="ismap_mapping"),
    path("ismap/snapshots/<int:pk>/", views.ismap_snapshot, name="ismap_snapshot"),
    path("ismap/alerts/<int:pk>/acknowledge/", views.ismap_alert_acknowledge, name="ismap_alert_acknowledge"),
    path("matrix/", views.matrix_view, name="matrix"),
    path("matrix/new/", views.matrix_row_create, name="matrix_row_create"),
    path("matrix/prefill/", views.matrix_prefill, name="matrix_prefill"),
    path("matrix/<int:pk>/edit/", views.matrix_row_edit, name="matrix_row_edit"),
    path("matrix/<int:pk>/delete/", views.matrix_row_delete, name="matrix_row_delete"),
    path("matrix/export.csv", views.matrix_export, {"fmt": "csv"}, name="matrix_export_csv"),
    path("matrix/export.xlsx", views.matrix_export, {"fmt": "xlsx"}, name="matrix_export_xlsx"),
]
