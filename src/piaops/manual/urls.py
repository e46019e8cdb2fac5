from django.urls import path

from piaops.manual import views

app_name = "manual"
urlpatterns = [
    path("", views.chapter, name="index"),
    path("images/<str:name>", views.image, name="image"),
    path("<slug:slug>/", views.chapter, name="chapter"),
]
