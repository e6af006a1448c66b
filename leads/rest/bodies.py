"""Validating the JSON door's lead bodies fast: the bodies sent most (text fields, a list id
and options) without DRF's per-field layers, with the same result as ``LeadAddSerializer``
(``lead_add_validated``); any other body goes through DRF, which words the errors.
"""

import json

from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

from ..rules import LEAD_TEXT_FIELDS
from .serializers import LeadAddSerializer

# Serializers built once: DRF copies every declared field whenever a serializer is made,
# which costs more than the lead's whole database work. Validation and representation keep
# no state on the instance, so one of each serves every request of a process.
_LEAD_ADD = LeadAddSerializer()


def lead_add_validated(data) -> dict:
    """A lead's body validated as ``LeadAddSerializer`` (raises its ValidationError)."""
    return _plain_lead_validated(data) or _LEAD_ADD.run_validation(data)


_TEXT_MAX = _LEAD_ADD.fields["phone_number"].max_length
_LIST_ID = _LEAD_ADD.fields["list_id"]
# What run_validation gives for the fields a plain lead does not send: their defaults.
_PLAIN_DEFAULTS = {
    name: field.get_default()
    for name, field in _LEAD_ADD.fields.items()
    if name not in LEAD_TEXT_FIELDS and name != "list_id" and field.default is not empty
}
_PLAIN_FIELDS = frozenset(LEAD_TEXT_FIELDS) | {"list_id", "options"}
_OPTIONS = _LEAD_ADD.fields["options"]
# Validated options by their JSON text (which tells true from 1): callers send the same few
# options with every lead, and validating them is pure.
_VALID_OPTIONS: dict[str, dict] = {}


def _options_validated(options) -> dict | None:
    """``options`` as ``AddOptionsSerializer`` validates them, None when they are not an
    object or not valid (DRF then validates the whole body, and words the errors)."""
    if type(options) is not dict:
        return None
    text = json.dumps(options, sort_keys=True)
    valid = _VALID_OPTIONS.get(text)
    if valid is None:
        try:
            valid = _OPTIONS.run_validation(options)
        except ValidationError:
            return None
        if len(_VALID_OPTIONS) >= 256:
            _VALID_OPTIONS.clear()
        _VALID_OPTIONS[text] = valid
    return dict(valid)


def _plain_lead_validated(data) -> dict | None:
    """``run_validation``'s result for the bodies sent most (text fields, a list id and
    options, nothing else), without DRF's per-field layers (a batch validates 1,000); None
    for any other body, which DRF validates. A plain body is valid exactly when each text
    value is a string DRF's CharField keeps as it is (at most ``_TEXT_MAX`` characters,
    ASCII without NUL: no character its validators refuse), the list id an int within its
    bounds and the options valid; a test compares the two on such bodies and their edges."""
    if type(data) is not dict or "phone_number" not in data or not data.keys() <= _PLAIN_FIELDS:
        return None
    valid = dict.fromkeys(LEAD_TEXT_FIELDS, "")
    for name, value in data.items():
        if name == "options":
            if (options := _options_validated(value)) is None:
                return None
            valid[name] = options
            continue
        if name == "list_id":
            if type(value) is not int or not _LIST_ID.min_value <= value <= _LIST_ID.max_value:
                return None
        elif (
            type(value) is not str
            or len(value) > _TEXT_MAX
            or not value.isascii()
            or "\x00" in value
        ):
            return None
        valid[name] = value
    valid.update(_PLAIN_DEFAULTS)
    return valid
