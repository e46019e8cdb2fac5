"""Root URLs. Each app owns its prefix."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("piaops.core.urls")),
    path("", include("piaops.accounts.login_urls")),
    path("tenancy/import/", include("piaops.tenancy.people_import.urls")),
    path("tenancy/", include("piaops.tenancy.urls")),
    path("audit-log/", include("piaops.audittrail.urls")),
    path("assessments/", include("piaops.assessments.urls")),
    path("findings/", include("piaops.findings.urls")),
    path("selfcheck/", include("piaops.selfcheck.urls")),
    path("audits/", include("piaops.audits.urls")),
    path("training/", include("piaops.training.urls")),
    path("assurance/", include("piaops.assurance.urls")),
    path("incidents/", include("piaops.incidents.urls")),
    path("areas/", include("piaops.areas.urls")),
    path("reviews/", include("piaops.reviews.urls")),
    path("reports/", include("piaops.reports.urls")),
    path("django-admin/", admin.site.urls),
    path("accounts/", include("piaops.accounts.urls")),
    path("api/", include("piaops.api.urls")),
    path("calendar/", include("piaops.calendarfeed.urls")),
    path("jobs/", include("piaops.jobs.urls")),
    path("manual/", include("piaops.manual.urls")),
]
