"""The list rule: which list a lead goes to. Permission and the existence check compare the
list id as sent; an id of fewer than 3 digits then means the default list (L08, L16).

Single form ``list_for_lead`` (the API's add); batch form ``ListBatch`` (the importer's rows
that name their list: the same rule with the existence check, once per distinct id).
"""

from leads.outcomes import Rejection
from leads.rules import DEFAULT_LIST_ID, clamp_int
from leads.selectors import list_get


def list_for_lead(
    list_text: str, *, allowed: frozenset[str] | None, exists_check: bool
) -> int | Rejection:
    """The list id a lead with ``list_text`` is stored in, or why it is refused:
    NOT_ALLOWED_LIST when ``allowed`` (the actor's list ids; None: all) lacks it,
    NOT_DEFINED_LIST when ``exists_check`` finds no such list. One cached lookup at most."""
    if allowed is not None and list_text not in allowed:
        return Rejection.NOT_ALLOWED_LIST
    if exists_check and (not list_text or list_get(clamp_int(list_text, default=0)) is None):
        return Rejection.NOT_DEFINED_LIST
    if len(list_text) < 3:
        return DEFAULT_LIST_ID
    return clamp_int(list_text, default=DEFAULT_LIST_ID)


class ListBatch:
    """``list_for_lead`` over many rows, each distinct id answered once per run."""

    def __init__(self, *, allowed: frozenset[str] | None = None, exists_check: bool) -> None:
        self.allowed = allowed
        self.exists_check = exists_check
        self._memo: dict[str, int | Rejection] = {}

    def list_for(self, list_text: str) -> int | Rejection:
        found = self._memo.get(list_text)
        if found is None:
            found = self._memo[list_text] = list_for_lead(
                list_text, allowed=self.allowed, exists_check=self.exists_check
            )
        return found
