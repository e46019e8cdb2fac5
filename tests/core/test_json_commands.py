"""Issue 18 §5: ``--json`` errors are JSON too (``{"error": ..., "problems": [...]}``) with the same exit codes —
for every piaops command that has a ``--json`` option, including commands added later."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from piaops.core.commands import JsonCommand
from tests.conftest import World


def _json_commands() -> list[str]:
    found = []
    for name, app in sorted(get_commands().items()):
        if not app.startswith("piaops"):
            continue
        parser = load_command_class(app, name).create_parser("piaops", name)
        if any("--json" in action.option_strings for action in parser._actions):
            found.append(name)
    return found


def test_every_command_with_a_json_option_answers_its_errors_in_json() -> None:
    names = _json_commands()
    assert {"assessment_import", "assessment_import_dir", "training_status", "ppc_deadlines"} <= set(names)
    plain = [n for n in names if not isinstance(load_command_class(get_commands()[n], n), JsonCommand)]
    assert plain == [], f"--json のあるコマンドは JsonCommand に: {plain}"


# A failing call of each: (command, arguments), the error it gives.
FAILING = [
    ("assessment_import", ["x.md", "--municipality", "999999", "--work", "w"], "999999"),
    ("assessment_import_dir", [".", "--municipality", "999999"], "999999"),
    ("assessment_list", ["--municipality", "999999"], "999999"),
    ("audit_programme_check", ["2026", "--municipality", "999999"], "999999"),
    ("ppc_deadlines", ["--known-on", "2026-02-30"], "--known-on"),
    ("selfcheck_status", ["999999"], "999999"),
    ("training_status", ["--municipality", "999999"], "999999"),
]


def test_the_vectors_cover_every_json_command() -> None:
    assert sorted(name for name, _, _ in FAILING) == _json_commands()


@pytest.mark.parametrize(("name", "args", "says"), FAILING, ids=[v[0] for v in FAILING])
def test_an_error_is_json_with_the_exit_code_of_the_plain_error(
    world: World, name: str, args: list[str], says: str
) -> None:
    with pytest.raises(CommandError) as plain:
        call_command(name, *args, stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(name, *args, "--json", stdout=out, stderr=io.StringIO())
    body = json.loads(out.getvalue())
    assert exited.value.code == plain.value.returncode == 1
    assert body == {"error": str(plain.value), "problems": []} and says in body["error"]
