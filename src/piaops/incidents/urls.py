from django.urls import URLPattern, URLResolver, path

from piaops.incidents import views

app_name = "incidents"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/note/", views.add_note, name="note"),
    path("<int:pk>/transition/<str:name>/", views.transition, name="transition"),
    path("<int:pk>/route/", views.route, name="route"),
    path("<int:pk>/consultation/", views.consultation, name="consultation"),
    path("<int:pk>/ppc/", views.ppc_report, name="ppc"),
]
