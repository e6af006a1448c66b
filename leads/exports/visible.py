"""The leads a user sees on the admin's lead list for a query string: the export's rows.

The export is defined by the lead list itself (``LeadAdmin``'s queryset, filters and search,
for that user), so an export can never hold a lead the user could not page through.
"""

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ALL_VAR, ERROR_FLAG, ORDER_VAR, PAGE_VAR
from django.contrib.messages import MessageFailure
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

from leads.models import Lead

# Query parameters of the page, not of the rows.
_PAGE_PARAMETERS = (ALL_VAR, ERROR_FLAG, ORDER_VAR, PAGE_VAR, "_changelist_filters")


class ExportQueryError(Exception):
    """The query string names filters the lead list does not accept."""


@dataclass(frozen=True)
class VisibleLeads:
    leads: QuerySet[Lead]
    count: int
    # The filters and search in words, e.g. "list: 101; status: NEW; search: smith".
    description: str


def export_query_clean(query: str) -> str:
    """``query`` without the parameters that choose a page, its order or the export form's."""
    params = QueryDict(query, mutable=True)
    for name in (*_PAGE_PARAMETERS, "file_format", "csrfmiddlewaretoken"):
        params.pop(name, None)
    return params.urlencode()


def leads_visible(*, user, query: str) -> VisibleLeads:
    """The leads ``user`` sees on the lead list with ``query`` applied. Raises
    PermissionDenied when the user may not view leads (any more), ExportQueryError when the
    query is not one the lead list accepts. Counts the rows (one COUNT query)."""
    model_admin = admin.site.get_model_admin(Lead)
    request = HttpRequest()
    request.method = "GET"
    request.user = user
    request.GET = QueryDict(export_query_clean(query))
    if not (user.is_active and user.is_staff and model_admin.has_view_permission(request)):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except (IncorrectLookupParameters, MessageFailure) as error:
        raise ExportQueryError("The lead list does not accept these filters.") from error
    return VisibleLeads(
        leads=changelist.queryset,
        count=changelist.result_count,
        description=_describe(changelist, request.GET),
    )


def _describe(changelist, params: QueryDict) -> str:
    parts = []
    for spec in changelist.filter_specs:
        if not set(spec.expected_parameters()) & set(params):
            continue
        chosen = [str(c["display"]) for c in spec.choices(changelist) if c.get("selected")]
        parts.append(f"{spec.title}: {', '.join(chosen) or '?'}")
    if changelist.query:
        parts.append(f"search: {changelist.query}")
    return "; ".join(parts) or "all leads"
