from __future__ import annotations

import datetime as dt

import pytest

from piaops.assurance import rules
from piaops.lib.fiscal import is_office_day

D = dt.date


@pytest.mark.parametrize(
    ("audit_end", "expires"),
    [
        (D(2024, 3, 31), D(2025, 8, 1)),  # fiscal-year audit: next day 4/1, + 1年4ヶ月
        (D(2023, 9, 30), D(2025, 2, 1)),  # a month end: the next day is the 1st
        (D(2024, 12, 31), D(2026, 5, 1)),  # the year end
        (D(2023, 10, 30), D(2025, 2, 28)),  # next day 10/31 → February has no 31st: its last day
        (D(2022, 10, 30), D(2024, 2, 29)),  # … and in a leap year that is the 29th
        (D(2022, 10, 28), D(2024, 2, 29)),  # next day 10/29 lands on a leap day that exists
        (D(2023, 10, 28), D(2025, 2, 28)),  # … and on a common year's last day when it does not
        (D(2024, 2, 28), D(2025, 6, 29)),  # leap year: the day after 2/28 is 2/29
        (D(2024, 2, 29), D(2025, 7, 1)),  # the leap day itself ends a period: next day is 3/1
        (D(2023, 2, 28), D(2024, 7, 1)),  # common year: the day after 2/28 is 3/1
    ],
)
def test_ismap_expiry_is_16_months_after_the_day_following_the_audit_period(audit_end: D, expires: D) -> None:
    assert rules.ismap_expiry(audit_end) == expires


def test_a_registration_is_valid_through_its_expiry_day_and_not_after() -> None:
    expires = D(2025, 8, 1)
    assert rules.ismap_is_valid(expires_on=expires, on=expires)
    assert not rules.ismap_is_valid(expires_on=expires, on=expires + dt.timedelta(days=1))


def test_a_renewal_applied_before_expiry_keeps_it_valid_while_pending() -> None:
    expires = D(2025, 8, 1)
    later = D(2026, 1, 15)
    assert rules.ismap_is_valid(expires_on=expires, on=later, renewal_applied_on=D(2025, 6, 1))
    assert rules.ismap_is_valid(expires_on=expires, on=later, renewal_applied_on=expires)  # applied on the last day


def test_a_renewal_applied_after_expiry_does_not_revive_it() -> None:
    expires = D(2025, 8, 1)
    assert not rules.ismap_is_valid(
        expires_on=expires, on=D(2025, 9, 1), renewal_applied_on=expires + dt.timedelta(days=1)
    )


def test_removal_from_the_list_ends_validity_even_before_expiry() -> None:
    assert not rules.ismap_is_valid(expires_on=D(2026, 8, 1), on=D(2025, 9, 1), delisted=True)


@pytest.mark.parametrize(
    ("due", "cadence", "after"),
    [
        (D(2026, 9, 30), rules.Cadence.SEMIANNUAL, D(2027, 3, 31)),  # month ends stay month ends
        (D(2027, 3, 31), rules.Cadence.SEMIANNUAL, D(2027, 9, 30)),
        (D(2027, 2, 28), rules.Cadence.ANNUAL, D(2028, 2, 29)),  # end of February in a leap year
        (D(2026, 1, 31), rules.Cadence.MONTHLY, D(2026, 2, 28)),
        (D(2026, 2, 28), rules.Cadence.MONTHLY, D(2026, 3, 31)),
        (D(2026, 6, 15), rules.Cadence.QUARTERLY, D(2026, 9, 15)),  # a mid-month day keeps its day
        (D(2026, 6, 15), rules.Cadence.BIENNIAL, D(2028, 6, 15)),
    ],
)
def test_advancing_a_due_date_moves_it_by_one_cadence_step(due: D, cadence: str, after: D) -> None:
    assert rules.advance(due, cadence) == after


def test_a_due_date_on_a_closed_day_moves_to_the_next_office_day() -> None:
    assert rules.office_due(D(2026, 5, 3)) == D(2026, 5, 7)  # Sunday, then みどりの日, こどもの日, 振替休日
    assert rules.office_due(D(2026, 12, 29)) == D(2027, 1, 4)  # 年末年始
    assert rules.office_due(D(2026, 11, 25)) == D(2026, 11, 25)  # an ordinary Wednesday stays
    assert all(is_office_day(rules.office_due(D(2026, 1, 1) + dt.timedelta(days=i))) for i in range(366))


@pytest.mark.parametrize(
    ("today", "cadence", "due"),
    [
        (D(2026, 11, 25), rules.Cadence.ANNUAL, D(2027, 3, 31)),
        (D(2026, 11, 25), rules.Cadence.SEMIANNUAL, D(2027, 3, 31)),
        (D(2026, 5, 10), rules.Cadence.SEMIANNUAL, D(2026, 9, 30)),
        (D(2026, 11, 25), rules.Cadence.QUARTERLY, D(2026, 12, 31)),
        (D(2027, 1, 15), rules.Cadence.QUARTERLY, D(2027, 3, 31)),
        (D(2026, 11, 25), rules.Cadence.MONTHLY, D(2026, 11, 30)),
        (D(2026, 4, 1), rules.Cadence.ANNUAL, D(2027, 3, 31)),
    ],
)
def test_a_new_obligation_is_first_due_at_the_end_of_the_current_period(today: D, cadence: str, due: D) -> None:
    assert rules.first_due(today, cadence) == due


def test_report_cadences_map_to_obligation_cadences() -> None:
    assert rules.cadence_from_report("semiannual") == rules.Cadence.SEMIANNUAL
    assert rules.cadence_from_report("periodic") == rules.Cadence.ANNUAL
    assert rules.cadence_from_report("") == rules.Cadence.ANNUAL
