"""Scheduling callbacks for new leads."""

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from campaigns.selectors import campaign_get

from .models import Callback

_DAYS = re.compile(r"^(\d{1,4})DAYS$", re.IGNORECASE)
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ +](\d{2}):(\d{2}):(\d{2}))?$")
STATUS_WIDTH = Callback._meta.get_field("lead_status").max_length
_RECIPIENT = {True: Callback.Recipient.USERONLY.value, False: Callback.Recipient.ANYONE.value}


@dataclass(frozen=True)
class CallbackRequest:
    """A callback to schedule for a new lead (the lead is added even when it is refused, D12).

    ``when`` is the time as the caller wrote it (YYYY-MM-DD[ HH:MM:SS], NOW or <N>DAYS), read
    by ``callback_time_parse``; ``user_only`` gives it to ``user`` alone. The lead pipeline's
    request carries one (``leads.services.request.LeadRequest.callback``).
    """

    campaign_id: str
    when: str
    user_only: bool = False
    user: str = ""
    status: str = ""
    comments: str = ""


class CallbackRefusal(enum.Enum):
    """Why a requested callback is not stored, in the order they are checked."""

    CAMPAIGN_NOT_VALID = "campaign_not_valid"
    USER_NOT_VALID = "user_not_valid"
    INVALID_DATETIME = "invalid_datetime"


class CallbackRefused(Exception):
    """A requested callback that cannot be created (the lead is still added, D12)."""

    def __init__(self, refusal: CallbackRefusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class CallbackPlan:
    """A callback that has been checked and can be stored once the lead exists."""

    campaign_id: str
    callback_time: datetime
    time_text: str
    recipient: str
    callback_user: str
    user_group: str
    status: str
    comments: str


def callback_time_parse(text: str, *, now: datetime) -> tuple[datetime, str] | None:
    """(aware time, text to echo) for NOW, <N>DAYS (any case) and YYYY-MM-DD[ HH:MM:SS]
    (space or +), read in the server's time zone; None for anything else (D12)."""
    if text == "NOW":
        local = timezone.localtime(now)
        return now, local.strftime("%Y-%m-%d %H:%M:%S")
    if match := _DAYS.match(text):
        local = timezone.localtime(now)
        # Same wall-clock time N days later, across DST changes.
        wall = local.replace(tzinfo=None) + timedelta(days=int(match.group(1)))
        moment = timezone.make_aware(wall)
        return moment, wall.strftime("%Y-%m-%d %H:%M:%S")
    if match := _DATETIME.match(text):
        parts = [int(part) if part else 0 for part in match.groups()]
        try:
            wall = datetime(*parts)
        except ValueError:
            return None
        return timezone.make_aware(wall), text
    return None


def callback_request_check(request: CallbackRequest, *, now: datetime) -> CallbackPlan:
    """Check a requested callback in the original's order: campaign, user, then time (D12).

    Raises CallbackRefused with the first refusal. A callback not ``user_only`` goes to
    anyone and keeps no user.
    """
    campaign = campaign_get(request.campaign_id)
    if campaign is None:
        raise CallbackRefused(CallbackRefusal.CAMPAIGN_NOT_VALID)
    user, user_group = "", ""
    if request.user_only:
        user = request.user
        # The original does not check that the user is active (B15); kept.
        groups = (
            list(
                get_user_model()
                .objects.filter(username__iexact=user)
                .values_list("api_profile__user_group_id", flat=True)[:1]
            )
            if user
            else []
        )
        if not groups:
            raise CallbackRefused(CallbackRefusal.USER_NOT_VALID)
        user_group = groups[0] or ""
    parsed = callback_time_parse(request.when, now=now)
    if parsed is None:
        raise CallbackRefused(CallbackRefusal.INVALID_DATETIME)
    moment, time_text = parsed
    return CallbackPlan(
        # Stored as the campaign spells it; callers echo the id as they sent it.
        campaign_id=campaign.campaign_id,
        callback_time=moment,
        time_text=time_text,
        recipient=(
            Callback.Recipient.USERONLY if request.user_only else Callback.Recipient.ANYONE
        ).value,
        callback_user=user,
        user_group=user_group,
        status=request.status or "CALLBK",
        comments=request.comments[:255],
    )


def callback_new(*, plan: CallbackPlan, list_id: int, now: datetime) -> Callback:
    """A checked callback for a new lead, unsaved: the caller stores it with the lead (its
    lead_id is set then: ``fastsql.lead_insert``). The lead's status (CBHOLD) is the caller's
    job too."""
    return Callback(
        lead_id=None,
        list_id=list_id,
        campaign_id=plan.campaign_id,
        status="ACTIVE",
        entry_time=now,
        callback_time=plan.callback_time,
        user=plan.callback_user[:20],
        recipient=plan.recipient,
        comments=plan.comments,
        user_group=plan.user_group[:20],
        lead_status=plan.status[:STATUS_WIDTH],
    )
