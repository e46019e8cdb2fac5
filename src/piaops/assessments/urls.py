from django.urls import URLPattern, URLResolver, path

from piaops.assessments import views

app_name = "assessments"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("import/", views.upload, name="upload"),
    path("import/save/", views.upload_save, name="upload_save"),
    path("import/batch/", views.upload_batch, name="upload_batch"),
    path("import/batch/save/", views.upload_batch_save, name="upload_batch_save"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/diff/", views.diff, name="diff"),
    path("<int:pk>/export/<str:fmt>/", views.export, name="export"),
    path("commitments/<int:pk>/edit/", views.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/split/", views.commitment_split, name="commitment_split"),
    path("items/<int:pk>/merge/", views.commitment_merge, name="commitment_merge"),
]
