"""/api/v1/: the JSON door (see README, "JSON API")."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views, views_imports, views_more
from .pages import NoSuchResourceView, ProblemTypeView

app_name = "rest"

urlpatterns = [
    path("leads/", views.LeadCollectionView.as_view(), name="leads"),
    path("leads/batch/", views.LeadBatchView.as_view(), name="leads-batch"),
    path("leads/<int:lead_id>/", views.LeadDetailView.as_view(), name="lead"),
    path("lists/", views_more.ListsView.as_view(), name="lists"),
    path("campaigns/", views_more.CampaignsView.as_view(), name="campaigns"),
    path("dnc/", views_more.DncCollectionView.as_view(), name="dnc"),
    path("dnc/<str:phone_number>/", views_more.DncEntryView.as_view(), name="dnc-entry"),
    path("imports/", views_imports.ImportCollectionView.as_view(), name="imports"),
    path("imports/<int:job_id>/", views_imports.ImportDetailView.as_view(), name="import"),
    path(
        "imports/<int:job_id>/result/",
        views_imports.ImportResultView.as_view(),
        name="import-result",
    ),
    path("problems/<slug:slug>/", ProblemTypeView.as_view(), name="problem"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="rest:schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="rest:schema", template_name="rest/redoc.html"),
        name="redoc",
    ),
    re_path(r"", NoSuchResourceView.as_view(), name="no-such-resource"),
]
