from django.urls import URLPattern, URLResolver, path

from piaops.findings import views

app_name = "findings"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/action/", views.action, name="action"),
]
