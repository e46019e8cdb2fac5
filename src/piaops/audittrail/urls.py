from django.urls import URLPattern, URLResolver, path

from piaops.audittrail import views

app_name = "audittrail"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export_csv"),
]
