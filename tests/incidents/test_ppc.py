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


def test_deadlines_count_from_the_day_after_knowing() -> None:
    due = ppc.deadlines(known_on=dt.date(2026, 11, 4), unlawful_purpose=False)  # Wednesday
    assert due.prompt_target == dt.date(2026, 11, 6)  # +3 = Sat 7th → the office day before, Fri 6th
    assert due.prompt_due == dt.date(2026, 11, 9)  # +5 = Mon 9th
    assert due.final_due == dt.date(2026, 12, 4)  # +30 = Fri 4 December


def test_an_unlawful_purpose_gives_sixty_days_for_the_final_report() -> None:
    due = ppc.deadlines(known_on=dt.date(2026, 11, 4), unlawful_purpose=True)
    assert due.final_due == dt.date(2027, 1, 1) - dt.timedelta(days=4)  # +60 = 3 Jan (closed) → Mon 28 Dec


def test_a_due_date_on_a_closed_day_moves_back_never_before_the_day_of_knowing() -> None:
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
    assert incident.ppc_prompt_due == dt.date(2026, 11, 9)
    incident = services.incident_update(
        incident=incident, user=None, expected_version=incident.version, unlawful_purpose=True
    )
    assert incident.ppc_final_due == dt.date(2026, 12, 28)


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
    assert reportable.ppc_overdue(dt.date(2026, 12, 5)).get() == leak  # the 確報 is late now


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
    assert [r.key for r in collect(today=dt.date(2026, 12, 3))] == [f"incidents:{leak.pk}:ppc-final:before"]


def test_reminders_never_cross_municipalities(world: World, leak: Incident) -> None:
    other = services.incident_record(
        municipality=world.b,
        user=None,
        title="別団体の事故",
        description="別団体",
        detected_at=at(dt.date(2026, 11, 4)),
        personal_info_involved=True,
    )
    world.user_b.email = "b@pref.example.jp"
    world.user_b.save()
    reminders = {r.key: r for r in collect(today=dt.date(2026, 11, 10))}
    assert reminders[f"incidents:{other.pk}:ppc-prompt:overdue"].recipients == ("b@pref.example.jp",)
    assert reminders[f"incidents:{leak.pk}:ppc-prompt:overdue"].recipients == ()
