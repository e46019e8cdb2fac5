from __future__ import annotations

import datetime as dt

import pytest

from piaops.assurance import rules
from piaops.lib.fiscal import is_office_day

pytestmark = pytest.mark.engine_independent

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
        (D(2026, 9, 30), "semiannual", D(2027, 3, 31)),  # month ends stay month ends
        (D(2027, 3, 31), "semiannual", D(2027, 9, 30)),
        (D(2027, 2, 28), "annual", D(2028, 2, 29)),  # end of February in a leap year
        (D(2026, 1, 31), "monthly", D(2026, 2, 28)),
        (D(2026, 2, 28), "monthly", D(2026, 3, 31)),
        (D(2026, 6, 15), "quarterly", D(2026, 9, 15)),  # a mid-month day keeps its day
        (D(2026, 6, 15), "biennial", D(2028, 6, 15)),
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
        (D(2026, 11, 25), "annual", D(2027, 3, 31)),
        (D(2026, 11, 25), "semiannual", D(2027, 3, 31)),
        (D(2026, 5, 10), "semiannual", D(2026, 9, 30)),
        (D(2026, 11, 25), "quarterly", D(2026, 12, 31)),
        (D(2027, 1, 15), "quarterly", D(2027, 3, 31)),
        (D(2026, 11, 25), "monthly", D(2026, 11, 30)),
        (D(2026, 4, 1), "annual", D(2027, 3, 31)),
    ],
)
def test_a_new_obligation_is_first_due_at_the_end_of_the_current_period(today: D, cadence: str, due: D) -> None:
    assert rules.first_due(today, cadence) == due


@pytest.mark.parametrize(
    ("report", "obligation"),
    [
        ("semiannual", "semiannual"),
        ("quarterly", "quarterly"),  # was read as 年2回 before the one grammar
        ("monthly", "monthly"),
        ("per_year_3", "per_year_3"),
        ("biennial", "biennial"),
        ("every_3_fiscal_years", "every_3_fiscal_years"),
        ("per_month_2", "monthly"),  # finer than a month is checked monthly
        ("weekly", "monthly"),
        ("periodic", "annual"),  # 定期的に states no period: yearly
        ("as_needed", "annual"),
        ("on_assignment", "annual"),
        ("", "annual"),
    ],
)
def test_report_cadences_map_to_obligation_cadences(report: str, obligation: str) -> None:
    assert rules.cadence_from_report(report) == obligation


# 年2回: the two windows of the 年度 are 上期 (4/1–9/30) and 下期 (10/1–3/31). Accepting evidence moves the due date
# to the same place in the next window, whenever the evidence came; a due date never leaves its window.
@pytest.mark.parametrize(
    ("nominal", "cadence", "after"),
    [
        (D(2026, 9, 30), "semiannual", D(2027, 3, 31)),  # 上期 → 下期 of the same 年度
        (D(2026, 7, 15), "semiannual", D(2027, 1, 15)),  # a mid-window date stays in the 下期
        (D(2026, 10, 27), "semiannual", D(2027, 4, 27)),  # a 下期 date moves to the next 年度's 上期 only
        (D(2027, 3, 31), "semiannual", D(2027, 9, 30)),
        (D(2026, 6, 30), "quarterly", D(2026, 9, 30)),
        (D(2026, 12, 31), "quarterly", D(2027, 3, 31)),
        (D(2026, 4, 30), "per_year_3", D(2026, 8, 31)),
        (D(2027, 3, 31), "every_3_fiscal_years", D(2030, 3, 31)),
    ],
)
def test_accepting_moves_to_the_next_window_of_the_fiscal_year(nominal: D, cadence: str, after: D) -> None:
    assert rules.advance(nominal, cadence) == after
    assert rules.window(after, cadence)[0] == rules.window(nominal, cadence)[1] + dt.timedelta(days=1) or (
        cadence == "every_3_fiscal_years"
    )


@pytest.mark.parametrize(
    ("nominal", "cadence", "due"),
    [
        (D(2029, 3, 31), "semiannual", D(2029, 3, 30)),  # Saturday 3/31: 4/2 would be the next 年度 → Friday 3/30
        (D(2030, 3, 31), "annual", D(2030, 3, 29)),  # Sunday 3/31 → Friday 3/29, still the 年度
        (D(2029, 9, 30), "semiannual", D(2029, 9, 28)),  # Sunday 9/30 ends the 上期 → Friday 9/28
        (D(2029, 9, 30), "annual", D(2029, 10, 1)),  # … but a yearly window runs on: the next 開庁日
        (D(2026, 12, 29), "annual", D(2027, 1, 4)),  # 年末年始 inside the 年度: forward
        (D(2026, 5, 3), "semiannual", D(2026, 5, 7)),  # ゴールデンウィーク inside the 上期: forward
        (D(2026, 11, 25), "semiannual", D(2026, 11, 25)),  # an office day stays
    ],
)
def test_a_windowed_due_date_on_a_closed_day_stays_in_its_window(nominal: D, cadence: str, due: D) -> None:
    assert rules.office_due(nominal, cadence) == due
    start, end = rules.window(nominal, cadence)
    assert start <= due <= end and is_office_day(due)
