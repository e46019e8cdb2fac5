"""PPC 漏えい等報告 deadlines, at their edges and with time travel."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from piaops.incidents import ppc, services
from piaops.incidents.models import Incident
from piaops.incidents.reminders import collect
from piaops.lib.fiscal import is_office_day
from tests.conftest import World
from tests.incidents.conftest import at


def test_the_prompt_report_target_counts_from_the_day_after_knowing() -> None:
    due = ppc.deadlines(known_on=dt.date(2026, 11, 4), unlawful_purpose=False)  # Wednesday
    assert due.prompt_target == dt.date(2026, 11, 6)  # +3 = Sat 7th → the office day before, Fri 6th
    assert due.prompt_due == dt.date(2026, 11, 9)  # +5 = Mon 9th


# 確報 (規則第3条第2項, 通則編 3-5-3-4): the day of knowing is day 1; the 30th (60th) day, or the next 開庁日 when
# it is a Saturday, Sunday, national holiday or 12/29–1/3.
FINAL_VECTORS = [
    # (known on, unlawful purpose, due)
    (dt.date(2026, 6, 1), False, dt.date(2026, 6, 30)),  # the example: Tuesday 6/30
    (dt.date(2026, 11, 4), False, dt.date(2026, 12, 3)),  # Thursday
    (dt.date(2026, 6, 1), True, dt.date(2026, 7, 30)),  # day 60: Thursday 7/30
    (dt.date(2026, 10, 2), False, dt.date(2026, 11, 2)),  # day 30 = Sat 10/31 → Mon 11/2
    (dt.date(2026, 10, 3), False, dt.date(2026, 11, 2)),  # day 30 = Sun 11/1 → Mon 11/2
    (dt.date(2026, 10, 5), False, dt.date(2026, 11, 4)),  # day 30 = Tue 11/3 文化の日 → Wed 11/4
    (dt.date(2026, 4, 4), False, dt.date(2026, 5, 7)),  # day 30 = Sun 5/3 → 5/4, 5/5, 振替休日 5/6 → Thu 5/7
    (dt.date(2026, 11, 30), False, dt.date(2027, 1, 4)),  # day 30 = Tue 12/29 (年末年始) → Mon 1/4
    (dt.date(2026, 12, 3), False, dt.date(2027, 1, 4)),  # day 30 = Fri 1/1 → Mon 1/4
    (dt.date(2026, 12, 5), False, dt.date(2027, 1, 4)),  # day 30 = Sun 1/3 → Mon 1/4
    (dt.date(2026, 11, 29), False, dt.date(2026, 12, 28)),  # day 30 = Mon 12/28: the last 開庁日 of the year
    (dt.date(2026, 11, 4), True, dt.date(2027, 1, 4)),  # day 60 = Sat 1/2 → Mon 1/4
    (dt.date(2026, 12, 12), False, dt.date(2027, 1, 12)),  # day 30 = Mon 1/11 成人の日 → Tue 1/12
    (dt.date(2027, 2, 13), False, dt.date(2027, 3, 15)),  # day 30 = Sun 3/14 → Mon 3/15
    (dt.date(2028, 1, 31), False, dt.date(2028, 2, 29)),  # leap year: day 30 = Tue 2/29
]


@pytest.mark.parametrize(("known_on", "unlawful", "due"), FINAL_VECTORS)
def test_the_final_report_is_due_on_day_30_or_60_counting_the_day_of_knowing(
    known_on: dt.date, unlawful: bool, due: dt.date
) -> None:
    assert ppc.deadlines(known_on=known_on, unlawful_purpose=unlawful).final_due == due
    assert is_office_day(due)
    days = 60 if unlawful else 30
    nominal = known_on + dt.timedelta(days=days - 1)
    assert due >= nominal and all(
        not is_office_day(nominal + dt.timedelta(days=n)) for n in range((due - nominal).days)
    )


def test_a_prompt_due_date_on_a_closed_day_moves_back_never_before_the_day_of_knowing() -> None:
    # Known on Monday 28 December: +5 = 2 January (closed), and every day back to the 28th is closed or the day
    # itself, so the due date becomes the first 開庁日 after the closure.
    due = ppc.deadlines(known_on=dt.date(2026, 12, 28), unlawful_purpose=False)
    assert due.prompt_due == dt.date(2027, 1, 4)
    assert is_office_day(due.prompt_due)
    due = ppc.deadlines(known_on=dt.date(2026, 11, 20), unlawful_purpose=False)  # Fri; +5 = Wed 25th
    assert due.prompt_due == dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    "known_on",
    [dt.date(2026, 4, 28), dt.date(2026, 12, 25), dt.date(2027, 4, 30), dt.date(2026, 9, 18), dt.date(2026, 3, 31)],
)
def test_every_due_date_is_an_office_day_after_the_day_of_knowing(known_on: dt.date) -> None:
    due = ppc.deadlines(known_on=known_on, unlawful_purpose=False)
    for day in (due.prompt_target, due.prompt_due, due.final_due):
        assert is_office_day(day) and day > known_on
    assert due.prompt_target <= due.prompt_due < due.final_due


# 報告対象事態 (規則第2条): any one of 第1号〜第4号 makes the report required; 100 persons is not "more than 100".
@pytest.mark.parametrize(
    ("answers", "required", "reason"),
    [
        ({}, False, "いずれにも当たらない"),
        ({"people_affected": 12}, False, "本人の数12人"),
        ({"people_affected": 100}, False, "本人の数100人"),
        ({"people_affected": 101}, True, "第4号"),
        ({"in_network_system": True}, True, "第1号"),
        ({"unlawful_purpose": True}, True, "第2号"),
        ({"public_exposure": True}, True, "第3号"),
        ({"unlawful_purpose": True, "people_affected": 350}, True, "第2号"),
        ({"involved": False, "unlawful_purpose": True}, False, "おそれがない"),
    ],
)
def test_reportability_follows_the_four_cases_of_the_rule(
    answers: dict[str, object], required: bool, reason: str
) -> None:
    args: dict[str, object] = {
        "involved": True,
        "in_network_system": False,
        "unlawful_purpose": False,
        "public_exposure": False,
        "people_affected": None,
    } | answers
    decision = ppc.reportability(**args)  # type: ignore[arg-type]
    assert decision.required is required
    assert reason in decision.text
    assert ("報告が必要" in decision.text) is required


def test_an_incident_without_personal_information_has_no_ppc_deadlines(world: World) -> None:
    incident = services.incident_record(
        municipality=world.a, user=None, title="停電", description="停電", detected_at=at(dt.date(2026, 11, 4))
    )
    assert incident.ppc_prompt_due is None and incident.ppc_final_due is None
    with pytest.raises(services.IncidentError, match="対象外"):
        services.ppc_report_record(incident=incident, user=None, kind="prompt", reported_on=dt.date(2026, 11, 5))


def test_marking_personal_information_later_computes_the_deadlines(world: World) -> None:
    incident = services.incident_record(
        municipality=world.a, user=None, title="誤送付", description="誤送付", detected_at=at(dt.date(2026, 11, 4))
    )
    incident = services.incident_update(
        incident=incident, user=None, expected_version=incident.version, personal_info_involved=True, leaked=True
    )
    assert incident.ppc_prompt_due is None  # 特定個人情報, but no 報告対象事態 yet
    incident = services.incident_update(
        incident=incident, user=None, expected_version=incident.version, public_exposure=True
    )
    assert incident.ppc_prompt_due == dt.date(2026, 11, 9) and incident.ppc_final_due == dt.date(2026, 12, 3)
    incident = services.incident_update(
        incident=incident, user=None, expected_version=incident.version, unlawful_purpose=True
    )
    assert incident.ppc_final_due == dt.date(2027, 1, 4)


def test_the_final_report_needs_the_prompt_report_first(world: World, leak: Incident) -> None:
    with pytest.raises(services.IncidentError, match="速報"):
        services.ppc_report_record(incident=leak, user=None, kind="final", reported_on=dt.date(2026, 11, 20))
    services.ppc_report_record(incident=leak, user=None, kind="prompt", reported_on=dt.date(2026, 11, 6))
    leak = services.ppc_report_record(incident=leak, user=None, kind="final", reported_on=dt.date(2026, 11, 20))
    assert leak.ppc_final_reported_on == dt.date(2026, 11, 20)


def test_a_late_report_is_marked_late_in_the_timeline(world: World, leak: Incident) -> None:
    services.ppc_report_record(incident=leak, user=None, kind="prompt", reported_on=dt.date(2026, 11, 10))
    assert "期限超過" in leak.events.filter(kind="ppc").get().text


def test_overdue_reports_are_listed_from_the_day_after_the_due_date(world: World, leak: Incident) -> None:
    reportable = Incident.objects.for_municipality(world.a)
    assert not reportable.ppc_overdue(dt.date(2026, 11, 9)).exists()  # due day itself: not yet overdue
    assert reportable.ppc_overdue(dt.date(2026, 11, 10)).get() == leak
    services.ppc_report_record(incident=leak, user=None, kind="prompt", reported_on=dt.date(2026, 11, 10))
    assert not reportable.ppc_overdue(dt.date(2026, 11, 10)).exists()
    assert not reportable.ppc_overdue(dt.date(2026, 12, 3)).exists()  # day 30 is the due day
    assert reportable.ppc_overdue(dt.date(2026, 12, 4)).get() == leak  # the 確報 is late now


def test_reminders_come_two_office_days_before_and_when_overdue(world: World, leak: Incident) -> None:
    world.admin_a.email = "admin@city.example.jp"
    world.admin_a.save()
    with time_machine.travel(dt.date(2026, 11, 4)):
        assert list(collect(today=dt.date(2026, 11, 4))) == []  # due Mon 9th; two 開庁日 ahead is Fri 6th
    before = list(collect(today=dt.date(2026, 11, 5)))
    assert [r.key for r in before] == [f"incidents:{leak.pk}:ppc-prompt:before"]
    assert before[0].recipients == ("admin@city.example.jp",)
    assert "速報" in before[0].subject and "2026-11-09" in before[0].body
    overdue = list(collect(today=dt.date(2026, 11, 10)))
    assert [r.key for r in overdue] == [f"incidents:{leak.pk}:ppc-prompt:overdue"] and overdue[0].overdue
    services.ppc_report_record(incident=leak, user=None, kind="prompt", reported_on=dt.date(2026, 11, 10))
    assert list(collect(today=dt.date(2026, 11, 10))) == []
    assert [r.key for r in collect(today=dt.date(2026, 12, 2))] == [f"incidents:{leak.pk}:ppc-final:before"]


def test_reminders_never_cross_municipalities(world: World, leak: Incident) -> None:
    other = services.incident_record(
        municipality=world.b,
        user=None,
        title="別団体の事故",
        description="別団体",
        detected_at=at(dt.date(2026, 11, 4)),
        personal_info_involved=True,
        public_exposure=True,
    )
    world.user_b.email = "b@pref.example.jp"
    world.user_b.save()
    reminders = {r.key: r for r in collect(today=dt.date(2026, 11, 10))}
    assert reminders[f"incidents:{other.pk}:ppc-prompt:overdue"].recipients == ("b@pref.example.jp",)
    assert reminders[f"incidents:{leak.pk}:ppc-prompt:overdue"].recipients == ()


def test_a_non_reportable_incident_is_closed_internally_without_a_final_report(world: World, parties: dict) -> None:
    paper = services.incident_record(
        municipality=world.a,
        user=None,
        title="通知書の誤送付（紙）",
        description="3人分の通知書を誤送付した。",
        detected_at=at(dt.date(2026, 11, 4)),
        personal_info_involved=True,
        leaked=True,
        people_affected=3,
    )
    assert not paper.ppc_report_required and paper.ppc_final_due is None
    assert not Incident.objects.for_municipality(world.a).ppc_reportable().exists()
    with pytest.raises(services.IncidentError, match="対象外"):
        services.ppc_report_record(incident=paper, user=None, kind="prompt", reported_on=dt.date(2026, 11, 5))
    services.incident_route(incident=paper, user=None, cause="municipality", rationale="職員の封入誤り")
    services.incident_transition(incident=paper, user=None, name="start_investigation")
    closed = services.incident_transition(incident=paper, user=None, name="close")
    assert closed.status == "closed"


@time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
def test_a_report_date_in_the_future_is_refused(world: World, leak: Incident) -> None:
    with pytest.raises(services.IncidentError, match="未来の日付"):
        services.ppc_report_record(incident=leak, user=None, kind="prompt", reported_on=dt.date(2026, 11, 21))
    services.ppc_report_record(incident=leak, user=None, kind="prompt", reported_on=dt.date(2026, 11, 20))  # today


def test_an_incident_cannot_close_on_a_report_that_has_not_happened(
    world: World, leak: Incident, parties: dict
) -> None:
    services.incident_route(incident=leak, user=None, cause="asp", rationale="ASPの設定誤り")
    services.incident_transition(incident=leak, user=None, name="start_investigation")
    with time_machine.travel(dt.datetime(2026, 11, 10, 3, tzinfo=dt.UTC)):
        services.ppc_report_record(incident=leak, user=None, kind="prompt", reported_on=dt.date(2026, 11, 6))
        services.ppc_report_record(incident=leak, user=None, kind="final", reported_on=dt.date(2026, 11, 10))
    # a 確報 date later than today (stored before this rule, or by a clock set wrong) does not allow closing
    Incident.objects.filter(pk=leak.pk).update(ppc_final_reported_on=dt.date(2026, 11, 30))
    with time_machine.travel(dt.datetime(2026, 11, 12, 3, tzinfo=dt.UTC)):
        with pytest.raises(services.IncidentError, match="確報"):
            services.incident_transition(incident=leak, user=None, name="close")
    with time_machine.travel(dt.datetime(2026, 11, 30, 3, tzinfo=dt.UTC)):
        assert services.incident_transition(incident=leak, user=None, name="close").status == "closed"
