"""``piaops remind`` on several nodes at once: the one holding the lock sends, the others send nothing."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command

from piaops.core.models import SentReminder
from tests.conftest import World
from tests.core.lockholder import held_elsewhere
from tests.selfcheck.test_reminders import Inbox, campaign_world, smtp  # noqa: F401 (fixtures)


def test_a_run_while_another_node_holds_the_lock_sends_nothing(
    campaign_world: World,  # noqa: F811
    smtp: Inbox,  # noqa: F811
    tmp_path: Path,
    settings: object,
) -> None:
    out = io.StringIO()
    with held_elsewhere("remind", tmp_path):
        call_command("remind", "--date", "2026-12-04", stdout=out)  # the other node's cron, at the same moment

    assert "ほかのノードがリマインダーを送信中です" in out.getvalue()
    assert smtp.messages == [] and not SentReminder.objects.exists()
    call_command("remind", "--date", "2026-12-04", stdout=io.StringIO())
    assert len(smtp.messages) == 1
