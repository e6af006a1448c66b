"""Refusals of the JSON door as RFC 9457 problem documents (``application/problem+json``).

Every reason has one ``ProblemType``: a stable ``type`` URI (a page of this API that
describes it), a title and an HTTP status. Clients branch on ``type``, never on ``detail``
(which is worded for people and may change). The pipeline's rejections map to types by their
``Rejection`` enum; DRF's own errors (validation, authentication, throttling, ...) are turned
into problem documents by ``problem_exception_handler``.
"""

from dataclasses import dataclass

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..outcomes import LeadRejected, Rejection
from ..wording import check_code, rejection_text

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_PATH = "/api/v1/problems/"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str
    status: int
    description: str

    @property
    def uri(self) -> str:
        return f"{PROBLEM_PATH}{self.slug}/"


PROBLEM_TYPES: dict[str, ProblemType] = {}


def _declare(slug: str, title: str, status_code: int, description: str) -> ProblemType:
    problem = ProblemType(slug, title, status_code, description)
    PROBLEM_TYPES[slug] = problem
    return problem


# --- refusals of a lead by the pipeline ----------------------------------------------------
LIST_NOT_ALLOWED = _declare(
    "list-not-allowed",
    "List not allowed",
    status.HTTP_403_FORBIDDEN,
    "The API user is restricted to the lists of its user group, and this list is not one.",
)
LIST_NOT_DEFINED = _declare(
    "list-not-defined",
    "List does not exist",
    status.HTTP_422_UNPROCESSABLE_ENTITY,
    "list_exists_check was on and no list has this id.",
)
INVALID_PHONE = _declare(
    "invalid-phone",
    "Invalid phone number",
    status.HTTP_422_UNPROCESSABLE_ENTITY,
    "The phone number failed a phone check; `phone_problem` says which "
    "(length, prefix, areacode, nanpa_areacode_prefix).",
)
DNC = _declare(
    "dnc",
    "Number on the DNC list",
    status.HTTP_422_UNPROCESSABLE_ENTITY,
    "The number (or its area-code wildcard) is on the system do-not-call list.",
)
CAMPAIGN_DNC = _declare(
    "campaign-dnc",
    "Number on the campaign's DNC list",
    status.HTTP_422_UNPROCESSABLE_ENTITY,
    "The number (or its area-code wildcard) is on the do-not-call list of the campaign.",
)
DUPLICATE = _declare(
    "duplicate",
    "Duplicate lead",
    status.HTTP_409_CONFLICT,
    "A duplicate check found an existing lead; `duplicate` names its id, list and the check.",
)
REJECTION_PROBLEMS: dict[Rejection, ProblemType] = {
    Rejection.NOT_ALLOWED_LIST: LIST_NOT_ALLOWED,
    Rejection.NOT_DEFINED_LIST: LIST_NOT_DEFINED,
    Rejection.INVALID_PHONE: INVALID_PHONE,
    Rejection.DNC: DNC,
    Rejection.CAMPAIGN_DNC: CAMPAIGN_DNC,
    Rejection.DUPLICATE: DUPLICATE,
}
assert set(REJECTION_PROBLEMS) == set(Rejection)

