"""The phone rule: the length check and the optional prefix, area code and NANPA checks
(contract §3.8, ``leads.phones.phone_problem``), with NANPA's options off while its table is
not loaded (§3.7).

Single form ``phone_check``: one number, one indexed query for the NANPA check. Batch form
``PhoneCheckBatch``: the checks without NANPA computed once per (length, first 4 digits),
all they read, and the NANPA check for many numbers in one query.
"""

from collections.abc import Sequence
from typing import NamedTuple

from leads.lookups import in_batch
from leads.models import NanpaPrefix
from leads.phones import PhoneProblem, phone_problem
from leads.services.request import PhoneChecks
from leads.timezones import NANPA_MIN_ROWS, TimeZoneMethod, nanpa_prefix_count


class ChecksInForce(NamedTuple):
    """The phone checks and time-zone method that run, and, when NANPA options were asked
    for without the NANPA table loaded, its row count (the API reports it)."""

    phone_checks: PhoneChecks
    time_zone: TimeZoneMethod
    nanpa_rows_when_disabled: int | None = None


def checks_in_force(phone_checks: PhoneChecks, time_zone: TimeZoneMethod) -> ChecksInForce:
    """The options as they run: without NANPA data both NANPA options are off (§3.7). One
    cached count, only when a NANPA option is asked for."""
    if phone_checks.nanpa_prefix or time_zone.nanpa:
        rows = nanpa_prefix_count()
        if rows < NANPA_MIN_ROWS:
            return ChecksInForce(
                PhoneChecks(
                    usacan_prefix=phone_checks.usacan_prefix,
                    usacan_areacode=phone_checks.usacan_areacode,
                    nanpa_prefix=False,
                ),
                time_zone.when_nanpa_unloaded(),
                rows,
            )
    return ChecksInForce(phone_checks, time_zone)


def phone_check(phone_number: str, checks: PhoneChecks) -> PhoneProblem | None:
    """The first problem of one number under ``checks`` (already ``checks_in_force``)."""
    return phone_problem(
        phone_number=phone_number,
        usacan_prefix_check=checks.usacan_prefix,
        usacan_areacode_check=checks.usacan_areacode,
        nanpa_ac_prefix_check=checks.nanpa_prefix,
    )


class PhoneCheckBatch:
    """The phone rule over many numbers, for one run of ``checks`` (already in force)."""

    def __init__(self, checks: PhoneChecks) -> None:
        self.checks = checks
        self._without_nanpa = PhoneChecks(
            usacan_prefix=checks.usacan_prefix, usacan_areacode=checks.usacan_areacode
        )
        self._memo: dict[tuple[int, str], PhoneProblem | None] = {}

    def problem_before_nanpa(self, phone: str) -> PhoneProblem | None:
        """The checks other than NANPA; no query but the cached phone-code table."""
        # Without NANPA, the checks read only the length and the first 4 digits (§3.8).
        key = (len(phone), phone[:4])
        if key in self._memo:
            return self._memo[key]
        problem = self._memo[key] = phone_check(phone, self._without_nanpa)
        return problem

    def nanpa_unknown(self, phones: Sequence[str]) -> set[str]:
        """The numbers of ``phones`` whose area code and exchange the NANPA table lacks
        (none when the NANPA check is off). One query."""
        if not self.checks.nanpa_prefix or not phones:
            return set()
        pairs = {(p[:3], p[3:6]) for p in phones}
        known = set(
            NanpaPrefix.objects.filter(
                in_batch("areacode", {a for a, _ in pairs}),
                in_batch("prefix", {p for _, p in pairs}),
            ).values_list("areacode", "prefix")
        )
        return {p for p in phones if (p[:3], p[3:6]) not in known}
