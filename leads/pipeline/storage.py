"""How each value of a lead is stored: ``lead_build`` makes one unsaved Lead (the API's add, the
review queue's insert: the single form), ``LeadRows`` the same columns for many leads at once
(the importer's stores: COPY text lines for PostgreSQL, parameter rows for a prepared INSERT
elsewhere). ``LeadRows`` takes its constant columns from ``lead_build`` of an empty lead and
puts the varying ones through the same rules (column widths, gender, date of birth, rank);
a test compares the two."""

import json
import re
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Field

from leadhub.db import fastsql
from leads.models import Lead
from leads.rules import (
    DIGITS_ONLY_FIELDS,
    LEAD_TEXT_FIELDS,
    RANK_MAX,
    clean_gender,
    clean_value,
    fit_to_column,
    lead_column_width,
    parse_date_of_birth,
    rank_parse,
)
from leads.services.actor import LeadActor
from leads.services.request import EMPTY_FIELDS, LeadFields
from leads.timezones import UNKNOWN, GmtOffset

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .batch import RowResult


def lead_build(
    fields: LeadFields,
    *,
    list_id: int,
    phone_code: str,
    state: str,
    gmt: GmtOffset,
    status: str,
    actor: LeadActor,
    now: datetime,
    date_of_birth: date | None,
    rank: int,
    entry_list_id: int,
    custom_values: dict[str, str] | None,
) -> tuple[Lead, list[str]]:
    """An unsaved Lead from cleaned fields, with the contract's defaults and column widths
    (§3.13), and the names of fields that were cut to fit. Shared by every door."""
    defaults = {"phone_code": phone_code, "state": state, "gender": clean_gender(fields.gender)}
    values: dict[str, object] = {}
    truncated: list[str] = []
    for name in LEAD_TEXT_FIELDS:
        value = defaults[name] if name in defaults else getattr(fields, name)
        text, cut = fit_to_column(name, value)
        values[name] = text
        if cut:
            truncated.append(name)
    values.update(
        list_id=list_id,
        status=status,
        user=actor.user[:20],
        entry_date=now,
        last_local_call_time=now,
        gmt_offset_now=gmt.hours,
        called_since_last_reset="N",
        date_of_birth=date_of_birth,
        rank=min(rank, RANK_MAX),
        entry_list_id=entry_list_id,
        custom_values=custom_values,
        door=actor.door,
    )
    return _new_lead(values), truncated


@cache
def _lead_columns() -> tuple[tuple[Field, ...], frozenset[str]]:
    fields = tuple(Lead._meta.concrete_fields)
    return fields, frozenset(f.attname for f in fields)


def _new_lead(values: dict[str, object]) -> Lead:
    """``Lead(**values)`` through Model.__init__'s positional path, which costs half as much
    for a lead's 37 columns (the API's hot path builds one per add). A column missing from
    ``values`` takes its field's default; an unknown name raises TypeError, as a keyword
    would."""
    fields, names = _lead_columns()
    if unknown := values.keys() - names:
        raise TypeError(f"Lead has no columns {sorted(unknown)}")
    return Lead(*[values[f.attname] if f.attname in values else f.get_default() for f in fields])


def custom_value_clean(raw: str) -> str:
    """A custom field value as the original stores it: '+' is a space, ';' and '"' are
    dropped, one trailing backslash is removed, and --BLANK-- means empty (C09-C11)."""
    value = raw.replace("+", " ").replace(";", "").replace('"', "").replace("\x00", "")
    value = value.removesuffix("\\")
    return "" if value == "--BLANK--" else value