# --- the caller and the request --------------------------------------------------------------
VALIDATION = _declare(
    "validation-error",
    "Invalid request",
    status.HTTP_400_BAD_REQUEST,
    "The body does not match the schema; `errors` maps each field to its messages.",
)
MALFORMED = _declare(
    "malformed-request", "Malformed request", status.HTTP_400_BAD_REQUEST, "The body is not JSON."
)
NOT_AUTHENTICATED = _declare(
    "not-authenticated",
    "API key required",
    status.HTTP_401_UNAUTHORIZED,
    "Send the key as `Authorization: Api-Key <key>`.",
)
INVALID_KEY = _declare(
    "invalid-api-key",
    "Invalid API key",
    status.HTTP_401_UNAUTHORIZED,
    "The key is unknown, revoked or expired.",
)
USER_NOT_PERMITTED = _declare(
    "user-not-permitted",
    "User may not use the API",
    status.HTTP_403_FORBIDDEN,
    "The key's user is inactive, below user level 7, or may not do this (adding leads and "
    "changing DNC lists need API access, modify_leads 1-4 and user level 8).",
)
FUNCTION_NOT_ALLOWED = _declare(
    "function-not-allowed",
    "Function not allowed",
    status.HTTP_403_FORBIDDEN,
    "The user's allowed API functions do not include the one this operation is.",
)
IP_BLOCKED = _declare(
    "ip-blocked",
    "Address not allowed",
    status.HTTP_403_FORBIDDEN,
    "IP lists are on and the caller's address is on the system blacklist or not on the "
    "user group's API list.",
)
USER_GROUP_MISSING = _declare(
    "user-group-missing",
    "User group does not exist",
    status.HTTP_403_FORBIDDEN,
    "The user is restricted to its group's lists, and its group does not exist.",
)
NOT_FOUND = _declare("not-found", "Not found", status.HTTP_404_NOT_FOUND, "No such resource.")
METHOD_NOT_ALLOWED = _declare(
    "method-not-allowed",
    "Method not allowed",
    status.HTTP_405_METHOD_NOT_ALLOWED,
    "This resource does not answer this HTTP method.",
)
NOT_ACCEPTABLE = _declare(
    "not-acceptable",
    "Not acceptable",
    status.HTTP_406_NOT_ACCEPTABLE,
    "The API answers JSON only.",
)
UNSUPPORTED_MEDIA_TYPE = _declare(
    "unsupported-media-type",
    "Unsupported media type",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "Send the body as application/json (import files as multipart/form-data).",
)
THROTTLED = _declare(
    "throttled",
    "Too many requests",
    status.HTTP_429_TOO_MANY_REQUESTS,
    "The key's rate limit is used up; retry after `Retry-After` seconds.",
)
IDEMPOTENCY_KEY_REUSED = _declare(
    "idempotency-key-reused",
    "Idempotency-Key used with another request",
    status.HTTP_422_UNPROCESSABLE_ENTITY,
    "This Idempotency-Key was sent within 24 hours with another method, path or body.",
)
IDEMPOTENCY_KEY_IN_FLIGHT = _declare(
    "idempotency-key-in-flight",
    "Request with this Idempotency-Key still running",
    status.HTTP_409_CONFLICT,
    "The first request with this Idempotency-Key has not answered yet; retry later.",
)
IDEMPOTENCY_KEY_INVALID = _declare(
    "idempotency-key-invalid",
    "Invalid Idempotency-Key",
    status.HTTP_400_BAD_REQUEST,
    "The Idempotency-Key header must be 1 to 255 printable ASCII characters.",
)
IMPORT_NOT_CONFIGURED = _declare(
    "import-not-configured",
    "Import settings refused",
    status.HTTP_422_UNPROCESSABLE_ENTITY,
    "The list, mapping or options of the import cannot be used (`detail` says why), or the "
    "same file was already loaded into this list (send confirm_same_upload).",
)
UNREADABLE_FILE = _declare(
    "unreadable-file",
    "File cannot be read",
    status.HTTP_422_UNPROCESSABLE_ENTITY,
    "The file is too large or not a CSV, TXT, XLSX, XLS or ODS lead file.",
)
RESULT_NOT_READY = _declare(
    "result-not-ready",
    "Result file not written yet",
    status.HTTP_409_CONFLICT,
    "The import has not finished writing this result file; poll the job and retry.",
)
SERVER_ERROR = _declare(
    "server-error",
    "Server error",
    status.HTTP_500_INTERNAL_SERVER_ERROR,
    "The server failed; nothing was written.",
)


class Problem(exceptions.APIException):
    """A refusal: raise it from a view (or an authentication or permission class)."""

    def __init__(self, problem: ProblemType, detail: str = "", **extensions) -> None:
        super().__init__(detail or problem.title)
        self.problem = problem
        self.status_code = problem.status
        self.extensions = extensions


def problem_document(problem: ProblemType, detail: str = "", **extensions) -> dict:
    return {
        "type": problem.uri,
        "title": problem.title,
        "status": problem.status,
        "detail": detail or problem.title,
        **extensions,
    }


def problem_response(
    problem: ProblemType, detail: str = "", *, headers=None, **extensions
) -> Response:
    return Response(
        problem_document(problem, detail, **extensions),
        status=problem.status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def rejection_extensions(rejected: LeadRejected) -> dict:
    """The machine-readable details of a pipeline refusal (``reason`` is the Rejection)."""
    extensions: dict = {"reason": rejected.reason.value}
    if rejected.phone_problem is not None:
        extensions["phone_problem"] = rejected.phone_problem.value
    hit = rejected.duplicate
    if hit is not None:
        extensions["duplicate"] = {
            "lead_id": hit.lead_id,
            "list_id": hit.list_id,
            "check": hit.check.value,
            "check_code": check_code(hit.check),
            "matched": hit.matched.value,
        }
    return extensions


def rejection_problem(rejected: LeadRejected, **more) -> dict:
    """The problem document of a lead the pipeline refused."""
    problem = REJECTION_PROBLEMS[rejected.reason]
    return problem_document(
        problem, rejection_text(rejected), **rejection_extensions(rejected), **more
    )


_DRF_PROBLEMS: list[tuple[type[Exception], ProblemType]] = [
    (exceptions.ValidationError, VALIDATION),
    (exceptions.ParseError, MALFORMED),
    (exceptions.NotAuthenticated, NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, INVALID_KEY),
    (exceptions.PermissionDenied, USER_NOT_PERMITTED),
    (exceptions.NotFound, NOT_FOUND),
    (Http404, NOT_FOUND),
    (exceptions.MethodNotAllowed, METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, THROTTLED),
]


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER for the JSON door: every refusal as a problem document.
    Anything else (a bug) propagates to Django's 500 handling, as DRF's default does."""
    headers = {}
    if isinstance(exc, Problem):
        if exc.problem.status == status.HTTP_401_UNAUTHORIZED:
            headers["WWW-Authenticate"] = "Api-Key"
        return problem_response(exc.problem, str(exc.detail), headers=headers, **exc.extensions)
    problem = next((p for kind, p in _DRF_PROBLEMS if isinstance(exc, kind)), None)
    if problem is None:
        return None
    extensions = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = "The request body does not match the schema."
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        extensions["errors"] = errors
    elif isinstance(exc, exceptions.APIException):
        detail = str(exc.detail)
    else:
        detail = problem.title
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers["WWW-Authenticate"] = "Api-Key"
    return problem_response(problem, detail, headers=headers, **extensions)
