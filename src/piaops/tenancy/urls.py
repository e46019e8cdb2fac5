from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from piaops.tenancy.views import organisation, people, users

app_name = "tenancy"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", organisation.index, name="index"),
    path("municipality/", organisation.municipality_detail, name="municipality"),
    path("municipality/edit/", organisation.municipality_edit, name="municipality_edit"),
    path("units/", organisation.unit_tree, name="units"),
    path("units/new/", organisation.unit_create, name="unit_create"),
    path("units/<int:pk>/", organisation.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", organisation.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", organisation.unit_move, name="unit_move"),
    path("units/<int:pk>/deactivate/", organisation.unit_deactivate, name="unit_deactivate"),
    path("people/", people.person_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/assignments/new/", people.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/end/", people.assignment_end, name="assignment_end"),
    path("works/", organisation.work_list, name="works"),
    path("works/new/", organisation.work_create, name="work_create"),
    path("works/<int:pk>/edit/", organisation.work_edit, name="work_edit"),
    path("works/<int:pk>/deactivate/", organisation.work_deactivate, name="work_deactivate"),
    path("parties/", organisation.party_list, name="parties"),
    path("parties/new/", organisation.party_create, name="party_create"),
    path("parties/<int:pk>/edit/", organisation.party_edit, name="party_edit"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", users.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/roles/", users.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", users.role_revoke, name="role_revoke"),
]
