"""An unsaved Lead from a request's values: the columns' defaults and widths, shared by the
add, the review queue's insert and the importer's stores."""

from datetime import date, datetime
from functools import cache

from django.db.models import Field

from ..models import Lead
from ..rules import LEAD_TEXT_FIELDS, RANK_MAX, clean_gender, fit_to_column
from ..timezones import GmtOffset
from .actor import LeadActor
from .request import LeadFields


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
