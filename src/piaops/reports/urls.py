from django.urls import URLPattern, URLResolver, path

from piaops.reports import views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("assessments/<int:pk>/section4/", views.section4, name="section4"),
    path("assessments/<int:pk>/section4/job/", views.section4_job, name="section4_job"),
    path("assessments/<int:pk>/section4/audit-rating/", views.section4_audit_rating, name="section4_audit_rating"),
    path("assessments/<int:pk>/periodic/", views.periodic, name="periodic"),
    path("assessments/<int:pk>/periodic/job/", views.periodic_job, name="periodic_job"),
    path("assessments/<int:pk>/oscal/<slug:model>/", views.oscal, name="oscal"),
]
