"""/api/v1/: the JSON door (see README, "JSON API")."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views
from .pages import ProblemTypeView

app_name = "rest"

urlpatterns = [
    path("leads/", views.LeadCollectionView.as_view(), name="leads"),
    path("leads/batch/", views.LeadBatchView.as_view(), name="leads-batch"),
    path("leads/<int:lead_id>/", views.LeadDetailView.as_view(), name="lead"),
    path("problems/<slug:slug>/", ProblemTypeView.as_view(), name="problem"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="rest:schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="rest:schema", template_name="rest/redoc.html"),
        name="redoc",
    ),
]
