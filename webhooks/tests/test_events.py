"""Signed JSON events (Standard Webhooks 1.0): lead.created from every door and
import.finished, to the subscriptions that cover the event, list and door; signatures checked
with the ``standardwebhooks`` package; a stable event id across retries; 410 switches the
subscription off."""

import json

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from leads.importing import engine, jobs
from leads.models import Lead
from leads.services import LeadActor, LeadRequest, lead_add
from leads.services.request import LeadFields
from leads.tests.factories import DEFAULT_PASSWORD, ApiUserFactory, LeadListFactory
from leads.tests.test_importing_engine import make_job, row
from webhooks.delivery import deliveries_send
from webhooks.models import Delivery, Subscription

from .receiver import Reply

pytestmark = pytest.mark.django_db


def send_all() -> None:
    while deliveries_send():
        pass


def subscribe(receiver, **fields) -> Subscription:
    return Subscription.objects.create(name="crm", url=receiver.url("/events"), **fields)


def api_add(client, phone: str, list_id: str = "101") -> None:
    login = {"user": "6666", "pass": DEFAULT_PASSWORD, "function": "add_lead", "source": "test"}
    answer = client.get("/API/lmapi.php", {**login, "phone_number": phone, "list_id": list_id})
    assert answer.content.startswith(b"SUCCESS:"), answer.content


@pytest.fixture
def caller(db):
    LeadListFactory(list_id=101)
    LeadListFactory(list_id=102)
    return ApiUserFactory(username="6666", profile__user_level=9)


def test_lead_created_is_posted_signed_and_verifies_with_standardwebhooks(client, caller, receiver):
    subscription = subscribe(receiver)
    api_add(client, "7275559999")
    send_all()

    (request,) = receiver.wait_for(1)
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    payload = Webhook(subscription.secret).verify(request.body, request.headers)
    lead = Lead.objects.get()
    assert payload["type"] == "lead.created"
    assert payload["data"]["lead_id"] == lead.pk
    assert payload["data"]["phone_number"] == "7275559999"
    assert (payload["data"]["list_id"], payload["data"]["door"]) == (101, "api")
    assert request.headers["webhook-id"] == Delivery.objects.get().event_id
    # A changed body, or another secret, does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(request.body + b" ", request.headers)
    with pytest.raises(WebhookVerificationError):
        other = Subscription(name="x", url="http://x.example/")
        Webhook(other.secret).verify(request.body, request.headers)


def test_every_door_raises_lead_created(caller, receiver):
    """The pipeline raises the event, so the admin's door (manual) sends it like the API."""
    subscribe(receiver)
    request = LeadRequest(fields=LeadFields(phone_number="7275551234"), list_id="101")
    lead_add(request=request, actor=LeadActor(user="admin", door="manual"), now=timezone.now())
    send_all()
    (received,) = receiver.wait_for(1)
    assert json.loads(received.body)["data"]["door"] == "manual"


def test_a_subscription_gets_only_its_events_lists_and_doors(client, caller, receiver):
    subscribe(receiver, list_ids="102")
    subscribe(receiver, doors="upload manual")
    subscribe(receiver, events="import.finished")
    wanted = subscribe(receiver, list_ids="101 103", doors="api", events="lead.created")
    api_add(client, "7275559999", list_id="101")
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [wanted.pk]


def test_an_inactive_subscription_gets_nothing(client, caller, receiver):
    subscribe(receiver, active=False)
    api_add(client, "7275559999")
    assert not Delivery.objects.exists()


def test_retries_keep_the_event_id_and_sign_each_try_afresh(client, caller, receiver):
    subscription = subscribe(receiver)
    receiver.replies += [Reply(500), Reply(204, b"")]
    api_add(client, "7275559999")
    send_all()
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    for request in (first, second):
        Webhook(subscription.secret).verify(request.body, request.headers)
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_a_410_answer_switches_the_subscription_off_and_cancels_its_deliveries(
    client, caller, receiver
):
    subscription = subscribe(receiver)
    receiver.replies.append(Reply(410, b"gone"))
    api_add(client, "7275559991")
    send_all()
    api_add(client, "7275559992")  # no longer covered
    subscription.refresh_from_db()
    assert not subscription.active
    assert "410" in subscription.disabled_reason
    assert list(Delivery.objects.values_list("status", flat=True)) == [Delivery.Status.FAILED]


def test_an_import_sends_lead_created_per_lead_and_import_finished(
    tmp_path, settings, caller, receiver
):
    settings.MEDIA_ROOT = tmp_path / "media"
    subscription = subscribe(receiver)
    job = make_job(tmp_path, [row("7275550001"), row("7275550002")], list_id=101)
    job = jobs.import_job_start_import(job=job, background=False)
    engine.import_run(job)

    # The import wrote one outbox row per batch; the worker expands it, one per lead.
    outbox = list(Delivery.objects.order_by("id").values_list("kind", "event_type"))
    assert outbox == [("batch", "leads.created.batch"), ("event", "import.finished")]
    send_all()
    bodies = [Webhook(subscription.secret).verify(r.body, r.headers) for r in receiver.wait_for(3)]
    finished = next(b for b in bodies if b["type"] == "import.finished")
    assert finished["data"]["counts"]["added"] == 2
    assert finished["data"]["import_id"] == job.pk
    phones = sorted(b["data"]["phone_number"] for b in bodies if b["type"] == "lead.created")
    assert phones == ["7275550001", "7275550002"]
    assert {b["data"]["door"] for b in bodies if b["type"] == "lead.created"} == {"upload"}
    leads = list(Lead.objects.order_by("lead_id").values_list("lead_id", flat=True))
    created = Delivery.objects.filter(event_type="lead.created").order_by("id")
    assert list(created.values_list("lead_id", "status")) == [
        (lead_id, Delivery.Status.DELIVERED) for lead_id in leads
    ]


def test_an_import_fires_the_new_lead_url_when_the_setting_names_uploads(
    tmp_path, settings, caller, receiver
):
    """NEW_LEAD_URL_DOORS=api,upload: each imported lead GETs the URL, tokens filled."""
    from leads.tests.factories import SystemSettingsFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEW_LEAD_URL_DOORS = ["api", "upload"]
    SystemSettingsFactory(new_lead_url=receiver.url("/new?ph=--A--phone_number--B--"))
    job = make_job(tmp_path, [row("7275550001"), row("7275550002")], list_id=101)
    engine.import_run(jobs.import_job_start_import(job=job, background=False))
    send_all()
    paths = sorted(r.path for r in receiver.wait_for(2))
    assert paths == ["/new?ph=7275550001", "/new?ph=7275550002"]


@pytest.mark.django_db(transaction=True)
def test_an_import_outside_a_transaction_wakes_the_worker_and_delivers(
    tmp_path, settings, caller, receiver
):
    """The import as the worker runs it (PostgreSQL: batches stored by the COPY thread on its
    own connection): the batches' rows wake the worker, and all are delivered."""
    from django_tasks_db.models import DBTaskResult

    settings.MEDIA_ROOT = tmp_path / "media"
    subscribe(receiver, events="lead.created")
    job = make_job(tmp_path, [row(f"727555{n:04d}") for n in range(12)], list_id=101)
    engine.import_run(jobs.import_job_start_import(job=job, background=False), batch_rows=5)
    assert Delivery.objects.filter(kind="batch").count() == 3
    assert DBTaskResult.objects.filter(queue_name="webhooks").exists()
    send_all()
    assert len(receiver.wait_for(12)) == 12
