"""Exact repeats: a duplicate row whose every loaded field equals the lead it duplicates is
noise, not a decision for a supervisor. The store keeps such rows out of the review queue
(``stores._Store._reviews``) and their result line says why (``exact_repeat``,
worded by ``wording.import_row_reason``)."""

import json

from leads.models import Lead
from leads.pipeline.batch import RowResult
from leads.rules import (
    LEAD_TEXT_FIELDS,
    clean_gender,
    fit_to_column,
    parse_date_of_birth,
    rank_parse,
)

# Lead fields whose stored value the row gives otherwise than by its cleaned text.
_FROM_RESULT = {"phone_code", "state"}


def exact_repeats_drop(
    cursor, rows: list[RowResult], existing: dict[int, int | None], mapped: set[str]
) -> list[RowResult]:
    """The duplicate ``rows`` that are not exact repeats of their existing lead
    (``existing``: row number -> lead id); the repeats get their reason. One query, on the
    store's ``cursor``: it sees the leads its transaction has just stored."""
    ids = sorted({lead_id for lead_id in existing.values() if lead_id is not None})
    if not rows or not ids:
        return rows
    fields = [name for name in LEAD_TEXT_FIELDS if name in mapped or name in _FROM_RESULT]
    fields += [name for name in ("date_of_birth", "rank") if name in mapped]
    columns = ["lead_id", "custom_values", *fields]
    query = Lead.objects.filter(pk__in=ids).values_list(*columns).query
    cursor.execute(*query.sql_with_params())
    leads = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    kept = []
    for r in rows:
        lead_id = existing.get(r.number)
        lead = leads.get(lead_id)
        if lead is not None and _same(r, lead, fields):
            r.exact_repeat, r.existing_lead_id = True, lead_id
        else:
            kept.append(r)
    return kept


def _same(r: RowResult, lead: dict, fields: list[str]) -> bool:
    values = r.values
    for name in fields:
        if name == "phone_code":
            stored = r.phone_code
        elif name == "state":
            stored = r.state
        elif name == "gender":
            stored = clean_gender(values[name])
        elif name == "date_of_birth":
            stored = parse_date_of_birth(values[name])
        elif name == "rank":
            stored = rank_parse(values[name])
        else:
            stored = values.get(name, "")
        if isinstance(stored, str):
            stored = fit_to_column(name, stored)[0]
        if _text(stored) != _text(lead[name]):
            return False
    custom = lead["custom_values"] or {}
    if isinstance(custom, str):  # JSON as text (SQLite, MariaDB)
        custom = json.loads(custom) or {}
    return all(custom.get(label, "") == value for label, value in (r.custom or {}).items())


def _text(value: object) -> str:
    """A value as the database driver may return it (date or text, int), for comparing."""
    return "" if value is None else str(value)
