"""``piaops worker``: run background jobs (README "複数ノード"); one or more per node, under systemd."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from piaops.jobs.worker import BeatingWorker


class Command(DatabaseWorkerCommand):
    help = "バックグラウンド処理（取込・帳票作成など）を実行します。各ノードで1つ以上を常駐させます。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = BeatingWorker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if not options["batch"]:
            worker.configure_signals()
        worker.run()
