"""Matching the columns of an uploaded file to lead fields.

A mapping is ``{column index: field}``, where a field is an add_lead parameter name (see
``STANDARD_LAYOUT``) or the label of a custom field of the target list, exactly as the caller
passed it. Column indexes are 0-based positions in the cell lists ``reading.iter_rows`` yields.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from leads.rules import STANDARD_LAYOUT, STANDARD_LEAD_COLUMNS

# Header texts vendors use for each field besides the field name itself, separated by " | ".
# They are compared after normalise_header(): case, spaces, punctuation and accents do not matter.
_VARIANTS: dict[str, str] = {
    "vendor_lead_code": (
        "Vendor Code | Vendor ID | Vendor Lead ID | Vendor Lead | Lead ID | Lead Code | "
        "Lead Number | Lead No | Lead Ref | Reference | Ref | Customer ID | Record ID | "
        "External ID | ID"
    ),
    "source_id": "Source | Lead Source | Source Code",
    "list_id": "List | List Number | List No",
    "phone_code": (
        "Dial Code | Dialing Code | Dialling Code | Calling Code | Country Calling Code | "
        "Country Dial Code | Phone Country Code | Intl Code"
    ),
    "phone_number": (
        "Phone | Phone No | Phone # | Phone 1 | Telephone | Telephone Number | Tel | "
        "Tel No | Mobile | Mobile Number | Mobile Phone | Mobile No | Cell | Cell Phone | "
        "Cell Number | Home Phone | Primary Phone | Main Phone | Contact Number | "
        "Contact Phone | Number | Phone Num | Telefon | Telefono | Telephone 1"
    ),
    "title": "Salutation | Honorific | Prefix | Civility",
    "first_name": (
        "First | Fname | Given Name | Given Names | Forename | Forenames | Christian Name | "
        "Prenom | Vorname | Nombre"
    ),
    "middle_initial": "MI | Middle | Middle Name | Initial | Middle Init",
    "last_name": "Last | Lname | Surname | Family Name | Nom | Nachname | Apellido | Apellidos",
    "address1": (
        "Address | Address 1 | Address Line 1 | Address Line | Addr | Addr 1 | Street | "
        "Street 1 | Street Address | Street Line 1 | Adresse | Direccion"
    ),
    "address2": (
        "Address 2 | Address Line 2 | Addr 2 | Street 2 | Street Line 2 | Apt | Apartment | "
        "Suite | Apt/Suite | Unit"
    ),
    "address3": "Address 3 | Address Line 3 | Addr 3 | Street 3 | Street Line 3",
    "city": "Town | City/Town | Town/City | Locality | Ville | Stadt | Ciudad",
    "state": "ST | State Code | State/Province | State Province | State Abbreviation",
    "province": "Prov | Province/Region",
    "postal_code": (
        "Postal | Postcode | Post Code | Zip | Zip Code | Zipcode | ZIP+4 | Zip Postal | "
        "Zip/Postal Code | Postal/Zip Code | PLZ | Code Postal | Codigo Postal"
    ),
    "country_code": "Country | Country ISO | ISO Country | Country Name | Nation",
    "gender": "Sex",
    "date_of_birth": "DOB | D.O.B. | Birth Date | Birthdate | Birthday | Date Born | Born",
    "alt_phone": (
        "Alt Phone | Alt Phone Number | Alt Number | Alternate Phone | Alternative Phone | "
        "Alternate Number | Phone 2 | Telephone 2 | Second Phone | Secondary Phone | "
        "Other Phone | Work Phone | Business Phone | Office Phone | Mobile 2"
    ),
    "email": "E-mail | Email Address | E-mail Address | Mail | Courriel",
    "security_phrase": "Security | Security Word | Passphrase",
    "comments": "Comment | Notes | Note | Remarks | Remark | Memo | Description",
    "rank": "Priority | Lead Rank",
    "owner": "Agent | Assigned To | Assigned Agent | Lead Owner | Rep | Sales Rep",
}

# A second phone-like column, once phone_number is taken ("Phone" and "Mobile" side by side).
_SECOND_CHOICE = {"phone_number": "alt_phone"}

_NOT_WORD = re.compile(r"[\W_]+")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]+")


def normalise_header(text: str) -> str:
    """The comparable form of a header text: case-folded letters and digits only, accents
    removed ('E-mail ' -> 'email', 'Prénom' -> 'prenom', 'First_Name' -> 'firstname')."""
    decomposed = unicodedata.normalize("NFKD", text)
    unaccented = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub("", unaccented.casefold())


def _build_index() -> dict[str, tuple[int, str]]:
    index: dict[str, tuple[int, str]] = {}
    for field in STANDARD_LAYOUT:
        index[normalise_header(field)] = (0, field)
    for field, variants in _VARIANTS.items():
        for variant in variants.split(" | "):
            key = normalise_header(variant)
            if index.get(key, (1, field))[1] != field:
                raise ValueError(f"header variant {variant!r} is claimed by two fields")
            index.setdefault(key, (1, field))
    return index


# normalised header -> (0 for the field's own name, 1 for a variant; the field)
_HEADER_INDEX = _build_index()


def field_for_header(text: str) -> str | None:
    """The lead field a header text names (its own name or a known variant), or None."""
    hit = _HEADER_INDEX.get(normalise_header(text))
    return hit[1] if hit else None


def looks_like_phone(value: str) -> bool:
    """Whether a cell reads as a phone number: 10 to 15 digits with only phone punctuation
    (spaces, dashes, dots, brackets, slashes, one leading '+') around them."""
    text = _PHONE_PUNCTUATION.sub("", value.strip())
    if text.startswith("+"):
        text = text[1:]
    return text.isdigit() and text.isascii() and 10 <= len(text) <= 15


def guess_phone_column(
    sample: Sequence[Sequence[str]], *, exclude: Iterable[int] = ()
) -> int | None:
    """The column of the sample rows whose cells are mostly (at least half) phone numbers;
    the one with the most of them wins, then the leftmost. None when no column qualifies."""
    if not sample:
        return None
    skipped = set(exclude)
    counts: dict[int, int] = {}
    for row in sample:
        for index, cell in enumerate(row):
            if index not in skipped and looks_like_phone(cell):
                counts[index] = counts.get(index, 0) + 1
    best = max(counts.items(), key=lambda item: (item[1], -item[0]), default=None)
    if best is None or best[1] * 2 < len(sample):
        return None
    return best[0]


def auto_map(
    header: Sequence[str] | None,
    *,
    custom_labels: Iterable[str] = (),
    sample: Sequence[Sequence[str]] = (),
) -> dict[int, str]:
    """Propose a mapping from the header row (None when the file has none).

    Header texts match a field by its name, a known variant or a custom field label of the
    target list (``custom_labels``; labels that are standard lead columns are never custom).
    A field's own name beats a custom label, which beats a variant; among equals the leftmost
    column wins. Each field is used at most once, except that a second phone column becomes
    alt_phone. When no header names the phone number, the column of ``sample`` (the first data
    rows) that mostly holds phone numbers is taken, else an alt_phone column is promoted.
    The result is ordered by column; unmatched columns are left out.
    """
    custom: dict[str, str] = {}
    for label in custom_labels:
        key = normalise_header(label)
        if key and label not in STANDARD_LEAD_COLUMNS:
            custom.setdefault(key, label)

    candidates: list[tuple[int, int, str]] = []  # (rank, column, field)
    for column, text in enumerate(header or ()):
        key = normalise_header(text)
        hit = _HEADER_INDEX.get(key)
        if hit and hit[0] == 0:
            candidates.append((0, column, hit[1]))
        elif key in custom:
            candidates.append((1, column, custom[key]))
        elif hit:
            candidates.append((2, column, hit[1]))

    mapping: dict[int, str] = {}
    for _, column, field in sorted(candidates):
        if field not in mapping.values():
            mapping[column] = field
    for _, column, field in sorted(candidates):
        second = _SECOND_CHOICE.get(field)
        if column not in mapping and second and second not in mapping.values():
            mapping[column] = second

    if "phone_number" not in mapping.values():
        column = guess_phone_column(sample, exclude=mapping)
        if column is None:
            column = next((c for c, f in mapping.items() if f == "alt_phone"), None)
        if column is not None:
            mapping[column] = "phone_number"
    return dict(sorted(mapping.items()))


def standard_layout_map(column_count: int) -> dict[int, str]:
    """The original loader's fixed column order, for a file of ``column_count`` columns."""
    return dict(enumerate(STANDARD_LAYOUT[: max(column_count, 0)]))


def apply_mapping(cells: Sequence[str], mapping: Mapping[int, str]) -> dict[str, str]:
    """``{field: cell}`` for one row. A mapped column the row does not reach gives ''."""
    width = len(cells)
    return {field: cells[column] if column < width else "" for column, field in mapping.items()}
