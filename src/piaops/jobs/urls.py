from django.urls import path

from piaops.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/result/", views.result, name="result"),
]
