"""The lead pipeline: the services every door (legacy API, admin, review queue, importer)
calls. ``request`` holds its typed input, ``add`` the add, ``update`` the edit of a lead,
``review`` what the review queue keeps. The rules they share, each with a single and a batch
form, are in ``leads.pipeline`` (``lead_build``, the stored row, in ``pipeline.storage``)."""

from ..pipeline.storage import custom_value_clean, lead_build
from .actor import LeadActor
from .add import lead_add
from .request import LeadRequest
from .review import duplicate_review_add
from .update import (
    CUSTOM_PREFIX,
    LEAD_EDITABLE_TEXT_FIELDS,
    LeadChangeRefused,
    lead_change_problems,
    lead_update,
)

__all__ = [
    "CUSTOM_PREFIX",
    "LEAD_EDITABLE_TEXT_FIELDS",
    "LeadActor",
    "LeadChangeRefused",
    "LeadRequest",
    "custom_value_clean",
    "duplicate_review_add",
    "lead_add",
    "lead_build",
    "lead_change_problems",
    "lead_update",
]
