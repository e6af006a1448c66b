"""Checking a requested callback (``callbacks.services.callback_request_check``): typed in,
typed refusals out, in the original's order (campaign, user, time; D12)."""

from datetime import UTC, datetime

import pytest

from callbacks.services import (
    CallbackRefusal,
    CallbackRefused,
    CallbackRequest,
    callback_request_check,
)
from leads.tests.factories import ApiUserFactory

NOW = datetime(2026, 1, 14, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_an_anyone_callback_keeps_no_user_and_takes_the_default_status(campaign):
    request = CallbackRequest(
        campaign_id=campaign.campaign_id.lower(), when="2DAYS", user="someone"
    )

    plan = callback_request_check(request, now=NOW)

    assert plan.campaign_id == campaign.campaign_id  # as the campaign spells it
    assert (plan.recipient, plan.callback_user, plan.status) == ("ANYONE", "", "CALLBK")
    assert (plan.callback_time - NOW).days == 2


def test_a_user_only_callback_goes_to_the_user_with_the_users_group(campaign):
    user = ApiUserFactory(username="agent7")
    request = CallbackRequest(
        campaign_id=campaign.campaign_id,
        when="2026-02-01 09:30:00",
        user_only=True,
        user="AGENT7",
        status="CBX",
        comments="x" * 300,
    )

    plan = callback_request_check(request, now=NOW)

    assert (plan.recipient, plan.callback_user, plan.status) == ("USERONLY", "AGENT7", "CBX")
    assert plan.user_group == user.api_profile.user_group_id
    assert plan.time_text == "2026-02-01 09:30:00" and len(plan.comments) == 255


@pytest.mark.parametrize(
    ("campaign_known", "user_only", "when", "refusal"),
    [
        (False, True, "NOPE", CallbackRefusal.CAMPAIGN_NOT_VALID),
        (True, True, "NOPE", CallbackRefusal.USER_NOT_VALID),
        (True, False, "2026-02-30", CallbackRefusal.INVALID_DATETIME),
        (True, False, "tomorrow", CallbackRefusal.INVALID_DATETIME),
    ],
)
def test_the_first_failing_check_is_the_typed_refusal(
    campaign, campaign_known, user_only, when, refusal
):
    request = CallbackRequest(
        campaign_id=campaign.campaign_id if campaign_known else "NOCAMP",
        when=when,
        user_only=user_only,
        user="nobody",
    )

    with pytest.raises(CallbackRefused) as refused:
        callback_request_check(request, now=NOW)

    assert refused.value.refusal is refusal
