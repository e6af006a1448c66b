"""No dead end at a manual duplicate: the error links to the existing lead, and a user with
the review queue's permissions may insert the lead anyway (through the pipeline) or send it
to the review queue."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leads.models import DncNumber, DuplicateReview, Lead
from leads.tests.factories import LeadFactory, LeadListFactory
from leads.tests.test_admin_screens import ADD_URL, form_errors, manual_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(db):
    target = LeadListFactory()
    return target, LeadFactory(list=target, phone_number="7275550142")


def test_the_duplicate_error_links_to_the_existing_lead_and_names_the_choices(
    admin_client, duplicate
):
    target, existing = duplicate
    response = admin_client.post(ADD_URL, manual_entry(target))
    [error] = form_errors(response)["phone_number"]
    url = reverse("admin:leads_lead_change", args=[existing.lead_id])
    assert f'<a href="{url}" id="duplicate-lead-link">lead {existing.lead_id}</a>' in error
    assert "Insert it anyway" in error and "review queue" in error
    assert Lead.objects.count() == 1


def test_insert_anyway_runs_the_pipeline_without_the_duplicate_check(admin_client, duplicate):
    target, existing = duplicate
    response = admin_client.post(ADD_URL, manual_entry(target, on_duplicate="insert"))
    assert response.status_code == 302
    added = Lead.objects.exclude(pk=existing.pk).get()
    assert (added.phone_number, added.door, added.list_id) == ("7275550142", "manual", target.pk)


def test_insert_anyway_still_applies_the_other_rules(admin_client, duplicate):
    target, _ = duplicate
    DncNumber.objects.create(phone_number="7275550142")
    response = admin_client.post(ADD_URL, manual_entry(target, on_duplicate="insert"))
    assert response.status_code == 200
    assert form_errors(response)["phone_number"] == ["Number is on the DNC list"]
    assert Lead.objects.count() == 1


def test_send_to_review_keeps_the_lead_for_the_queue_and_shows_the_review(admin_client, duplicate):
    target, existing = duplicate
    response = admin_client.post(
        ADD_URL, manual_entry(target, on_duplicate="review", first_name="Maria")
    )
    review = DuplicateReview.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:leads_duplicatereview_change", args=[review.pk])
    assert (review.source, review.existing_lead_id) == ("manual", existing.lead_id)
    assert review.incoming["first_name"] == "Maria"
    assert Lead.objects.count() == 1
    # Inserted from the queue, the lead keeps the door it came through.
    page = admin_client.post(
        reverse("admin:leads_duplicatereview_change", args=[review.pk]), {"action": "insert"}
    )
    assert page.status_code == 302
    assert Lead.objects.exclude(pk=existing.pk).get().door == Lead.Door.MANUAL


def test_without_the_review_permissions_only_refusing_is_offered(
    client, django_user_model, duplicate
):
    target, _ = duplicate
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_lead", "view_lead"]))
    client.force_login(user)
    page = client.get(ADD_URL)
    assert "on_duplicate" not in page.content.decode()
    response = client.post(ADD_URL, manual_entry(target, on_duplicate="insert"))
    assert response.status_code == 200
    assert Lead.objects.count() == 1
