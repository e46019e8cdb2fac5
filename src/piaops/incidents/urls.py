from django.urls import URLPattern, URLResolver

app_name = "incidents"
urlpatterns: list[URLPattern | URLResolver] = []
