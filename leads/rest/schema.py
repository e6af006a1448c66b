"""What the OpenAPI schema says beyond the serializers: parameters, answers, examples of each
refusal (drf-spectacular reads these from the views' ``extend_schema``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from . import problems
from .outputs import LeadAddedSerializer, LeadSerializer, OutcomeSerializer, ProblemSerializer
from .problems import PROBLEM_CONTENT_TYPE, ProblemType, problem_document

DRY_RUN = OpenApiParameter(
    "dry_run",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    description="true: run every check and answer as for real, but write nothing (ids are null).",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='A unique value per operation, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324": '
    "a retry with the same key and body within 24 hours gets the first answer again "
    "(header Idempotent-Replayed: true) without a second write.",
)
PAGE_SIZE = OpenApiParameter(
    "page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Leads per page (max 1000)."
)

ADD_DESCRIPTION = """Checks and adds one lead through the lead pipeline, as the legacy
`add_lead` does: list permission and existence, phone checks, DNC, duplicate checks, time
zone, then the lead with its alt phones, custom values, hopper row and callback.

Answers 201 with the stored lead and the outcome, 200 in a dry run, or a problem document
(`application/problem+json`) whose `type` names the reason."""

BATCH_DESCRIPTION = """Adds up to 1,000 leads, each through the lead pipeline in the order
sent, and answers each one's outcome. A lead added earlier in the batch counts for the
duplicate checks of later ones (`duplicate_in_batch`, with `earlier_item`). The batch runs in
one transaction. `atomic: false` (the default): a refused lead leaves the others be (a
refusal writes nothing), and the added ones are kept together at the end. `atomic: true`:
any refused or invalid lead rolls the whole batch back (`committed: false`)."""


def _example(problem: ProblemType, detail: str, **extensions) -> OpenApiExample:
    return OpenApiExample(
        problem.slug,
        value=problem_document(problem, detail, **extensions),
        response_only=True,
        status_codes=[str(problem.status)],
        media_type=PROBLEM_CONTENT_TYPE,
    )


ADD_EXAMPLES = [
    OpenApiExample(
        "lead",
        request_only=True,
        value={
            "list_id": 101,
            "phone_number": "7275551234",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "custom_fields": {"color": "blue"},
            "options": {
                "dnc": "areacode",
                "duplicate_checks": ["phone:list"],
                "add_to_hopper": True,
                "hopper_priority": 5,
            },
        },
    ),
    _example(
        problems.DUPLICATE,
        "Duplicate of lead 8765444 in list 101 (DUPLIST)",
        reason="duplicate",
        duplicate={
            "lead_id": 8765444,
            "list_id": 101,
            "check": "phone:list",
            "check_code": "DUPLIST",
            "matched": "phone",
        },
    ),
    _example(problems.DNC, "Number is on the DNC list", reason="dnc"),
    _example(
        problems.CAMPAIGN_DNC, "Number is on the DNC list of the campaign", reason="campaign_dnc"
    ),
    _example(
        problems.INVALID_PHONE,
        "Invalid phone number length (6 to 16 digits)",
        reason="invalid_phone",
        phone_problem="length",
    ),
    _example(
        problems.LIST_NOT_ALLOWED, "You may not add leads to this list", reason="not_allowed_list"
    ),
    _example(problems.LIST_NOT_DEFINED, "This list does not exist", reason="not_defined_list"),
    _example(
        problems.VALIDATION,
        "The request body does not match the schema.",
        errors={"phone_number": ["This field is required."]},
    ),
    _example(problems.INVALID_KEY, "Invalid API key"),
    _example(problems.THROTTLED, "Request was throttled. Expected available in 12 seconds."),
    _example(problems.IDEMPOTENCY_KEY_IN_FLIGHT, "Request with this Idempotency-Key still running"),
]


def problem_answer(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


def _common_problems() -> dict:
    return {
        400: problem_answer("validation-error, malformed-request, idempotency-key-invalid"),
        401: problem_answer("not-authenticated, invalid-api-key"),
        403: problem_answer(
            "user-not-permitted, function-not-allowed, ip-blocked, user-group-missing"
        ),
        429: problem_answer("throttled"),
    }


def as_problems(answers: dict[int, OpenApiResponse]) -> dict:
    """Problem answers keyed for the schema: by status and the problem media type."""
    return {(code, PROBLEM_CONTENT_TYPE): answer for code, answer in answers.items()}


def not_found(description: str) -> dict:
    return as_problems({404: problem_answer(description)})


def read_problems(*, not_found: bool = False) -> dict:
    answers = _common_problems()
    if not_found:
        answers[404] = problem_answer("not-found")
    return as_problems(answers)


def _write_problems() -> dict:
    answers = _common_problems()
    answers[409] = problem_answer("idempotency-key-in-flight")
    answers[415] = problem_answer("unsupported-media-type")
    answers[422] = problem_answer("idempotency-key-reused")
    return answers


def write_problems() -> dict:
    return as_problems(_write_problems())


def add_responses() -> dict:
    answers = _write_problems()
    answers[403] = problem_answer(
        "list-not-allowed, user-not-permitted, function-not-allowed, ip-blocked, user-group-missing"
    )
    answers[409] = problem_answer("duplicate, idempotency-key-in-flight")
    answers[422] = problem_answer(
        "invalid-phone, dnc, campaign-dnc, list-not-defined, idempotency-key-reused"
    )
    return {
        201: OpenApiResponse(LeadAddedSerializer, description="The lead was added."),
        200: OpenApiResponse(LeadAddedSerializer, description="Dry run: it would be added."),
        **as_problems(answers),
    }


class BatchCountsSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="Added (or would be, in a dry run).")
    refused = serializers.IntegerField(help_text="Refused by the pipeline.")
    duplicate_in_batch = serializers.IntegerField(help_text="Duplicates of earlier items.")
    invalid = serializers.IntegerField(help_text="Not matching the schema.")
    rolled_back = serializers.IntegerField(help_text="Added, then rolled back (atomic).")


class BatchItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The lead's position in `leads`, from 0.")
    status = serializers.ChoiceField(
        choices=["added", "refused", "duplicate_in_batch", "invalid", "rolled_back"],
        help_text="What became of the lead.",
    )
    lead = LeadSerializer(required=False, help_text="The stored lead (ids null if not kept).")
    outcome = OutcomeSerializer(required=False, help_text="What the pipeline did.")
    problem = ProblemSerializer(
        required=False, help_text="Why it was refused; `earlier_item` for an in-batch duplicate."
    )


class BatchResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(help_text="True when nothing was written.")
    atomic = serializers.BooleanField(help_text="One transaction for the whole batch.")
    committed = serializers.BooleanField(help_text="Whether the added leads were kept.")
    counts = BatchCountsSerializer(help_text="Items by status.")
    items = BatchItemSerializer(many=True, help_text="One per lead sent, in order.")


def batch_responses() -> dict:
    return {
        200: OpenApiResponse(BatchResultSerializer, description="Each lead's outcome."),
        **write_problems(),
    }


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "leads.rest.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API user\'s key, sent as "Api-Key <key>".',
        }
