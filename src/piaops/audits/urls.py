from django.urls import URLPattern, URLResolver, path

from piaops.audits import report_views, views

app_name = "audits"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("programmes/new/", views.programme_new, name="programme_new"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("programmes/<int:pk>/action/", views.programme_action, name="programme_action"),
    path("<int:pk>/", views.audit_detail, name="audit"),
    path("<int:pk>/action/", views.audit_action, name="audit_action"),
    path("<int:pk>/reopen/", views.audit_reopen, name="audit_reopen"),
    path("reports/reopen/<int:pk>/", report_views.reopen, name="report_reopen"),
    path("reports/<year:fy>/", report_views.reports, name="reports"),
    path("reports/<year:fy>/download/", report_views.download, name="download"),
    path("reports/<year:fy>/submit/", report_views.submit, name="submit"),
    path("reports/file/<int:pk>/<str:fmt>/", report_views.report_file, name="report_file"),
    path("reports/review/<int:pk>/", report_views.review, name="review"),
    path("rating/<year:fy>/", report_views.rating, name="rating"),
]
