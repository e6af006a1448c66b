from django.contrib import admin
from django.urls import include, path

from leads.api.views import lmapi

admin.site.site_header = "LeadHub"
admin.site.site_title = "LeadHub"
admin.site.index_title = "Leads, lists, campaigns and imports"

urlpatterns = [
    # D1: the product's documented URL and the original's, so callers change only the host.
    path("API/lmapi.php", lmapi, name="lmapi"),
    path("vicidial/non_agent_api.php", lmapi, name="non_agent_api"),
    path("api/v1/", include("leads.rest.urls")),
    path("admin/", admin.site.urls),
]
