"""``/calendar/`` (the user's feed page) and ``/calendar/<token>.ics`` (the feed)."""

from __future__ import annotations

from django.urls import path

from piaops.calendarfeed import views

app_name = "calendarfeed"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<str:token>.ics", views.feed, name="feed"),
]
