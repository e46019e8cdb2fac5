from django.urls import URLPattern, URLResolver, path

from piaops.training import views

app_name = "training"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("who/", views.who_list, name="who"),
    path("units/<int:unit_id>/", views.roster, name="roster"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("courses/<int:course_id>/edit/", views.course_edit, name="course_edit"),
    path("requirements/", views.requirement_list, name="requirements"),
    path("requirements/new/", views.requirement_new, name="requirement_new"),
    path("requirements/<int:requirement_id>/edit/", views.requirement_edit, name="requirement_edit"),
    path("records/", views.records, name="records"),
    path("records/new/", views.record_new, name="record_new"),
    path("records/import/", views.record_import, name="record_import"),
    path("rating/", views.rating, name="rating"),
]
