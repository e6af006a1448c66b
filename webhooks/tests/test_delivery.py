"""The delivery engine against a live local receiver: the new-lead URL fetched after commit,
each try logged (status, duration, first bytes), retries on network errors and 5xx with the
configured delays, failure after the last, order per lead and target, waking the worker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads.tests.factories import DEFAULT_PASSWORD, ApiUserFactory, SystemSettingsFactory
from webhooks import net
from webhooks.delivery import deliveries_send
from webhooks.models import Attempt, Delivery
from webhooks.outbox import new_lead_url_delivery, outbox_add
from webhooks.tasks import deliveries_send_task

from .receiver import Reply

pytestmark = pytest.mark.django_db
Status = Delivery.Status


def send_all() -> None:
    while deliveries_send():
        pass


def add_url_delivery(url: str, *, lead_id: int = 1) -> Delivery:
    delivery = new_lead_url_delivery(url, lead_id=lead_id, list_id=101, now=timezone.now())
    outbox_add([delivery])
    return Delivery.objects.get(event_id=delivery.event_id)  # the outbox sets no ids


def test_an_api_lead_fires_its_url_after_commit_and_every_try_is_logged(client, receiver):
    """D19 end to end: the API logs the URL, the worker GETs it and logs the answer."""
    ApiUserFactory(username="6666", profile__user_level=9)
    SystemSettingsFactory(new_lead_url=receiver.url("/new?ph=--A--phone_number--B--"))
    receiver.replies.append(Reply(200, b"thanks, got it"))
    login = {"user": "6666", "pass": DEFAULT_PASSWORD, "function": "add_lead", "source": "test"}
    client.get("/API/lmapi.php", {**login, "phone_number": "7275559999"})
    assert receiver.requests == []  # nothing is fetched inside the request

    send_all()

    (request,) = receiver.wait_for(1)
    assert (request.method, request.path) == ("GET", "/new?ph=7275559999")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.tries, delivery.last_status_code) == (
        Status.DELIVERED,
        1,
        200,
    )
    attempt = Attempt.objects.get()
    assert (attempt.status_code, attempt.answer, attempt.address) == (
        200,
        "thanks, got it",
        "127.0.0.1",
    )
    assert attempt.duration_ms >= 0


def test_5xx_answers_are_retried_until_one_succeeds(receiver):
    receiver.replies += [Reply(500, b"down"), Reply(503, b"busy"), Reply(200)]
    delivery = add_url_delivery(receiver.url("/hook"))
    send_all()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.tries == 3
    codes = list(delivery.attempts.values_list("status_code", "answer"))
    assert codes == [(500, "down"), (503, "busy"), (200, "ok")]


def test_after_the_last_retry_a_delivery_fails(receiver, settings):
    settings.WEBHOOK_RETRY_DELAYS = [0, 0]
    receiver.replies += [Reply(502)] * 5
    delivery = add_url_delivery(receiver.url("/hook"))
    send_all()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries) == (Status.FAILED, 3)
    assert len(receiver.requests) == 3


def test_a_4xx_answer_fails_at_once(receiver):
    receiver.replies.append(Reply(404, b"no such hook"))
    delivery = add_url_delivery(receiver.url("/hook"))
    send_all()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries, delivery.last_answer) == (
        Status.FAILED,
        1,
        "no such hook",
    )


def test_a_network_error_is_logged_and_retried_after_the_growing_delay(receiver, settings):
    settings.WEBHOOK_RETRY_DELAYS = [60, 600]
    closed = net.request("GET", "http://127.0.0.1:9/")  # the discard port: nothing listens
    assert closed.status_code is None and closed.error
    delivery = add_url_delivery("http://127.0.0.1:9/new")
    before = timezone.now()
    send_all()
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING and delivery.tries == 1
    assert delivery.next_try_at >= before + timedelta(seconds=60)
    assert "ConnectError" in delivery.attempts.get().error
    # Due again: the second try waits the second, longer delay.
    Delivery.objects.filter(pk=delivery.pk).update(next_try_at=timezone.now())
    send_all()
    delivery.refresh_from_db()
    assert delivery.tries == 2
    assert delivery.next_try_at >= timezone.now() + timedelta(seconds=590)


def test_only_the_first_bytes_of_an_answer_are_kept(receiver):
    receiver.replies.append(Reply(200, b"x" * 50_000))
    delivery = add_url_delivery(receiver.url("/hook"))
    send_all()
    assert len(delivery.attempts.get().answer) == net.ANSWER_BYTES


def test_a_later_delivery_of_the_same_lead_waits_for_the_earlier_one(receiver, settings):
    """Ordered per lead and target: a retrying delivery holds back the next of its key."""
    settings.WEBHOOK_RETRY_DELAYS = [3600]
    first = add_url_delivery("http://127.0.0.1:9/first", lead_id=7)  # nothing listens
    second = add_url_delivery(receiver.url("/second"), lead_id=7)
    add_url_delivery(receiver.url("/other-lead"), lead_id=8)
    send_all()
    assert [r.path for r in receiver.requests] == ["/other-lead"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.tries) == (Status.PENDING, 1)
    assert (second.status, second.tries) == (Status.PENDING, 0)
    # Once the first is delivered, the second goes.
    Delivery.objects.filter(pk=first.pk).update(
        next_try_at=timezone.now(), url=receiver.url("/first")
    )
    send_all()
    assert [r.path for r in receiver.requests] == ["/other-lead", "/first", "/second"]


def test_a_commit_queues_one_worker_run_however_many_deliveries(
    receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add_url_delivery(receiver.url("/a"))
    with django_capture_on_commit_callbacks(execute=True):
        add_url_delivery(receiver.url("/b"))
    runs = DBTaskResult.objects.filter(queue_name="webhooks")
    assert runs.count() == 1  # the second wake found a run waiting


def test_a_run_sends_what_is_due_and_queues_a_run_for_the_next_retry(receiver, settings):
    settings.WEBHOOK_RETRY_DELAYS = [120]
    receiver.replies.append(Reply(500))
    delivery = add_url_delivery(receiver.url("/hook"))
    started = timezone.now()
    assert deliveries_send_task.call() == 1
    delivery.refresh_from_db()
    # A run waits in the queue for a time after now and no later than the retry (the run
    # queued for the end of the lease, in case this worker had been killed, comes first).
    waiting = DBTaskResult.objects.filter(
        queue_name="webhooks", run_after__gt=started, run_after__lte=delivery.next_try_at
    )
    assert waiting.exists()
    # Nothing due: a run sends nothing, and leaves a run for the retry.
    DBTaskResult.objects.all().delete()
    assert deliveries_send_task.call() == 0
    (run,) = DBTaskResult.objects.filter(queue_name="webhooks")
    assert run.run_after == delivery.next_try_at


def test_a_receiver_slower_than_the_timeout_is_a_network_error_and_retried(receiver, settings):
    """D19: 10 s in production; 1 s here. The try is cut at the timeout and logged."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_RETRY_DELAYS = [60]
    receiver.replies.append(Reply(200, b"late", hold=True))
    delivery = add_url_delivery(receiver.url("/slow"))
    deliveries_send()
    receiver.release()
    delivery.refresh_from_db()
    attempt = delivery.attempts.get()
    assert (delivery.status, delivery.tries) == (Status.PENDING, 1)
    assert "Timeout" in attempt.error and attempt.status_code is None
    assert 900 <= attempt.duration_ms < 5000
