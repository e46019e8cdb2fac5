from __future__ import annotations

from django.apps import AppConfig


class CalendarFeedConfig(AppConfig):
    name = "piaops.calendarfeed"
    label = "calendarfeed"
    verbose_name = "カレンダー配信"
