from django.urls import URLPattern, URLResolver

app_name = "assurance"
urlpatterns: list[URLPattern | URLResolver] = []
