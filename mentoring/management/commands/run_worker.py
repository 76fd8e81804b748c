"""The background task worker that outlives a database outage.

django-tasks-db's ``db_worker`` lets a database error escape its loop: the worker stops (and
under ``--reload``, the default with DEBUG, only its thread dies while the process lives on,
so due e-mails wait forever). ``run_worker`` runs the same worker loop, never under the
autoreloader, and when the database goes away it drops its connections, backs off (1 s, 2 s,
4 s … at most ``--max-backoff``, with jitter) and carries on. ``make run``, ``run-workers.sh`` and
the systemd unit start this command.
"""

from __future__ import annotations

import logging
import random
import time

from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from mentoring.privacy.services import erasure

logger = logging.getLogger("django_tasks_db")


class ResilientWorker(Worker):
    def __init__(self, *, max_backoff: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_backoff = max_backoff

    def run(self) -> None:
        failures = 0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks finished
            except (DatabaseError, InterfaceError) as error:
                # A long healthy stretch before this failure: start the backoff afresh.
                if time.monotonic() - started > self.max_backoff:
                    failures = 0
                failures += 1
                delay = min(self.max_backoff, 2 ** (failures - 1)) * random.uniform(0.8, 1.2)  # noqa: S311
                logger.warning(
                    "Database unavailable (%s: %s); retrying in %.1f s",
                    error.__class__.__name__,
                    str(error).strip().splitlines()[0] if str(error).strip() else "",
                    delay,
                )
                drop_connections()
                time.sleep(delay)


def drop_connections() -> None:
    """Close every connection and the pool itself: the next attempt starts a fresh pool at
    once, instead of waiting out the old pool's own reconnection backoff (which grows to
    minutes during a long outage)."""
    for connection in connections.all(initialized_only=True):
        connection.close()
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()


class Command(DbWorkerCommand):
    help = "Run the background task worker; it survives database outages (never autoreloads)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--max-backoff",
            type=float,
            default=30.0,
            help="The longest wait, in seconds, between reconnection attempts (default: 30).",
        )

    def handle(self, *, verbosity: int, max_backoff: float, **options) -> None:
        self.configure_logging(verbosity)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            max_backoff=max_backoff,
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        # An erasure a killed worker left half-done is queued again (its steps can be rerun).
        resumed = erasure.resume_interrupted()
        if resumed:
            logger.info("Resuming erasure request(s) %s", ", ".join(map(str, resumed)))
        # An autoreloader would run the loop in a thread that can die alone; never use one.
        worker.configure_signals()
        worker.run()
