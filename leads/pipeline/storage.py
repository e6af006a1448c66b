"""How each value of a lead is stored: ``lead_build`` makes one unsaved Lead (the API's add, the
review queue's insert: the single form), ``LeadRows`` the same columns for many leads at once
(the importer's stores: COPY text lines for PostgreSQL, parameter rows for a prepared INSERT
elsewhere). ``LeadRows`` takes its constant columns from ``lead_build`` of an empty lead and
puts the varying ones through the same rules (column widths, gender, date of birth, rank);
a test compares the two."""

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache, partial
from itertools import repeat
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Field

from leads.models import Lead
from leads.rules import (
    DIGITS_ONLY_FIELDS,
    LEAD_TEXT_FIELDS,
    RANK_MAX,
    clean_gender,
    clean_value,
    fit_column,
    fit_to_column,
    lead_column_width,
    parse_date_of_birth,
    rank_parse,
)
from leads.services.actor import LeadActor
from leads.services.request import EMPTY_FIELDS, LeadFields
from leads.timezones import UNKNOWN, GmtOffset

if TYPE_CHECKING:
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
        # Few distinct values: each is rendered once, cut to its column first.
        self._rendered = {
            name: _Rendered(self._fitted_renderer(name)) for name in ("phone_code", "state")
        }
        self._rendered["gmt_offset_now"] = _Rendered(partial(self._render, "gmt_offset_now"))

    def _render(self, name: str, value: object) -> object:
        if self.copy:
            return copy_text(value)
        return self.fields[name].get_db_prep_save(value, connection)

    def _fitted_renderer(self, name: str) -> Callable[[object], object]:
        return lambda value: self._render(name, fit_to_column(name, value)[0])

    def line(self, r: "RowResult") -> str:
        """The row as a line of COPY's text format (``copy=True``), newline included."""
        return self.lines([r])[0]

    def row(self, r: "RowResult") -> tuple:
        """The row's parameters for an INSERT of ``columns`` (``copy=False``)."""
        return self.rows([r])[0]

    def lines(self, results: "Sequence[RowResult]") -> list[str]:
        """``line`` of each row (one batch: see ``rows``)."""
        return ["\t".join(row) + "\n" for row in self.rows(results)]

    def rows(self, results: "Sequence[RowResult]") -> list[tuple]:
        """The rows' values, a column at a time: each rule runs over a column of the batch,
        the constant columns are the template's."""
        if not results:
            return []
        copy, rendered = self.copy, self._rendered
        columns: list = [repeat(value) for value in self.template]
        values = [r.values for r in results]
        for name, index, width, special in self.text:
            texts = fit_column(name, [v[name] for v in values], width)
            if special and _COPY_SPECIAL.search("".join(texts)):
                texts = [text.translate(_COPY_ESCAPES) for text in texts]
            columns[index] = texts
        at = self.at
        for name, given in (
            ("phone_code", [r.phone_code for r in results]),
            ("state", [r.state for r in results]),
            ("gmt_offset_now", [r.gmt for r in results]),
        ):
            columns[at[name]] = list(map(rendered[name].__getitem__, given))
        for name in self.extra:
            if name == "gender":
                typed = [fit_to_column(name, clean_gender(v[name]))[0] for v in values]
            elif name == "date_of_birth":
                typed = [parse_date_of_birth(v[name]) for v in values]
            else:
                typed = [rank_parse(v[name]) for v in values]
            columns[at[name]] = [self._render(name, value) for value in typed]
        lead_ids = [r.lead_id for r in results]
        list_ids = [r.list_id for r in results]
        columns[at["lead_id"]] = list(map(str, lead_ids)) if copy else lead_ids
        columns[at["list_id"]] = list(map(str, list_ids)) if copy else list_ids
        if any(r.custom is not None for r in results):
            entry, custom = at["entry_list_id"], at["custom_values"]
            columns[entry] = [
                self.template[entry] if r.custom is None else list_id
                for r, list_id in zip(results, columns[at["list_id"]], strict=True)
            ]
            columns[custom] = [
                self.template[custom]
                if r.custom is None
                else self._render("custom_values", r.custom)
                for r in results
            ]
        # The constant columns repeat without end: the batch's own columns set the length.
        return list(zip(*columns, strict=False))


class _Rendered(dict):
    """A column's rendered values by value (few distinct ones: each is rendered once)."""

    __slots__ = ("render",)

    def __init__(self, render: Callable[[object], object]) -> None:
        super().__init__()
        self.render = render

    def __missing__(self, value: object) -> object:
        text = self[value] = self.render(value)
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
