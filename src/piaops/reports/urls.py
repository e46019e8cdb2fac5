from django.urls import URLPattern, URLResolver, path

from piaops.reports import views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
]
