"""``piaops ppc-deadlines``: the operator's answer to "by when?"."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from piaops.cli import _resolve

pytestmark = pytest.mark.engine_independent


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("ppc_deadlines", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_operator_name_maps_to_the_command() -> None:
    assert _resolve(["ppc-deadlines", "--known-on", "2026-06-01"]) == ["ppc_deadlines", "--known-on", "2026-06-01"]


@pytest.mark.parametrize(
    ("known_on", "flags", "final_days", "final_due"),
    [
        ("2026-06-01", [], 30, "2026-06-30"),
        ("令和8年6月1日", [], 30, "2026-06-30"),  # the one date reader: 和暦 too
        ("2026/6/1", ["--unlawful"], 60, "2026-07-30"),
        ("2026-11-30", [], 30, "2027-01-04"),  # day 30 = 12/29 → after 年末年始
    ],
)
def test_json_gives_the_prompt_target_and_due_and_the_final_due(
    known_on: str, flags: list[str], final_days: int, final_due: str
) -> None:
    out = json.loads(run("--known-on", known_on, *flags, "--json"))
    assert out["final_days"] == final_days and out["final_due"] == final_due
    assert out["unlawful_purpose"] is bool(flags)
    assert out["prompt_target"] <= out["prompt_due"] < out["final_due"]


def test_the_text_answer_names_the_dates_in_wareki() -> None:
    text = run("--known-on", "2026-06-01")
    assert "2026-06-30（令和8年6月30日）" in text and "確報（30日以内）" in text
    assert "2026-06-04（令和8年6月4日）" in text  # 速報 target: +3, a Thursday


def test_a_date_that_cannot_be_read_is_refused_in_japanese() -> None:
    with pytest.raises(CommandError, match="日付として読めません"):
        run("--known-on", "6/1")
