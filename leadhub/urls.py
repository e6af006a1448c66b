from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from leads.api.views import lmapi

urlpatterns = [
    # D1: the product's documented URL and the original's, so callers change only the host.
    path("API/lmapi.php", lmapi, name="lmapi"),
    path("vicidial/non_agent_api.php", lmapi, name="non_agent_api"),
    path("api/v1/", include("leads.rest.urls")),
    path("admin/", admin.site.urls),
    # The admin is the only site: the bare host name leads there.
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
]
