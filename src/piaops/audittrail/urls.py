from django.urls import URLPattern, URLResolver

app_name = "audittrail"
urlpatterns: list[URLPattern | URLResolver] = []
