"""Keeping a refused duplicate for the review queue (``leads.review`` resolves them)."""

from ..models import DuplicateReview
from ..outcomes import DuplicateCheck
from .request import LeadRequest, options_to_json

# The key of ``DuplicateReview.incoming`` that keeps the request's options (API duplicates).
OPTIONS_KEY = "options"


def review_incoming(request: LeadRequest) -> dict:
    """The incoming lead as a review keeps it: the cleaned lead fields, list, date of birth,
    rank and entry list as text, and the options it was checked with."""
    birth = request.date_of_birth
    return {
        **request.fields._asdict(),
        "list_id": request.list_id,
        "date_of_birth": birth.isoformat() if birth else "",
        "rank": str(request.rank),
        "entry_list_id": str(request.entry_list_id),
        OPTIONS_KEY: options_to_json(request.options),
    }


def duplicate_review_new(
    *,
    source: str,
    list_id: int,
    incoming: dict,
    existing_lead_id: int | None,
    duplicate_check: DuplicateCheck,
    import_job_id: int | None = None,
    row_number: int | None = None,
) -> DuplicateReview:
    """An unsaved review row: a rejected duplicate kept for a supervisor to discard, insert
    or merge later (an import stores a batch's rows in one statement)."""
    return DuplicateReview(
        source=source,
        list_id=list_id,
        incoming=incoming,
        existing_lead_id=existing_lead_id,
        duplicate_check=duplicate_check.value,
        import_job_id=import_job_id,
        row_number=row_number,
    )


def duplicate_review_add(**fields) -> DuplicateReview:
    """Keep a rejected duplicate for the review queue (``duplicate_review_new``'s row)."""
    review = duplicate_review_new(**fields)
    review.save(force_insert=True)
    return review
