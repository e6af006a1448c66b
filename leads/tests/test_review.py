"""The duplicate review queue: discard, insert anyway, update the existing lead; in bulk;
resolving twice refused; nothing half-written."""

from unittest import mock

import pytest
from django.db import DatabaseError
from django.utils import timezone

from leads.models import DuplicateReview, Lead
from leads.outcomes import DuplicateCheck, Rejection
from leads.review import (
    DuplicateReviewRefused,
    duplicate_review_resolve,
    duplicate_review_resolve_bulk,
)
from leads.services import LeadActor, duplicate_review_add, lead_add
from leads.services.request import (
    AddOptions,
    DncMode,
    DuplicatePolicy,
    LeadFields,
    LeadRequest,
)
from leads.tests.factories import (
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PHONE = "7275550100"


@pytest.fixture
def supervisor():
    return UserFactory(username="sup1", is_staff=True)


@pytest.fixture
def existing(lead_list):
    """A lead of a list that keeps one custom field, ``colour`` (the incoming lead's)."""
    lead_list.keeps_custom_fields = True
    lead_list.save()
    CustomFieldDefinitionFactory(list=lead_list, field_label="colour")
    return LeadFactory(
        list=lead_list, phone_number=PHONE, first_name="Ann", last_name="Old", city="Tampa"
    )


def make_review(existing, *, source="upload", **incoming) -> DuplicateReview:
    values = {
        "phone_number": PHONE,
        "phone_code": "1",
        "first_name": "Anne",
        "last_name": "New",
        "city": "Clearwater",
        "vendor_lead_code": "VEND-9",
        "options": {"dnc": "number"},
        "custom": {"colour": "blue"},
    }
    values.update(incoming)
    return duplicate_review_add(
        source=source,
        list_id=existing.list_id,
        incoming=values,
        existing_lead_id=existing.lead_id,
        duplicate_check=DuplicateCheck.LIST,
        row_number=7,
    )


def test_discard_changes_only_the_review(existing, supervisor):
    review = make_review(existing)

    resolved = duplicate_review_resolve(review=review, action="discard", user=supervisor)

    assert resolved.status == DuplicateReview.Status.DISCARDED
    assert resolved.resolved_by == supervisor
    assert resolved.resolved_at is not None
    assert resolved.resolved_lead is None
    assert Lead.objects.count() == 1
    existing.refresh_from_db()
    assert existing.first_name == "Ann"


@pytest.mark.parametrize(("source", "door"), [("upload", Lead.Door.UPLOAD), ("api", Lead.Door.API)])
def test_insert_adds_the_incoming_lead_without_duplicate_checks(existing, supervisor, source, door):
    """Insert anyway runs the lead pipeline with the incoming lead's options, its duplicate
    checks left out: the lead is stored with its custom values, by the reviewer."""
    review = make_review(existing, source=source)

    resolved = duplicate_review_resolve(review=review, action="insert", user=supervisor)

    assert resolved.status == DuplicateReview.Status.INSERTED
    new = Lead.objects.get(lead_id=resolved.resolved_lead_id)
    assert new.lead_id != existing.lead_id
    assert (new.phone_number, new.list_id) == (PHONE, existing.list_id)
    assert (new.first_name, new.last_name, new.city) == ("Anne", "New", "Clearwater")
    assert new.door == door
    assert new.user == "sup1"
    assert new.status == "NEW"
    assert new.custom_values == {"colour": "blue"}
    assert new.entry_list_id == existing.list_id


def test_insert_applies_column_widths_and_defaults(existing, supervisor):
    review = make_review(existing, first_name="X" * 40, phone_code="", gender="Q", custom=None)

    resolved = duplicate_review_resolve(review=review, action="insert", user=supervisor)

    new = resolved.resolved_lead
    assert new.first_name == "X" * 30
    assert new.phone_code == "1"
    assert new.gender == ""
    assert new.custom_values is None


def test_insert_is_refused_when_the_number_is_now_on_the_dnc_list(existing, supervisor):
    review = make_review(existing)
    DncNumberFactory(phone_number=PHONE)

    with pytest.raises(DuplicateReviewRefused, match="Number is on the DNC list"):
        duplicate_review_resolve(review=review, action="insert", user=supervisor)

    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.PENDING
    assert Lead.objects.count() == 1


def test_update_copies_the_chosen_fields_only(existing, supervisor):
    review = make_review(existing)

    resolved = duplicate_review_resolve(
        review=review,
        action="update",
        fields=["first_name", "custom:colour"],
        user=supervisor,
    )

    assert resolved.status == DuplicateReview.Status.UPDATED
    assert resolved.resolved_lead_id == existing.lead_id
    existing.refresh_from_db()
    assert existing.first_name == "Anne"
    assert existing.last_name == "Old"
    assert existing.city == "Tampa"
    assert existing.custom_values == {"colour": "blue"}
    assert Lead.objects.count() == 1


def test_update_without_fields_is_refused(existing, supervisor):
    review = make_review(existing)
    with pytest.raises(DuplicateReviewRefused, match="at least one field"):
        duplicate_review_resolve(review=review, action="update", user=supervisor)


def test_update_of_an_unknown_field_is_refused(existing, supervisor):
    review = make_review(existing)
    with pytest.raises(DuplicateReviewRefused, match="entry_date cannot be copied"):
        duplicate_review_resolve(
            review=review, action="update", fields=["entry_date"], user=supervisor
        )


def test_update_of_a_deleted_lead_is_refused(existing, supervisor):
    review = make_review(existing)
    existing.delete()
    review.refresh_from_db()

    with pytest.raises(DuplicateReviewRefused, match="does not exist any more"):
        duplicate_review_resolve(
            review=review, action="update", fields=["first_name"], user=supervisor
        )


def test_update_that_would_duplicate_another_lead_writes_nothing(existing, supervisor):
    LeadFactory(list=existing.list, phone_number="7275550199")
    review = make_review(existing, phone_number="7275550199", first_name="Changed")

    with pytest.raises(DuplicateReviewRefused, match="Duplicate of lead"):
        duplicate_review_resolve(
            review=review,
            action="update",
            fields=["first_name", "phone_number"],
            user=supervisor,
        )

    existing.refresh_from_db()
    assert (existing.first_name, existing.phone_number) == ("Ann", PHONE)
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.PENDING


def test_resolving_twice_is_refused(existing, supervisor):
    review = make_review(existing)
    duplicate_review_resolve(review=review, action="discard", user=supervisor)

    with pytest.raises(DuplicateReviewRefused, match="already resolved"):
        duplicate_review_resolve(review=review, action="insert", user=supervisor)

    assert Lead.objects.count() == 1
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.DISCARDED


def test_unknown_action_is_refused(existing, supervisor):
    review = make_review(existing)
    with pytest.raises(DuplicateReviewRefused, match="Unknown action"):
        duplicate_review_resolve(review=review, action="merge", user=supervisor)


def test_insert_is_atomic(existing, supervisor):
    """A failure after the lead is written leaves neither the lead nor a resolved review."""
    review = make_review(existing)

    with (
        mock.patch.object(DuplicateReview, "save", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        duplicate_review_resolve(review=review, action="insert", user=supervisor)

    assert Lead.objects.count() == 1
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.PENDING


def test_bulk_resolves_each_and_reports_refusals(existing, supervisor):
    reviews = [make_review(existing, first_name=f"N{n}") for n in range(3)]
    duplicate_review_resolve(review=reviews[1], action="discard", user=supervisor)

    result = duplicate_review_resolve_bulk(reviews=reviews, action="insert", user=supervisor)

    assert [review.pk for review in result.resolved] == [reviews[0].pk, reviews[2].pk]
    assert list(result.refused) == [reviews[1].pk]
    assert "already resolved" in result.refused[reviews[1].pk]
    assert set(Lead.objects.values_list("first_name", flat=True)) == {"Ann", "N0", "N2"}


def test_bulk_discard_of_an_api_review(supervisor):
    lead_list = LeadListFactory(review_api_duplicates=True)
    existing = LeadFactory(list=lead_list, phone_number=PHONE)
    review = make_review(existing, source="api")

    result = duplicate_review_resolve_bulk(
        reviews=DuplicateReview.objects.all(), action="discard", user=supervisor
    )

    assert [r.pk for r in result.resolved] == [review.pk]
    assert result.refused == {}


def test_an_api_duplicate_keeps_its_typed_options_and_insert_anyway_applies_them(supervisor):
    """The review of an API duplicate keeps the request's options in neutral form; inserting
    it anyway checks the DNC list as the request asked (AREACODE wildcards)."""
    lead_list = LeadListFactory(review_api_duplicates=True)
    LeadFactory(list=lead_list, phone_number=PHONE)
    request = LeadRequest(
        fields=LeadFields(phone_number=PHONE, first_name="Anne"),
        list_id=str(lead_list.list_id),
        options=AddOptions(
            dnc=DncMode.AREACODE,
            duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,)),
        ),
        rank=3,
    )

    outcome = lead_add(request=request, actor=LeadActor(user="api"), now=timezone.now())

    assert outcome.rejected.reason is Rejection.DUPLICATE
    review = DuplicateReview.objects.get()
    assert review.duplicate_check == "phone:list"
    assert review.incoming["options"]["dnc"] == "areacode"
    assert (review.incoming["first_name"], review.incoming["rank"]) == ("Anne", "3")
    DncNumberFactory(phone_number=PHONE[:3] + "XXXXXXX")
    with pytest.raises(DuplicateReviewRefused, match="DNC"):
        duplicate_review_resolve(review=review, action="insert", user=supervisor)


def test_insert_anyway_gets_every_rule_of_a_new_lead_but_the_duplicate_check(existing, supervisor):
    """The review queue calls the lead pipeline: the incoming lead's options apply as to any
    new lead (here its hopper row), and its DUPLIST check, which queued it, does not."""
    from campaigns.models import HopperEntry

    review = make_review(
        existing,
        options={"duplicate_checks": ["phone:list"], "add_to_hopper": True, "hopper_priority": 5},
    )

    resolved = duplicate_review_resolve(review=review, action="insert", user=supervisor)

    entry = HopperEntry.objects.get(lead_id=resolved.resolved_lead_id)
    assert (entry.priority, entry.list_id) == (5, existing.list_id)
    assert Lead.objects.filter(phone_number=PHONE, list_id=existing.list_id).count() == 2
