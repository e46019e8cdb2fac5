from django.urls import URLPattern, URLResolver, path

from piaops.reviews import views

app_name = "reviews"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("open/", views.open_review, name="open"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/figures/", views.figures, name="figures"),
    path("<int:pk>/refresh/", views.refresh, name="refresh"),
    path("<int:pk>/candidates/<int:candidate_pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
]
