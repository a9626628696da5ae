"""`linli worker`: one loop that runs the registered sweeps and the queued tasks.

A sweep is a function ``sweep(now) -> int`` that claims due work with a conditional UPDATE
(so any number of workers may run it at once) and returns how many items it handled. Apps
register theirs in ``AppConfig.ready()``. Queued tasks (django.tasks, database backend) are
drained between sweeps by django-tasks-db's own worker in batch mode.
"""

from __future__ import annotations

import logging
import signal
import socket
import time
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger("linli.worker")

Sweep = Callable[[datetime], int]
_SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str, sweep: Sweep) -> None:
    _SWEEPS[name] = sweep


def sweeps() -> dict[str, Sweep]:
    return dict(_SWEEPS)


def run_sweeps(now: datetime) -> dict[str, int]:
    handled: dict[str, int] = {}
    for name, sweep in _SWEEPS.items():
        handled[name] = sweep(now)
        if handled[name]:
            logger.info("sweep %s handled %d", name, handled[name])
    return handled


def drain_tasks(worker_id: str) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


class _Stop:
    requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        logger.info("worker stopping after the current step (%s)", signal.strsignal(signum))
        self.requested = True


def run(*, once: bool = False, now: datetime | None = None, interval: float = 5.0) -> None:
    worker_id = f"{socket.gethostname()}-{id(object()):x}"[:64]
    stop = _Stop()
    if not once:
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    logger.info("worker %s started with sweeps: %s", worker_id, ", ".join(_SWEEPS) or "none")
    while True:
        close_old_connections()
        run_sweeps(now or timezone.now())
        drain_tasks(worker_id)
        if once or stop.requested:
            return
        slept = 0.0
        while slept < interval and not stop.requested:
            time.sleep(0.2)
            slept += 0.2
        if stop.requested:
            return