class LeadRows:
    """Rows of the leads table with the values ``services.lead_build`` gives (a test compares
    them): COPY text lines (``copy=True``) or parameter rows for an INSERT. Its output for an
    empty lead supplies the constant columns; the mapped fields go through the same rules
    (column widths, gender, date of birth, rank)."""

    def __init__(self, *, mapped: set[str], actor: LeadActor, now: datetime, copy: bool) -> None:
        fields = Lead._meta.concrete_fields
        self.columns = [f.column for f in fields]
        empty, _ = lead_build(
            EMPTY_FIELDS,
            list_id=0,
            phone_code="",
            state="",
            gmt=UNKNOWN,
            status="NEW",
            actor=actor,
            now=now,
            date_of_birth=None,
            rank=0,
            entry_list_id=0,
            custom_values=None,
        )
        empty.modify_date = now  # auto_now, set by save()
        self.copy = copy
        self.fields = {f.attname: f for f in fields}
        self.template = [self._render(f.attname, getattr(empty, f.attname)) for f in fields]
        self.at = {f.attname: i for i, f in enumerate(fields)}
        self.text = [
            (name, self.at[name], lead_column_width(name), copy and _may_hold_copy_specials(name))
            for name in LEAD_TEXT_FIELDS
            if name in mapped and name not in ("phone_code", "state", "gender")
        ]
        self.extra = [name for name in ("gender", "date_of_birth", "rank") if name in mapped]
        # Few distinct values: each is rendered once.
        self.rendered: dict[tuple[str, object], object] = {}

    def _render(self, name: str, value: object) -> object:
        if self.copy:
            return copy_text(value)
        return self.fields[name].get_db_prep_save(value, connection)

    def line(self, r: "RowResult") -> str:
        """The row as a line of COPY's text format (``copy=True``), newline included."""
        return "\t".join(self.row(r)) + "\n"

    def row(self, r: "RowResult") -> list:
        out = self.template.copy()
        at, values = self.at, r.values
        for name, index, width, special in self.text:
            text = values[name]
            if len(text) > width:
                text = fit_to_column(name, text)[0]
            if special and _COPY_SPECIAL.search(text):
                text = text.translate(_COPY_ESCAPES)
            out[index] = text
        out[at["phone_code"]] = self._fitted("phone_code", r.phone_code)
        out[at["state"]] = self._fitted("state", r.state)
        gmt = self.rendered.get(("gmt", r.gmt))
        if gmt is None:
            gmt = self.rendered["gmt", r.gmt] = self._render("gmt_offset_now", r.gmt)
        for name in self.extra:
            if name == "gender":
                value = fit_to_column(name, clean_gender(values[name]))[0]
            elif name == "date_of_birth":
                value = parse_date_of_birth(values[name])
            else:
                value = rank_parse(values[name])
            out[at[name]] = self._render(name, value)
        copy = self.copy
        out[at["lead_id"]] = str(r.lead_id) if copy else r.lead_id
        out[at["list_id"]] = str(r.list_id) if copy else r.list_id
        out[at["gmt_offset_now"]] = gmt
        if r.custom is not None:
            out[at["entry_list_id"]] = str(r.list_id) if copy else r.list_id
            out[at["custom_values"]] = self._render("custom_values", r.custom)
        return out

    def _fitted(self, name: str, value: str):
        text = self.rendered.get((name, value))
        if text is None:
            text = self.rendered[name, value] = self._render(name, fit_to_column(name, value)[0])
        return text


def _may_hold_copy_specials(name: str) -> bool:
    """Whether a cleaned value of this field can hold a character COPY escapes (free text);
    the filters of the others remove them all."""
    if name in DIGITS_ONLY_FIELDS:
        return False
    return any(clean_value(name, "\\\t\n\r", non_latin=flag) for flag in (False, True))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def copy_text(value: object) -> str:
    """A value in PostgreSQL COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value).translate(_COPY_ESCAPES)
    return str(value)


def lead_rows_insert(cursor, rows: LeadRows, results: "Sequence[RowResult]") -> None:
    """Insert the leads of ``results`` in one statement and set their ids: COPY with reserved
    ids on PostgreSQL (``rows`` made with ``copy=True``), reserved ids and one prepared INSERT
    on SQLite, one INSERT returning the ids on MariaDB. The importer's stores and the JSON
    door's batches store leads this one way."""
    if not results:
        return
    vendor = connection.vendor
    if vendor in ("postgresql", "sqlite"):
        ids = fastsql.lead_ids_reserve(cursor, Lead, len(results))
        for r, lead_id in zip(results, ids, strict=True):
            r.lead_id = lead_id
        if vendor == "postgresql":
            fastsql.rows_copy(cursor, Lead, rows.columns, [rows.line(r) for r in results])
        else:
            fastsql.rows_insert(cursor, Lead, rows.columns, [rows.row(r) for r in results])
        return
    values = [rows.row(r) for r in results]
    ids = fastsql.rows_insert_returning_ids(cursor, Lead, rows.columns, values)
    for r, lead_id in zip(results, ids, strict=True):
        r.lead_id = lead_id
