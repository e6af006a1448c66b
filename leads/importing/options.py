"""The options of an import: the pipeline's typed ``AddOptions`` for every row, plus what only
an import has (a default phone code, keeping refused duplicates for review).

Doors build them directly (the upload page's form, the ``import_leads`` command); a job keeps
them as JSON of neutral names (``ImportJob.options``, ``ImportTemplate.options``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from campaigns.selectors import campaign_get
from leads.rules import clean_value
from leads.services.request import AddOptions, DncMode, options_from_json, options_to_json

_IMPORT_ONLY = ("phone_code", "review_duplicates")
_KNOWN_NAMES = frozenset(options_to_json(AddOptions())) | frozenset(_IMPORT_ONLY)


@dataclass(frozen=True)
class ImportOptions:
    add: AddOptions = AddOptions()
    # The phone code of rows without one ("" means 1).
    phone_code: str = ""
    review_duplicates: bool = False

    def to_json(self) -> dict:
        return {
            **options_to_json(self.add),
            "phone_code": self.phone_code,
            "review_duplicates": self.review_duplicates,
        }

    @classmethod
    def from_json(cls, data: Mapping | None) -> "ImportOptions":
        """Options as ``to_json`` stored them; raises ValueError for unknown names or
        values."""
        data = data or {}
        if unknown := sorted(set(data) - _KNOWN_NAMES):
            raise ValueError(f"Unknown import option(s): {', '.join(unknown)}.")
        return cls(
            add=options_from_json(data),
            phone_code=str(data.get("phone_code") or ""),
            review_duplicates=bool(data.get("review_duplicates")),
        )


def import_options_clean(options: ImportOptions) -> ImportOptions:
    """The options with the API's filters applied to their texts; raises ValueError with a
    message for the person who chose them."""
    add = options.add
    campaign_id = clean_value("campaign_id", add.campaign_id, non_latin=False)
    if add.campaign_dnc is not DncMode.OFF:
        if not campaign_id:
            raise ValueError("The campaign DNC check needs a campaign.")
        if campaign_get(campaign_id) is None:
            raise ValueError(f"There is no campaign {campaign_id!r}.")
    statuses = frozenset(s.strip().upper() for s in add.duplicates.statuses) - {""}
    return replace(
        options,
        add=replace(
            add,
            campaign_id=campaign_id,
            duplicates=replace(add.duplicates, statuses=statuses),
        ),
        phone_code=clean_value("phone_code", options.phone_code, non_latin=False),
    )
