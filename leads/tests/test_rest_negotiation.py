"""The JSON door's shortcut through content negotiation picks what DRF's negotiation picks,
and leaves every other Accept header (and 406) to DRF."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from leads.rest.views import LeadCollectionView

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html",
    "text/html, */*;q=0.1",
]


def _picked(negotiate, view, accept: str | None, query: str = ""):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().post(f"/api/v1/leads/{query}", **headers))
    try:
        renderer, media_type = negotiate(view, request)
    except NotAcceptable:
        return "406"
    except Http404:  # a format no renderer has
        return "404"
    return type(renderer), media_type


@pytest.mark.parametrize("query", ["", "?format=json", "?format=csv"])
@pytest.mark.parametrize("accept", ACCEPTS)
def test_negotiation_picks_what_drf_picks(accept, query):
    view = LeadCollectionView()
    view.format_kwarg = None
    shortcut = _picked(LeadCollectionView.perform_content_negotiation, view, accept, query)
    drf = _picked(APIView.perform_content_negotiation, view, accept, query)
    assert shortcut == drf
