from django.urls import URLPattern, URLResolver

app_name = "tenancy"
urlpatterns: list[URLPattern | URLResolver] = []
