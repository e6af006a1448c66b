"""The time-zone rules: ``lookup_state`` (an empty state from the phone-code table, §3.9) and
the lead's UTC offset (§3.12), both in ``leads.timezones``.

Single forms: ``lookup_state`` and ``leads.timezones.lead_gmt_offset`` themselves. Batch form
``TimeZoneBatch``: the same functions, each computed once per run for each distinct input
they read.
"""

from datetime import datetime
from decimal import Decimal

from leads.timezones import (
    TimeZoneMethod,
    lead_gmt_offset,
    phone_code_row_exists,
    phone_code_state,
)


def lookup_state(*, wanted: bool, state: str, phone_code: str, phone: str) -> str:
    """The lead's state: as sent, or with ``lookup_state`` an empty one from the phone-code
    table's row for the area code."""
    if wanted and not state:
        return phone_code_state(phone_code=phone_code, areacode=phone[:3])
    return state


class TimeZoneBatch:
    """``lookup_state`` and the offset of many leads, for one run of ``tz_method``."""

    def __init__(self, *, lookup: bool, tz_method: TimeZoneMethod) -> None:
        self.lookup = lookup
        self.tz_method = tz_method
        self._uses = (tz_method.nanpa, tz_method.postal, tz_method.tz_code)
        self._states: dict[tuple[str, str], str] = {}
        self._area_known: dict[tuple[str, str], bool] = {}
        self._offsets: dict[tuple, Decimal | None] = {}
        # The hour _offsets holds offsets for: an offset depends on the moment only through
        # daylight saving time, whose switches fall on the hour.
        self._hour: datetime | None = None

    def state(self, state: str, phone_code: str, phone: str) -> str:
        if not self.lookup or state:
            return state
        key = (phone_code, phone[:3])
        found = self._states.get(key)
        if found is None:
            found = self._states[key] = lookup_state(
                wanted=True, state=state, phone_code=phone_code, phone=phone
            )
        return found

    def at(self, now: datetime) -> None:
        """Offsets from now on are for ``now`` (a batch's moment)."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        if hour != self._hour:
            self._offsets.clear()
            self._hour = hour

    def offset(
        self,
        *,
        phone_code: str,
        phone: str,
        state: str,
        postal_code: str,
        owner: str,
        now: datetime,
    ) -> Decimal | None:
        """``lead_gmt_offset(...).hours``, remembered by what it reads (call ``at`` first)."""
        area_key = (phone_code, phone[:3])
        known = self._area_known.get(area_key)
        if known is None:
            known = self._area_known[area_key] = phone_code_row_exists(
                phone_code=phone_code, areacode=phone[:3]
            )
        nanpa, postal, tzcode = self._uses
        key = (
            phone_code,
            # The phone-code table answers by area code, NANPA by area code and exchange;
            # phonenumbers (area codes the table lacks) looks further into the number.
            (phone[:6] if nanpa else phone[:3]) if known else phone[:9],
            state,
            postal_code if postal else "",
            owner if tzcode else "",
        )
        if key not in self._offsets:
            self._offsets[key] = lead_gmt_offset(
                phone_code=phone_code,
                phone_number=phone,
                state=state,
                postal_code=postal_code,
                owner=owner,
                tz_method=self.tz_method,
                now=now,
            ).hours
        return self._offsets[key]
