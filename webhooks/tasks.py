"""The delivery worker: tasks on the ``webhooks`` queue (``manage.py db_worker --queue-name
webhooks``), kept apart from imports so a long import never holds deliveries back.

The outbox is the truth; tasks only wake the worker. ``worker_wake`` (after a commit that
wrote deliveries) queues a run unless one is already waiting. A run sends until nothing is
due; before its first try it queues a run for when its lease ends, so a worker killed mid-try
is followed by one that takes the deliveries over; at its end it queues a run for the next
retry. A lost or doubled task therefore delays nothing beyond a lease, and sends nothing
twice except a try cut short by a kill.
"""

import sys
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from .delivery import deliveries_send, next_due_at

QUEUE = "webhooks"


@task(queue_name=QUEUE)
def deliveries_send_task() -> int:
    """Send every due delivery; returns how many were tried."""
    watched = False

    def watch(lease_end: datetime) -> None:
        nonlocal watched
        if not watched:
            watched = True
            _queue(at=lease_end + timedelta(seconds=1))

    total = 0
    while sent := deliveries_send(on_claim=watch):
        total += sent
    if (due := next_due_at()) is not None:
        _queue(at=due)
    return total


def worker_wake(delay_seconds: float = 0) -> None:
    """Have the worker look at the outbox now (after a commit that wrote to it), or in
    ``delay_seconds``."""
    _queue(at=timezone.now() + timedelta(seconds=delay_seconds) if delay_seconds else None)


def _queue(*, at: datetime | None) -> None:
    """Queue a run for ``at`` (None: now) unless a run due by then is already waiting."""
    task = deliveries_send_task
    if _waiting_run(task, at):
        return
    if at is not None and at > timezone.now():
        task = task.using(run_after=at)
    task.enqueue()


def _waiting_run(task, at: datetime | None) -> bool:
    """Whether a run due by ``at`` waits in the queue already. The database backend: a READY
    run due by then. RQ (django-tasks-rq): for a run now, any job waiting on the webhooks
    queue (its only task is this one), which no worker has taken yet, so it starts after the
    caller's commit; deferred runs are always queued. Other backends: never known."""
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return at is None and _rq_jobs_waiting(backend)
    due = Q(run_after=get_date_max()) | Q(run_after__lte=at or timezone.now())
    waiting = DBTaskResult.objects.filter(
        due, status=TaskResultStatus.READY, task_path=task.module_path, queue_name=QUEUE
    )
    return waiting.exists()


def _rq_jobs_waiting(backend) -> bool:
    """Whether jobs wait on RQ's webhooks queue; False unless ``backend`` is RQ's (loaded
    by then: the backend was made from its module; never imported here otherwise, as
    django-rq needs RQ_QUEUES)."""
    if "django_tasks_rq" not in sys.modules:
        return False
    import django_rq
    from django_tasks_rq import RQBackend

    return isinstance(backend, RQBackend) and django_rq.get_queue(QUEUE).count > 0
