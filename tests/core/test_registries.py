"""The base's registries of dotted names are loaded through ``piaops.lib.registry``, held to their Protocol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

import pytest

from piaops.api.site import ROUTERS, ApiModule
from piaops.core.context_processors import NAV_RULES, NavRule
from piaops.core.demo import DEMO_STEPS, demo_steps
from piaops.core.reminders import REMINDER_SOURCES, Reminder, ReminderSource, SummarySource, sources
from piaops.lib.registry import RegistryError, load, load_all


def test_every_registered_name_keeps_its_protocol() -> None:
    assert [s.__name__ for s in sources()] == REMINDER_SOURCES
    assert [s.__name__ for s in demo_steps()] == DEMO_STEPS
    assert all(load(name, ApiModule).router is not None for _prefix, name in ROUTERS)
    assert all(callable(rule) for rule in load_all(NAV_RULES.values(), NavRule))


def test_only_training_sums_its_reminders_up_on_the_home_page() -> None:
    assert [s.__name__ for s in sources() if isinstance(s, SummarySource)] == ["piaops.training.reminders"]


def _collect(*, today: dt.date, municipality_id: int | None = None) -> Iterable[Reminder]:
    return []  # no ``unit_ids``, no ``deadlines``


def test_an_entry_that_breaks_its_protocol_is_refused_naming_it() -> None:
    with pytest.raises(RegistryError, match=r"tests\.core\.test_registries: ReminderSource の collect がありません"):
        load("tests.core.test_registries", ReminderSource)


def test_a_function_missing_a_declared_keyword_is_refused() -> None:
    class Narrow:
        collect = staticmethod(_collect)

        @staticmethod
        def deadlines(
            *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
        ) -> list[object]:
            return []

    import tests.core.test_registries as here

    here.NARROW = Narrow
    with pytest.raises(RegistryError, match="collect が ReminderSource の引数 unit_ids を受け取りません"):
        load("tests.core.test_registries.NARROW", ReminderSource)


def test_a_missing_module_is_an_error_not_a_skip() -> None:
    with pytest.raises(ImportError):
        load("piaops.nosuchapp.reminders", ReminderSource)
