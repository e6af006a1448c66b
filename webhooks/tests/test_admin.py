"""The admin of webhooks: subscriptions (form, "send a test event"), the delivery log per
lead and per subscription ("send again"), and the dashboard's counts."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from leads.tests.factories import LeadFactory
from webhooks.delivery import deliveries_send
from webhooks.models import Attempt, Delivery, Subscription, new_secret
from webhooks.outbox import new_lead_url_delivery, outbox_add

pytestmark = pytest.mark.django_db
Status = Delivery.Status


def send_all() -> None:
    while deliveries_send():
        pass


def test_a_subscription_is_added_with_ticked_events_and_doors(admin_client):
    secret = new_secret()
    response = admin_client.post(
        reverse("admin:webhooks_subscription_add"),
        {
            "name": "CRM",
            "url": "https://crm.example.com/hooks",
            "secret": secret,
            "events": ["lead.created"],
            "list_ids": "101, 102",
            "doors": ["api", "upload"],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    subscription = Subscription.objects.get()
    assert (subscription.events, subscription.list_ids, subscription.doors) == (
        "lead.created",
        "101 102",
        "api upload",
    )
    assert subscription.secret == secret


def test_a_malformed_secret_or_list_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:webhooks_subscription_add"),
        {"name": "CRM", "url": "https://crm.example.com/", "secret": "hunter2", "list_ids": "x"},
    )
    errors = response.context["adminform"].form.errors
    assert "secret" in errors and "list_ids" in errors
    assert not Subscription.objects.exists()


def test_send_a_test_event_delivers_a_signed_webhook_test(admin_client, receiver):
    subscription = Subscription.objects.create(name="crm", url=receiver.url("/hook"))
    response = admin_client.post(
        reverse("admin:webhooks_subscription_changelist"),
        {"action": "send_test_event", "_selected_action": [subscription.pk]},
    )
    assert response.status_code == 302
    send_all()
    (request,) = receiver.wait_for(1)
    payload = Webhook(subscription.secret).verify(request.body, request.headers)
    assert payload["type"] == "webhook.test"
    assert Delivery.objects.get().status == Status.DELIVERED


def test_the_delivery_log_per_lead_and_send_again(admin_client, receiver):
    lead = LeadFactory()
    outbox_add(
        [new_lead_url_delivery(receiver.url("/a"), lead_id=lead.pk, list_id=1, now=timezone.now())]
    )
    outbox_add(
        [
            new_lead_url_delivery(
                receiver.url("/b"), lead_id=lead.pk + 1, list_id=1, now=timezone.now()
            )
        ]
    )
    send_all()
    delivery = Delivery.objects.get(lead_id=lead.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED)

    lead_page = admin_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content
    log_url = reverse("admin:webhooks_delivery_changelist") + f"?lead_id={lead.pk}"
    assert log_url.encode() in lead_page.replace(b"&amp;", b"&")
    log = admin_client.get(log_url)
    assert list(log.context["cl"].result_list) == [delivery]
    detail = admin_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))
    assert b"/a" in detail.content and detail.context["inline_admin_formsets"]

    admin_client.post(
        reverse("admin:webhooks_delivery_changelist"),
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries) == (Status.PENDING, 0)
    send_all()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts.count() == 2  # the log keeps the first try
    assert [r.path for r in receiver.requests].count("/a") == 2


def test_the_dashboard_counts_deliveries(admin_client):
    now = timezone.now()
    for status, age in [
        (Status.PENDING, 0),
        (Status.PENDING, 48),
        (Status.DELIVERED, 1),
        (Status.DELIVERED, 30),  # older than a day: not counted
        (Status.FAILED, 2),
    ]:
        delivery = new_lead_url_delivery("http://x.example/", lead_id=1, list_id=1, now=now)
        delivery.status = status
        delivery.created_at = now - timedelta(hours=age)
        delivery.save()
    response = admin_client.get(reverse("admin:leads_dashboard"))
    counts = response.context["webhooks"]
    assert (counts["pending"], counts["delivered"], counts["failed"]) == (2, 1, 1)
    assert b"webhooks/delivery/?status__exact=pending" in response.content


def test_prune_deletes_old_finished_deliveries_and_keeps_pending_ones():
    from django.core.management import call_command

    now = timezone.now()
    for status, finished_days_ago in [
        (Status.DELIVERED, 40),
        (Status.FAILED, 40),
        (Status.DELIVERED, 5),
        (Status.PENDING, None),
    ]:
        delivery = new_lead_url_delivery("http://x.example/", lead_id=1, list_id=1, now=now)
        delivery.status = status
        if finished_days_ago is not None:
            delivery.finished_at = now - timedelta(days=finished_days_ago)
        delivery.save()
        delivery.attempts.create(started_at=now, status_code=200)
    call_command("prune_webhook_deliveries", "--days", "30", stdout=io.StringIO())
    left = sorted(Delivery.objects.values_list("status", flat=True))
    assert left == [Status.DELIVERED, Status.PENDING]
    assert Attempt.objects.count() == 2
