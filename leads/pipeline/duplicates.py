"""The duplicate rule (contract §3.11, D11, D18): the 12 checks, each comparing one kind of
value (PHONE, PHONE_ALT, TITLE_ALT, NAME_PHONE) within one scope (the list, the lists of its
campaign, the system), over a window of days and, for imports, the statuses chosen. Text
compares without letter case and trailing spaces (on MariaDB without accents too, as its
collation does); among several matches the lowest lead id is reported.

Declared once in ``DuplicateRule``: what a lead's key is under a check (``keys`` for a new
lead, ``stored_keys`` for a found one), and the one query that finds the leads matching any
of N candidates (``query``). The single form ``duplicate_find`` (the API's add) runs it with
one candidate, except DUPLIST and DUPSYS, which the hot path asks in plain SQL
(``fastsql.lead_phone_duplicate``, the same condition). The batch form
``duplicates_batch.DuplicateBatch`` runs it for a batch and adds duplicates inside a file.
"""

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet

from leadhub.db import fastsql
from leadhub.db.locks import dedupe_lock, lead_lock_keys
from leads.lookups import InBatch, Unindexed, ci_in_batch, in_batch
from leads.models import Lead
from leads.outcomes import DuplicateCheck, DuplicateHit, DuplicateMatch
from leads.selectors import list_get, lists_of_campaign
from leads.services.request import DuplicatePolicy


class Candidate(NamedTuple):
    """What the duplicate checks read of a new lead (cleaned values)."""

    phone: str
    list_id: int
    title: str
    alt_phone: str
    first_name: str
    last_name: str


# A found lead as the rule reads it: (lead_id, list_id, phone_number, compared columns...).
FoundRow = tuple
# The found leads of one check: {key: (lead_id, list_id, phone_number)}, the lowest id per key.
Found = dict[str, tuple[int, int, str]]


def duplicate_since(policy: DuplicatePolicy, now: datetime) -> datetime | None:
    """The oldest entry date a duplicate may have (None: all time)."""
    return now - timedelta(days=policy.days) if policy.days else None


def duplicate_lock_keys(policy: DuplicatePolicy, candidates: Iterable[Candidate]) -> list[str]:
    """The dedupe-lock keys of these candidates, sorted (``locks.lead_lock_keys``): every door
    takes them before it checks, and a store before it inserts."""
    keys = set()
    for c in candidates:
        keys.update(lead_lock_keys(policy, phone=c.phone, alt_phone=c.alt_phone, title=c.title))
    return sorted(keys)


def duplicate_find(
    policy: DuplicatePolicy, candidate: Candidate, *, now: datetime
) -> DuplicateHit | None:
    """The single form: the first check of ``policy`` that finds an existing lead, or None.

    Locks the candidate's keys until the transaction ends first (``locks.dedupe_lock``), so
    concurrent identical adds store one lead (D11). One query per check that runs.
    """
    dedupe_lock(
        lead_lock_keys(
            policy, phone=candidate.phone, alt_phone=candidate.alt_phone, title=candidate.title
        )
    )
    since = duplicate_since(policy, now)
    rule = None
    for check in policy.checks:
        scope = check.scope
        if scope != "CAMP" and check.kind == "PHONE" and not policy.statuses:
            # DUPLIST and DUPSYS, the checks callers use most: plain SQL on the hot path.
            row = fastsql.lead_phone_duplicate(
                candidate.phone,
                list_id=candidate.list_id if scope == "LIST" else None,
                since=since,
            )
            if row is not None:
                return DuplicateHit(check=check, lead_id=row[0], list_id=row[1])
            continue
        rule = rule or DuplicateRule(policy)
        found = rule.found(check, [candidate], since)
        if (hit := rule.hit_of(check, candidate, found)) is not None:
            return hit
    return None


