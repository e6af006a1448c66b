"""Whether a lead may be dialled now in its local time (contract §3.14(c) "Dialable test")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from .models import WEEKDAYS, CallTime
from .selectors import call_time_get, campaign_get

if TYPE_CHECKING:
    from leads.models import LeadList

# The offsets a lead of unknown time zone may have, in quarter hours (UTC-12 to UTC+14).
_POSSIBLE_QUARTER_HOURS = range(-12 * 4, 14 * 4 + 1)


def call_time_for_list(lead_list: LeadList | None) -> CallTime | None:
    """The call time that governs a list's leads, or None (no list, no call time).

    The list's own ``local_call_time`` wins unless it is empty or ``campaign`` (any case);
    then the list's campaign's call time is used. A list without a campaign, or whose campaign
    row is missing, has none. Lookups are cached (``campaigns.selectors``).
    """
    if lead_list is None:
        return None
    own = lead_list.local_call_time.strip()
    if own and own.lower() != "campaign":
        return call_time_get(own)
    campaign = campaign_get(lead_list.campaign_id or "")
    if campaign is None:
        return None
    return call_time_get(campaign.local_call_time_id or "")


def lead_is_dialable(
    *,
    call_time: CallTime | None,
    state: str,
    gmt_offset: Decimal | None,
    now: datetime,
) -> bool:
    """Whether a lead with this state and UTC offset is inside its call time at ``now``.

    The lead's local time is UTC ``now`` plus ``gmt_offset`` hours. No call time: never
    dialable (H14). The first of the call time's state rules whose state equals the lead's
    (case-insensitively) replaces all its windows (H10-H12). Otherwise the weekday's window
    is used, or the default one when the weekday's is 0-0. Dialable iff start <= HHMM < stop,
    so a window that crosses midnight (start > stop) never is (H20).

    An unknown offset (None) is dialable only if it would be at every offset a place can have
    (UTC-12 to UTC+14): we cannot tell the lead's local time, and dialling outside legal hours
    is worse than waiting. The original stored such offsets as 0 and checked UTC instead.
    """
    if call_time is None:
        return False
    rule = _state_rule(call_time, state)
    if gmt_offset is not None:
        return _inside(call_time, rule, now, gmt_offset)
    return all(
        _inside(call_time, rule, now, Decimal(quarters) / 4) for quarters in _POSSIBLE_QUARTER_HOURS
    )


def _state_rule(call_time: CallTime, state: str) -> tuple[int, int] | None:
    wanted = state.rstrip().upper()
    if not wanted:
        return None
    # Uses the prefetched rules of call_time_get; ordered by rule id.
    for rule in call_time.state_rules.all():
        if rule.state.rstrip().upper() == wanted:
            return rule.default_start, rule.default_stop
    return None


def _inside(
    call_time: CallTime, rule: tuple[int, int] | None, now: datetime, offset: Decimal
) -> bool:
    local = now.astimezone(UTC) + timedelta(minutes=int(offset * 60))
    # datetime.weekday() counts from Monday; WEEKDAYS starts with Sunday.
    start, stop = rule or call_time.window_for(WEEKDAYS[(local.weekday() + 1) % 7])
    return start <= local.hour * 100 + local.minute < stop
