"""On the demo data, every kind of deadline reaches the admin's feed, and a unit's feed holds only its own."""

from __future__ import annotations

import datetime as dt
import io

import icalendar
import time_machine
from django.core.management import call_command
from django.test import Client

from piaops.calendarfeed import services
from piaops.tenancy.models import User


def _events(user: User) -> dict[str, str]:
    """UID → SUMMARY of the user's feed."""
    _token, raw = services.token_create(user=user)
    response = Client().get(f"/calendar/{raw}.ics")
    assert response.status_code == 200
    return {str(e["UID"]): str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False)
def test_the_demo_admin_sees_every_kind_and_the_unit_head_only_theirs(db: None) -> None:
    call_command("demo", people=120, today="2026-11-25", stdout=io.StringIO())
    admin = _events(User.objects.get(username="demo-admin"))
    kinds = {s.split("】")[0] + "】" for s in admin.values()}
    assert kinds == {
        "【自己点検】",
        "【改善計画】",
        "【監査】",
        "【研修】",
        "【保証義務】",
        "【ISMAP】",
        "【個人情報保護委員会への確報】",
        "【全項目評価の再実施（5年）】",
        "【重点項目評価の再実施（5年）】",
        "【基礎項目評価の再実施（5年）】",
        "【重要な変更の再評価】",
    }
    head = _events(User.objects.get(username="demo-head"))  # 所属長 of 税政課
    assert head and set(head) <= set(admin)  # the same events (a training event counts only their people)
    summaries = head.values()
    assert all("税政課" in s for s in summaries if s.startswith(("【自己点検】", "【改善計画】", "【監査】")))
    assert not any(
        s.startswith(("【保証義務】", "【ISMAP】", "【全項目評価", "【重点項目評価", "【基礎項目評価", "【重要な変更"))
        for s in summaries
    )  # municipality-wide
    tokyo = _events(User.objects.get(username="tokyo-admin"))
    assert set(tokyo).isdisjoint(admin)
