from django.urls import URLPattern, URLResolver, path

from piaops.findings import views

app_name = "findings"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
]
