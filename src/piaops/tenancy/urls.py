from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from piaops.tenancy import views, views_people, views_users

app_name = "tenancy"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("municipality/", views.municipality_detail, name="municipality"),
    path("municipality/edit/", views.municipality_edit, name="municipality_edit"),
    path("units/", views.unit_tree, name="units"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("units/<int:pk>/deactivate/", views.unit_deactivate, name="unit_deactivate"),
    path("people/", views_people.person_list, name="people"),
    path("people/new/", views_people.person_create, name="person_create"),
    path("people/<int:pk>/", views_people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views_people.person_edit, name="person_edit"),
    path("people/<int:pk>/assignments/new/", views_people.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/end/", views_people.assignment_end, name="assignment_end"),
    path("works/", views.work_list, name="works"),
    path("works/new/", views.work_create, name="work_create"),
    path("works/<int:pk>/edit/", views.work_edit, name="work_edit"),
    path("works/<int:pk>/deactivate/", views.work_deactivate, name="work_deactivate"),
    path("parties/", views.party_list, name="parties"),
    path("parties/new/", views.party_create, name="party_create"),
    path("parties/<int:pk>/edit/", views.party_edit, name="party_edit"),
    path("users/", views_users.user_list, name="users"),
    path("users/new/", views_users.user_create, name="user_create"),
    path("users/<int:pk>/", views_users.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views_users.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views_users.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/roles/", views_users.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", views_users.role_revoke, name="role_revoke"),
]
