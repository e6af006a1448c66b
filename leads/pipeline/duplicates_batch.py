"""The batch form of the duplicate rule (``duplicates``): one query per check for a batch of
candidates, duplicates inside a file, and the re-check a store runs under its locks.

Rows earlier in a file count as duplicates too, under every chosen check, whatever the status
filter says (a file must not load a phone twice); a row counts once it is added. A store
locks the keys of the rows it will insert (``lock_keys``, the API's keys) and, where the
batch was checked before, runs the checks again under them (``recheck_queries``,
``recheck_hits``): a lead another door stored meanwhile makes a row a duplicate after all.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from leadhub.db.locks import dedupe_locks_taken
from leads.outcomes import DuplicateCheck, DuplicateHit
from leads.services.request import DuplicatePolicy

from .duplicates import Candidate, DuplicateRule, Found, duplicate_hit, duplicate_lock_keys


class FileDuplicate(NamedTuple):
    """A row that repeats an earlier row of the same file under ``check``."""

    check: DuplicateCheck
    earlier_row: int
    # The lead that earlier row became, when an earlier batch stored it.
    lead_id: int | None


@dataclass(frozen=True)
class Recheck:
    """One duplicate check of a batch about to be stored: its SQL, and the campaign of each
    list for a campaign scope."""

    check: DuplicateCheck
    sql: str
    params: tuple
    campaign_of: dict[int, str]


class DuplicateBatch(DuplicateRule):
    """The policy's checks over a run's batches. ``first_lead_id``: the lowest lead id the run
    stored; leads from it on are the file's own rows (in-file duplicates)."""

    def __init__(self, policy: DuplicatePolicy, *, first_lead_id: int | None = None) -> None:
        super().__init__(policy)
        self.first_lead_id = first_lead_id
        # Per check: (check, kind, scope, {key: row number of the added row}).
        self._seen: list[tuple[DuplicateCheck, str, str, dict[str, int]]] = [
            (check, check.kind, check.scope, {}) for check in policy.checks
        ]

    def look_up(
        self, candidates: Sequence[Candidate], since: datetime | None
    ) -> list[tuple[Found, Found]]:
        """The found leads of each check, in the policy's order: one query per check."""
        return [
            self.found(check, candidates, since, self.first_lead_id) for check in self.policy.checks
        ]

    def first_duplicate(
        self, c: Candidate, found: list[tuple[Found, Found]]
    ) -> DuplicateHit | FileDuplicate | None:
        """The first check under which the candidate repeats an existing lead or an earlier
        row of the file, or None."""
        return self._first_duplicate(c, found, None)

    def first_duplicate_else_remember(
        self, number: int, c: Candidate, found: list[tuple[Found, Found]]
    ) -> DuplicateHit | FileDuplicate | None:
        """``first_duplicate``; when there is none, the row is counted for the in-file
        duplicate checks of later rows (``remember``) with the keys made for the lookup."""
        keyed: list[tuple[list[str], dict[str, int]]] = []
        hit = self._first_duplicate(c, found, keyed)
        if hit is None:
            for keys, seen in keyed:
                for key in keys:
                    seen.setdefault(key, number)
        return hit

    def _first_duplicate(
        self,
        c: Candidate,
        found: list[tuple[Found, Found]],
        keyed: list[tuple[list[str], dict[str, int]]] | None,
    ) -> DuplicateHit | FileDuplicate | None:
        # The keys a row is stored under begin with the one it is looked up by
        # (``DuplicateRule.keys``): each is made once, and kept in ``keyed``.
        for (check, kind, scope, seen), (older, own) in zip(self._seen, found, strict=True):
            keys = self.keys(kind, scope, c, incoming=False)
            if not keys:
                continue
            if keyed is not None:
                keyed.append((keys, seen))
            key = keys[0]
            row = older.get(key)
            if row is None and (earlier := seen.get(key)) is not None:
                stored = own.get(key)
                return FileDuplicate(check, earlier, stored[0] if stored else None)
            row = row or own.get(key)
            if row is not None:
                return duplicate_hit(check, row, c.phone)
        return None

    def remember(self, number: int, c: Candidate) -> None:
        """Count an added row for the in-file duplicate checks of later rows."""
        for _, kind, scope, seen in self._seen:
            for key in self.keys(kind, scope, c, incoming=False):
                seen.setdefault(key, number)

    def lock_keys(self, candidates: Iterable[Candidate]) -> list[str]:
        """The dedupe-lock keys of rows about to be checked or stored, as the API's add takes
        them; none without a duplicate check, or where the backend takes no such lock."""
        if not self.policy.checks or not dedupe_locks_taken():
            return []
        return duplicate_lock_keys(self.policy, candidates)

    def recheck_queries(
        self, candidates: Sequence[Candidate], since: datetime | None
    ) -> list[Recheck]:
        """The checks of rows about to be stored, compiled to SQL (one statement per check),
        for a store to run once it holds their locks."""
        plans = []
        for check in self.policy.checks:
            query = self.query(check, candidates, since)
            if query is not None:
                leads, campaign_of = query
                sql, params = leads.query.sql_with_params()
                plans.append(Recheck(check, sql, tuple(params), campaign_of))
        return plans

    def recheck_hits(
        self, candidates: Sequence[Candidate], found: list[tuple[Recheck, list[tuple]]]
    ) -> list[DuplicateHit | None]:
        """Per candidate, the lead the re-check's rows show it to duplicate now, or None.
        Pure computation (runs in the store's thread on PostgreSQL)."""
        if not any(rows for _, rows in found):
            return [None] * len(candidates)  # the usual case: nothing was stored meanwhile
        indexed = [
            (
                recheck.check,
                recheck.check.kind,
                recheck.check.scope,
                self.index(recheck.check, rows, recheck.campaign_of)[0],
            )
            for recheck, rows in found
        ]
        hits: list[DuplicateHit | None] = []
        for c in candidates:
            hit = None
            for check, kind, scope, older in indexed:
                keys = self.keys(kind, scope, c, incoming=True)
                row = older.get(keys[0]) if keys else None
                if row is not None:
                    hit = duplicate_hit(check, row, c.phone)
                    break
            hits.append(hit)
        return hits
