"""The JSON door's base view: API-key authentication, the legacy door's permissions, per-key
throttling, JSON in and out, refusals as problem documents."""

from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .auth import ApiFunctionPermission, ApiKeyAuthentication, ApiKeyRateThrottle
from .problems import problem_exception_handler


def dry_run_requested(request) -> bool:
    """``?dry_run=true`` (or 1, yes): every check, nothing written."""
    return request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}


class ApiView(APIView):
    """Each view names the legacy API function it stands for (``api_function``): the user's
    allowed functions must include it, as on the legacy door; ``writes`` views also need the
    permission to add leads."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ApiFunctionPermission]
    throttle_classes = [ApiKeyRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    api_function = ""
    writes = False
    # Per method, when a view's methods stand for different functions.
    api_functions: dict[str, str] = {}

    def api_function_for(self, request) -> str:
        return self.api_functions.get(request.method, self.api_function)

    def writes_for(self, request) -> bool:
        return self.writes and request.method not in {"GET", "HEAD", "OPTIONS"}

    def get_exception_handler(self):
        return problem_exception_handler

    def perform_content_negotiation(self, request, force: bool = False):
        # What DRF's negotiation picks for what callers send most (no Accept header, */* or
        # JSON, no format override): the first renderer, when it is JSON. Anything else is
        # negotiated by DRF, 406 included.
        renderers = self.get_renderers()
        if (
            renderers[0].media_type == _JSON
            and request.META.get("HTTP_ACCEPT", "*/*") in _ANY_OR_JSON
            and self.format_kwarg is None
            and _FORMAT not in request.GET
        ):
            return renderers[0], _JSON
        return super().perform_content_negotiation(request, force)


_JSON = "application/json"
_ANY_OR_JSON = frozenset({"*/*", _JSON})
_FORMAT = api_settings.URL_FORMAT_OVERRIDE
