from django.urls import URLPattern, URLResolver, path

from piaops.areas import views

app_name = "areas"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("new/", views.area_create, name="create"),
    path("cards/", views.cards, name="cards"),
    path("mappings/", views.mappings, name="mappings"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.area_edit, name="edit"),
    path("<int:pk>/authorizations/new/", views.authorization_add, name="authorization_add"),
    path("<int:pk>/visits/new/", views.visit_add, name="visit_add"),
    path("<int:pk>/import/", views.import_log, name="import"),
    path("<int:pk>/review/<year:year>-<month:month>/", views.review, name="review"),
    path("<int:pk>/review/<year:year>-<month:month>/comment/", views.review_comment, name="review_comment"),
    path("<int:pk>/review/<year:year>-<month:month>/sign/", views.review_sign, name="review_sign"),
    path("<int:pk>/review/<year:year>-<month:month>/reopen/", views.review_reopen, name="review_reopen"),
]
