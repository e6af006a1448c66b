"""The DNC rule: a number is blocked when the DNC list consulted holds it or, in AREACODE mode,
its area code's wildcard ``727XXXXXXX``. The system list, or a campaign's own list (or the
one it borrows, contract §3.10).

Batch form ``dnc_blocked_phones``: which of many numbers a list blocks, in one query. The
single forms (``dnc_number_blocked``, ``campaign_dnc_blocked``, the API's add) are the batch
of one.
"""

from collections.abc import Collection

from django.db.models import QuerySet

from campaigns.models import CampaignDnc
from campaigns.selectors import campaign_dnc_list_id, campaign_get
from leadhub.db import fastsql
from leads.lookups import in_batch
from leads.models import DncNumber
from leads.services.request import DncMode


def dnc_patterns(phone_number: str, *, match_areacode: bool) -> list[str]:
    """The DNC entries that would block this number: itself, plus ``<area>XXXXXXX``."""
    patterns = [phone_number]
    if match_areacode and len(phone_number) >= 3:
        patterns.append(f"{phone_number[:3]}XXXXXXX")
    return patterns


def system_dnc_entries() -> QuerySet:
    """The entries of the system DNC list."""
    return DncNumber.objects.all()


def campaign_dnc_entries(campaign_id: str) -> QuerySet | None:
    """The entries of the campaign's DNC list (or the one it borrows); None for an unknown
    or empty campaign, which blocks nothing, as in the original (contract D14, D15)."""
    campaign = campaign_get(campaign_id)
    if campaign is None:
        return None
    return CampaignDnc.objects.filter(campaign_id=campaign_dnc_list_id(campaign))


def dnc_blocked_phones(
    entries: QuerySet | None, mode: DncMode, phones: Collection[str]
) -> set[str]:
    """The numbers of ``phones`` that ``entries`` block under ``mode``. One query (none when
    the mode is OFF, the list unknown or no number given)."""
    if entries is None or mode is DncMode.OFF or not phones:
        return set()
    areacode = mode is DncMode.AREACODE
    if areacode:
        patterns = {p for phone in phones for p in dnc_patterns(phone, match_areacode=True)}
    else:
        patterns = set(phones)  # dnc_patterns without the area code: the number itself
    hits = set(
        entries.filter(in_batch("phone_number", patterns)).values_list("phone_number", flat=True)
    )
    if not hits or not areacode:
        return hits & patterns
    return {
        phone
        for phone in phones
        if any(p in hits for p in dnc_patterns(phone, match_areacode=True))
    }


def _mode(match_areacode: bool) -> DncMode:
    return DncMode.AREACODE if match_areacode else DncMode.NUMBER


def dnc_number_blocked(phone_number: str, *, match_areacode: bool) -> bool:
    """Whether the system DNC list blocks this number: the batch of one, by the same
    patterns, through the API's hot-path lookup (``fastsql.dnc_number_listed``)."""
    return fastsql.dnc_number_listed(dnc_patterns(phone_number, match_areacode=match_areacode))


def campaign_dnc_blocked(campaign_id: str, phone_number: str, *, match_areacode: bool) -> bool:
    """Whether the campaign's DNC list (or the one it borrows) blocks this number (the batch
    of one)."""
    entries = campaign_dnc_entries(campaign_id)
    return bool(dnc_blocked_phones(entries, _mode(match_areacode), (phone_number,)))
