"""The original's new-lead URL ("apinewlead", contract §3.14e, D19): which URL a new lead
fires, with its ``--A--name--B--`` tokens replaced by the lead's values.

Pure functions: the caller logs the result in the lead's transaction (``services.hooks``)
and the webhooks worker fetches it after commit.
"""

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote_plus

from django.utils import timezone

from .models import LeadList

DISABLED = "---DISABLED---"
# A chosen URL of this many characters or fewer is ignored (W03).
MIN_LENGTH = 10

# Token names read straight from the lead's column of the same name.
_COLUMNS = (
    "lead_id",
    "vendor_lead_code",
    "list_id",
    "gmt_offset_now",
    "phone_code",
    "phone_number",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "province",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "alt_phone",
    "email",
    "security_phrase",
    "comments",
    "user",
    "source_id",
    "status",
    "rank",
    "owner",
    "entry_list_id",
    "entry_date",
    "called_count",
)
# Other names of a column, and tokens that are always empty in the original.
_ALIASES = {"vendor_id": "vendor_lead_code", "phone": "phone_number"}
_ALWAYS_EMPTY = ("sqldate", "epoch")
_TOKEN = re.compile(r"--A--([^-]+?)--B--", re.IGNORECASE)
# PHP's trim(): space, tab, newline, carriage return, NUL, vertical tab.
_PHP_TRIM = " \t\n\r\0\x0b"


def new_lead_url_choose(system_url: str, lead_list: LeadList | None) -> str | None:
    """The URL a new lead of this list fires, or None: the list's URL wins over the system's
    unless it is ---DISABLED--- (then none, W02); 10 characters or less: none (W03)."""
    list_url = lead_list.new_lead_url if lead_list is not None else ""
    if list_url == DISABLED:
        return None
    url = list_url or system_url
    return url if len(url) > MIN_LENGTH else None


def new_lead_url_fill(url: str, lead: Mapping[str, object], *, lead_list: LeadList | None) -> str:
    """``url`` with every ``--A--name--B--`` token (any letter case) replaced by the lead's
    trimmed, URL-encoded value; custom field labels are tokens too when custom values were
    stored; unknown tokens stay; a leading ``VAR`` is dropped (contract §3.14e)."""
    values = _token_values(lead, lead_list)

    def replace(match: re.Match) -> str:
        value = values.get(match.group(1).lower())
        if value is None:
            return match.group(0)
        return _php_urlencode(value.strip(_PHP_TRIM))

    return _TOKEN.sub(replace, url.removeprefix("VAR"))


def _token_values(lead: Mapping[str, object], lead_list: LeadList | None) -> dict[str, str]:
    values = {name: _text(lead.get(name)) for name in _COLUMNS}
    values["list_id"] = _text(lead.get("list_id"))
    for alias, column in _ALIASES.items():
        values[alias] = values[column]
    for name in _ALWAYS_EMPTY:
        values[name] = ""
    values["list_name"] = lead_list.list_name if lead_list else ""
    values["list_description"] = lead_list.list_description if lead_list else ""
    values["campaign"] = (lead_list.campaign_id or "") if lead_list else ""
    custom = lead.get("custom_values") or {}
    for label, value in custom.items():
        values.setdefault(str(label).lower(), _text(value))
    return values


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # as the original reads it back from its DECIMAL(4,2) column
    return str(value)


def _php_urlencode(text: str) -> str:
    """PHP's urlencode(): letters, digits and ``-_.`` kept, space as ``+``, the rest %XX."""
    return quote_plus(text, safe="").replace("~", "%7E")
