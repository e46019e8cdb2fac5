from django.urls import URLPattern, URLResolver, path

from piaops.audits import report_views, views

app_name = "audits"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("programmes/new/", views.programme_new, name="programme_new"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("programmes/<int:pk>/approve/", views.programme_approve, name="programme_approve"),
    path("programmes/<int:pk>/propose/", views.programme_propose, name="programme_propose"),
    path("programmes/<int:pk>/audits/new/", views.audit_new, name="audit_new"),
    path("<int:pk>/", views.audit_detail, name="audit"),
    path("<int:pk>/delete/", views.audit_delete, name="audit_delete"),
    path("<int:pk>/start/", views.audit_start, name="audit_start"),
    path("<int:pk>/complete/", views.audit_complete, name="audit_complete"),
    path("<int:pk>/items/<int:item_pk>/record/", views.item_record, name="item_record"),
    path("<int:pk>/items/<int:item_pk>/evidence/", views.item_evidence, name="item_evidence"),
    path("<int:pk>/items/<int:item_pk>/correct/", views.item_correct, name="item_correct"),
    path("<int:pk>/findings/<int:finding_pk>/reaudit/", views.reaudit, name="reaudit"),
    path("<int:pk>/reopen/", views.audit_reopen, name="audit_reopen"),
    path("reports/reopen/<int:pk>/", report_views.reopen, name="report_reopen"),
    path("reports/receive/<int:pk>/", report_views.report_receive, name="report_receive"),
    path("reports/return/<int:pk>/", report_views.report_return, name="report_return"),
    path("reports/<year:fy>/", report_views.reports, name="reports"),
    path("reports/<year:fy>/download/", report_views.download, name="download"),
    path("reports/<year:fy>/draft-job/", report_views.draft_job, name="draft_job"),
    path("reports/<year:fy>/submit/", report_views.submit, name="submit"),
    path("reports/file/<int:pk>/<str:fmt>/", report_views.report_file, name="report_file"),
    path("rating/<year:fy>/", report_views.rating, name="rating"),
]
