"""Who adds a lead, as every door tells the pipeline."""

from dataclasses import dataclass

from ..models import Lead


@dataclass(frozen=True)
class LeadActor:
    """Who adds the lead: the name stored in Lead.user and, for a list-restricted user, the
    list ids (as text) they may use; None means every list."""

    user: str
    allowed_list_ids: frozenset[str] | None = None
    door: str = Lead.Door.API
