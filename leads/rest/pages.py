"""The pages problem ``type`` URIs point at: what each refusal means."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .problems import PROBLEM_TYPES, problem_exception_handler
from .schema import not_found


class ProblemTypePageSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="This page's URI, as problem documents carry it.")
    title = serializers.CharField(help_text="The reason in a few words.")
    status = serializers.IntegerField(help_text="The HTTP status it comes with.")
    description = serializers.CharField(help_text="What it means and what to do.")


class ProblemTypeView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return problem_exception_handler

    @extend_schema(
        operation_id="problem_type",
        summary="What a problem type means",
        responses={200: ProblemTypePageSerializer, **not_found("not-found")},
    )
    def get(self, request, slug: str) -> Response:
        problem = PROBLEM_TYPES.get(slug)
        if problem is None:
            raise Http404
        return Response(
            {
                "type": problem.uri,
                "title": problem.title,
                "status": problem.status,
                "description": problem.description,
            }
        )


@extend_schema(exclude=True)
class NoSuchResourceView(APIView):
    """Any other path under /api/v1/: a problem document, not Django's HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return problem_exception_handler

    def handle(self, request, *args, **kwargs):
        raise Http404

    get = post = put = patch = delete = head = options = handle
