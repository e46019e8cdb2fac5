"""The municipal calendar: 年度, 和暦, 開庁日."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from piaops.lib import fiscal

pytestmark = pytest.mark.engine_independent

D = dt.date


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (D(2026, 3, 31), 2025),
        (D(2026, 4, 1), 2026),
        (D(2026, 12, 31), 2026),
        (D(2027, 1, 1), 2026),
        (D(2027, 3, 31), 2026),
        (D(2027, 4, 1), 2027),
    ],
)
def test_the_fiscal_year_turns_on_the_first_of_april(day: dt.date, fy: int) -> None:
    assert fiscal.fiscal_year(day) == fy


def test_fiscal_year_bounds_are_april_to_march() -> None:
    assert fiscal.fiscal_year_start(2026) == D(2026, 4, 1)
    assert fiscal.fiscal_year_end(2026) == D(2027, 3, 31)
    assert fiscal.fiscal_year(fiscal.fiscal_year_end(2026)) == 2026
    assert fiscal.fiscal_year(fiscal.fiscal_year_end(2026) + dt.timedelta(days=1)) == 2027


@pytest.mark.parametrize(
    ("day", "half"), [(D(2026, 4, 1), 1), (D(2026, 9, 30), 1), (D(2026, 10, 1), 2), (D(2027, 3, 31), 2)]
)
def test_the_half_year_turns_on_the_first_of_october(day: dt.date, half: int) -> None:
    assert fiscal.fiscal_half(day) == half


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (D(2019, 4, 30), "平成31年4月30日"),
        (D(2019, 5, 1), "令和元年5月1日"),
        (D(2020, 1, 1), "令和2年1月1日"),
        (D(2026, 11, 25), "令和8年11月25日"),
        (D(1989, 1, 7), "昭和64年1月7日"),
        (D(1989, 1, 8), "平成元年1月8日"),
        (D(1926, 12, 25), "昭和元年12月25日"),
    ],
)
def test_wareki_switches_era_on_the_day_of_accession(day: dt.date, text: str) -> None:
    assert fiscal.wareki(day) == text


@pytest.mark.parametrize(
    ("fy", "text"),
    [
        (2026, "令和8年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_a_fiscal_year_is_named_as_municipalities_write_it(fy: int, text: str) -> None:
    assert fiscal.wareki_fiscal_year(fy) == text


def test_filters_show_the_japanese_day_of_a_stored_utc_datetime() -> None:
    # 2026-03-31 23:30 JST is 14:30 UTC: the Japanese day, and so the 年度, is still 31 March.
    at = dt.datetime(2026, 3, 31, 14, 30, tzinfo=dt.UTC)
    late = dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)  # 2026-04-01 00:30 JST
    with timezone.override("Asia/Tokyo"):
        out = Template("{{ a|wareki }} / {{ b|date_ja }} / {{ fy|nendo }}").render(
            Context({"a": at, "b": late, "fy": 2019})
        )
    assert out == "令和8年3月31日 / 2026-04-01（令和8年4月1日） / 2019年度（令和元年度）"


def test_filters_show_an_old_date_rather_than_failing() -> None:
    assert Template("{{ d|wareki }}").render(Context({"d": D(1900, 1, 1)})) == "1900-01-01"


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (D(2026, 11, 25), True),  # Wednesday
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
        (D(2026, 11, 23), False),  # 勤労感謝の日 (Monday)
        (D(2025, 5, 6), False),  # 振替休日 for 5/4 (Sunday)
        (D(2024, 2, 12), False),  # 振替休日 for 建国記念の日 (Sunday)
        (D(2026, 9, 22), False),  # 国民の休日 between 敬老の日 and 秋分の日
        (D(2026, 12, 28), True),  # last office day of the year
        (D(2026, 12, 29), False),  # year-end closure (a Tuesday)
        (D(2026, 12, 31), False),
        (D(2027, 1, 2), False),
        (D(2027, 1, 3), False),
        (D(2027, 1, 4), True),  # 仕事始め (Monday)
    ],
)
def test_office_days_exclude_weekends_holidays_and_the_year_end(day: dt.date, open_: bool) -> None:
    assert fiscal.is_office_day(day) is open_


def test_a_due_date_on_a_closed_day_moves_to_the_next_office_day() -> None:
    assert fiscal.next_office_day(D(2026, 12, 29)) == D(2027, 1, 4)
    assert fiscal.next_office_day(D(2026, 11, 25)) == D(2026, 11, 25)
    assert fiscal.next_office_day(D(2025, 5, 3)) == D(2025, 5, 7)  # Sat 憲法記念日 … Tue 5/6 振替休日
    assert fiscal.previous_office_day(D(2027, 1, 3)) == D(2026, 12, 28)


def test_adding_office_days_skips_every_closed_day() -> None:
    assert fiscal.add_office_days(D(2026, 12, 25), 1) == D(2026, 12, 28)  # Fri → Mon
    assert fiscal.add_office_days(D(2026, 12, 25), 2) == D(2027, 1, 4)  # over the closure
    assert fiscal.add_office_days(D(2027, 1, 4), -1) == D(2026, 12, 28)
    assert fiscal.add_office_days(D(2026, 11, 20), 1) == D(2026, 11, 24)  # Fri → over Sat, Sun, 11/23 holiday
    assert fiscal.add_office_days(D(2026, 11, 25), 0) == D(2026, 11, 25)
    assert fiscal.office_days_between(D(2026, 12, 25), D(2027, 1, 4)) == 2
    assert fiscal.office_days_between(D(2027, 1, 4), D(2026, 12, 25)) == -2


def test_add_years_keeps_the_day_and_turns_29_february_into_28_february() -> None:
    assert fiscal.add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert fiscal.add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert fiscal.add_years(D(2026, 4, 1), 5) == D(2031, 4, 1)
    assert fiscal.add_years(D(2026, 4, 1), -1) == D(2025, 4, 1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),  # a day the month lacks: its last day
        (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 4, 1), 12, dt.date(2027, 4, 1)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),  # backwards
        (dt.date(2026, 1, 15), -13, dt.date(2024, 12, 15)),  # across years backwards
        (dt.date(2025, 3, 31), 16, dt.date(2026, 7, 31)),  # ISMAP's 1 year 4 months
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day: dt.date, months: int, expected: dt.date) -> None:
    assert fiscal.add_months(day, months) == expected


def test_add_months_never_goes_backwards_as_the_day_advances() -> None:
    day = dt.date(2023, 1, 1)
    previous = fiscal.add_months(day, 1)
    while day < dt.date(2029, 1, 1):
        day += dt.timedelta(days=1)
        current = fiscal.add_months(day, 1)
        assert current >= previous
        previous = current
