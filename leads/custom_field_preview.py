"""The form a list's custom fields produce, rendered as an agent sees it (a preview only).

Fields sharing a rank sit on one row, in field_order. Options of SELECT, MULTI, RADIO and
CHECKBOX fields are ``value,Label`` lines of field_options (a line without a comma is both).
"""

from dataclasses import dataclass
from itertools import groupby

from django import forms
from django.utils.html import format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

from .models import CustomFieldDefinition

FieldType = CustomFieldDefinition.FieldType
MAX_ROWS = 20


@dataclass(frozen=True)
class PreviewField:
    definition: CustomFieldDefinition
    # The agent-facing name, and the input (or text) the agent sees.
    name: str
    html: SafeString


def custom_field_options(text: str | None) -> list[tuple[str, str]]:
    choices = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        value, _, label = line.partition(",")
        choices.append((value.strip(), label.strip() or value.strip()))
    return choices


def custom_field_preview_rows(
    definitions: list[CustomFieldDefinition],
) -> list[list[PreviewField]]:
    ordered = sorted(definitions, key=lambda d: (d.field_rank, d.field_order, d.field_label))
    return [
        [
            PreviewField(definition=d, name=d.field_name or d.field_label, html=_field_html(d))
            for d in row
        ]
        for _, row in groupby(ordered, key=lambda d: d.field_rank)
    ]


def _field_html(d: CustomFieldDefinition) -> SafeString:
    name = f"preview_{d.field_label}"
    default = d.field_default or ""
    kind = d.field_type
    widget = _widget(d)
    if widget is not None:
        multiple = kind in (FieldType.MULTI, FieldType.CHECKBOX)
        value = [part.strip() for part in default.split(",")] if multiple else default
        return widget.render(name, value, attrs={"id": f"id_{name}"})
    if kind == FieldType.DISPLAY:
        return format_html('<div class="cf-display">{}</div>', default)
    if kind == FieldType.SCRIPT:
        text = mark_safe(linebreaks(d.field_options or "", autoescape=True))
        return format_html('<div class="cf-script">{}</div>', text)
    if kind == FieldType.READONLY:
        return format_html('<span class="cf-readonly">{}</span>', default)
    if kind == FieldType.HIDDEN:
        return format_html('<em class="cf-note">hidden from the agent (value "{}")</em>', default)
    return format_html('<em class="cf-note">{} field (not shown in this preview)</em>', kind)


def _widget(d: CustomFieldDefinition) -> forms.Widget | None:
    kind = d.field_type
    choices = custom_field_options(d.field_options)
    if kind == FieldType.TEXT:
        return forms.TextInput(attrs={"size": d.field_size or 20, "maxlength": d.field_max or 255})
    if kind == FieldType.AREA:
        # As the agent screen does: size is the width, max the height (capped here).
        rows = min(d.field_max or 3, MAX_ROWS)
        return forms.Textarea(attrs={"cols": d.field_size or 40, "rows": rows})
    if kind == FieldType.SELECT:
        return forms.Select(choices=choices)
    if kind == FieldType.MULTI:
        size = min(d.field_size or 4, max(len(choices), 1))
        return forms.SelectMultiple(choices=choices, attrs={"size": size})
    if kind == FieldType.RADIO:
        return forms.RadioSelect(choices=choices)
    if kind == FieldType.CHECKBOX:
        return forms.CheckboxSelectMultiple(choices=choices)
    if kind == FieldType.DATE:
        return forms.DateInput(attrs={"type": "date"})
    if kind == FieldType.TIME:
        return forms.TimeInput(attrs={"type": "time"})
    return None
