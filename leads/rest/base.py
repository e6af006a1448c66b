"""The JSON door's base view: API-key authentication, the legacy door's permissions, per-key
throttling, JSON in and out, refusals as problem documents."""

from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
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