class DuplicateRule:
    """The checks of one policy: keys and the query for N candidates (module docstring).
    Remembers the lists it looked up."""

    def __init__(self, policy: DuplicatePolicy) -> None:
        self.policy = policy
        self.statuses = sorted(policy.statuses)
        self.text_key: Callable[[str], str] = (
            _mysql_text_key if connection.vendor == "mysql" else _text_key
        )
        self._lists: dict[int, object] = {}

    def list_of(self, list_id: int):
        if list_id not in self._lists:
            self._lists[list_id] = list_get(list_id)
        return self._lists[list_id]

    def keys(self, kind: str, scope_name: str, c: Candidate, *, incoming: bool) -> list[str]:
        """The keys a new lead is looked up by (``incoming``: the first one), or stored under
        once added (the later rows of a file look it up by them), under the check of this
        kind and scope (a batch reads them once: ``DuplicateCheck`` computes them)."""
        if scope_name == "LIST":
            scope = str(c.list_id)
        elif scope_name == "SYS":
            scope = ""
        else:
            target = self.list_of(c.list_id)
            if target is None:
                # The original finds no campaign duplicates for an undefined list (U24, D9).
                return []
            scope = target.campaign_id or ""
        if kind == "PHONE" or (kind == "PHONE_ALT" and incoming):
            return [f"{scope}\x1f{c.phone}"]
        if kind == "PHONE_ALT":
            alt = self.text_key(c.alt_phone)
            return [f"{scope}\x1f{c.phone}"] + ([f"{scope}\x1f{alt}"] if alt else [])
        if kind == "TITLE_ALT":
            return [f"{scope}\x1f{self.text_key(c.title)}\x1f{self.text_key(c.alt_phone)}"]
        first, last = self.text_key(c.first_name), self.text_key(c.last_name)
        return [f"{scope}\x1f{c.phone}\x1f{first}\x1f{last}"]

    def stored_keys(self, kind: str, scope: str, row: FoundRow) -> list[str]:
        """The keys of a found lead (a row of ``query``)."""
        phone = row[2]
        if kind == "PHONE":
            return [f"{scope}\x1f{phone}"]
        if kind == "PHONE_ALT":
            return [f"{scope}\x1f{phone}", f"{scope}\x1f{self.text_key(row[3])}"]
        if kind == "TITLE_ALT":
            return [f"{scope}\x1f{self.text_key(row[3])}\x1f{self.text_key(row[4])}"]
        first, last = self.text_key(row[3]), self.text_key(row[4])
        return [f"{scope}\x1f{phone}\x1f{first}\x1f{last}"]

    def query(
        self, check: DuplicateCheck, candidates: Sequence[Candidate], since: datetime | None
    ) -> tuple[QuerySet, dict[int, str]] | None:
        """(the leads that may match any candidate, as value rows; {list id: campaign id} for
        a campaign scope), or None when nothing can match. Leads are found by the compared
        values, never by list or status (``lookups.Unindexed``)."""
        if not candidates:
            return None
        leads = Lead.objects.all()
        if since is not None:
            leads = leads.filter(entry_date__gt=since)
        if self.statuses:
            leads = leads.filter(InBatch(Unindexed("status"), self.statuses))
        campaign_of: dict[int, str] = {}
        if check.scope == "LIST":
            lists = sorted({c.list_id for c in candidates})
            leads = leads.filter(InBatch(Unindexed("list_id", numeric=True), lists))
        elif check.scope == "CAMP":
            for list_id in {c.list_id for c in candidates}:
                target = self.list_of(list_id)
                if target is not None:
                    for member in lists_of_campaign(target.campaign_id):
                        campaign_of[member] = target.campaign_id or ""
            if not campaign_of:
                return None
            members = list(campaign_of)
            leads = leads.filter(InBatch(Unindexed("list_id", numeric=True), members))
        kind = check.kind
        phones = {c.phone for c in candidates}
        columns = ["lead_id", "list_id", "phone_number"]
        if kind == "PHONE":
            leads = leads.filter(in_batch("phone_number", phones))
        elif kind == "PHONE_ALT":
            leads = leads.filter(
                Q(in_batch("phone_number", phones)) | Q(ci_in_batch("alt_phone", phones))
            )
            columns.append("alt_phone")
        elif kind == "TITLE_ALT":
            leads = leads.filter(
                ci_in_batch("title", {c.title for c in candidates}),
                ci_in_batch("alt_phone", {c.alt_phone for c in candidates}),
            )
            columns += ["title", "alt_phone"]
        else:
            leads = leads.filter(
                ci_in_batch("first_name", {c.first_name for c in candidates}),
                ci_in_batch("last_name", {c.last_name for c in candidates}),
                in_batch("phone_number", phones),
            )
            columns += ["first_name", "last_name"]
        return leads.values_list(*columns), campaign_of

    def index(
        self,
        check: DuplicateCheck,
        rows: Iterable[FoundRow],
        campaign_of: dict[int, str],
        first_own: int | None = None,
    ) -> tuple[Found, Found]:
        """(found leads older than ``first_own``, those from it on) by key, the lowest lead
        id per key (D18). ``first_own``: the first lead id an import stored itself."""
        older: Found = {}
        own: Found = {}
        kind, scope_of = check.kind, check.scope
        for row in rows:
            lead_id, list_id = row[0], row[1]
            if scope_of == "LIST":
                scope = str(list_id)
            else:
                scope = "" if scope_of == "SYS" else campaign_of[list_id]
            target = own if first_own is not None and lead_id >= first_own else older
            for key in self.stored_keys(kind, scope, row):
                held = target.get(key)
                if held is None or lead_id < held[0]:
                    target[key] = (lead_id, list_id, row[2])
        return older, own

    def found(
        self,
        check: DuplicateCheck,
        candidates: Sequence[Candidate],
        since: datetime | None,
        first_own: int | None = None,
    ) -> tuple[Found, Found]:
        """``index`` of ``query``: one query (none when nothing can match)."""
        query = self.query(check, candidates, since)
        if query is None:
            return {}, {}
        leads, campaign_of = query
        return self.index(check, leads, campaign_of, first_own)

    def hit_of(
        self, check: DuplicateCheck, c: Candidate, found: tuple[Found, Found]
    ) -> DuplicateHit | None:
        """The existing lead ``found`` holds for the candidate under ``check``, or None."""
        keys = self.keys(check.kind, check.scope, c, incoming=True)
        if not keys:
            return None
        older, own = found
        row = older.get(keys[0]) or own.get(keys[0])
        return None if row is None else duplicate_hit(check, row, c.phone)


def duplicate_hit(check: DuplicateCheck, row: tuple[int, int, str], phone: str) -> DuplicateHit:
    """The hit of a found (lead_id, list_id, phone); for the phone-or-alt-phone checks, which
    of the lead's numbers matched."""
    lead_id, list_id, found_phone = row
    matched = DuplicateMatch.PHONE
    if check.kind == "PHONE_ALT" and found_phone != phone:
        matched = DuplicateMatch.ALT
    return DuplicateHit(check=check, lead_id=lead_id, list_id=list_id, matched=matched)


def _text_key(text: str) -> str:
    return text.rstrip(" ").lower()


def _mysql_text_key(text: str) -> str:
    # utf8mb4_unicode_ci also ignores accents.
    decomposed = unicodedata.normalize("NFKD", text.rstrip(" "))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
