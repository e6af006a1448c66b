"""DNC lists in the admin, with bulk add/remove from a file: upload, check what will change on
a confirmation page, then apply in one transaction (``dnc.dnc_numbers_apply``).

The campaign DNC admin (campaigns/admin.py) uses the same mixin.
"""

import re
import uuid
from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import ngettext

from campaigns.models import Campaign, CampaignDnc

from ..dnc import dnc_entry_clean, dnc_file_read, dnc_numbers_apply, dnc_text_decode
from ..forms import DncUploadForm
from ..models import DncNumber
from ..selectors import dnc_numbers_present

# Entries (and bad lines) listed on the confirmation page; the rest are counted.
SHOWN = 200
# The checked entries wait in a storage file between the two steps (a hidden field of a
# million numbers would exceed Django's request size limit).
PENDING_DIR = "dnc-bulk"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
PENDING_MAX_AGE = timedelta(days=1)


class DncFileAdminMixin:
    """Adds a "bulk/" page to a DNC admin. Set ``dnc_with_campaign`` when the list belongs to
    a campaign (the upload form then asks which)."""

    change_list_template = "admin/leads/dnc/change_list.html"
    dnc_with_campaign = False

    def get_urls(self):
        view = self.admin_site.admin_view(self.dnc_bulk_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_bulk"
        return [path("bulk/", view, name=name), *super().get_urls()]

    def dnc_bulk_view(self, request):
        if not (self.has_add_permission(request) and self.has_delete_permission(request)):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self._dnc_apply(request)
        form = DncUploadForm(
            request.POST or None, request.FILES or None, with_campaign=self.dnc_with_campaign
        )
        if request.method == "POST" and form.is_valid():
            return self._dnc_confirm(request, form)
        return self._dnc_render(request, "upload.html", {"form": form})

    def _dnc_confirm(self, request, form: DncUploadForm):
        data = form.cleaned_data
        campaign = data.get("campaign")
        campaign_id = campaign.pk if campaign is not None else None
        remove = data["action"] == "remove"
        parsed = dnc_file_read(dnc_text_decode(data["file"].read()))
        present = dnc_numbers_present(parsed.entries, campaign_id=campaign_id)
        changing = [entry for entry in parsed.entries if (entry in present) == remove]
        _pending_cleanup()
        token = uuid.uuid4().hex
        default_storage.save(_pending_name(request, token), ContentFile("\n".join(changing)))
        context = {
            "token": token,
            "remove": remove,
            "campaign": campaign,
            "changing": changing[:SHOWN],
            "changing_count": len(changing),
            "unchanged_count": len(parsed.entries) - len(changing),
            "repeated": parsed.repeated,
            "errors": parsed.errors[:SHOWN],
            "error_count": len(parsed.errors),
            "file_name": data["file"].name,
        }
        return self._dnc_render(request, "confirm.html", context)

    def _dnc_apply(self, request):
        token = request.POST["token"]
        name = _pending_name(request, token) if _TOKEN.match(token) else None
        if name is None or not default_storage.exists(name):
            messages.error(request, "That upload has expired or was applied already.")
            return HttpResponseRedirect(request.path)
        with default_storage.open(name) as pending:
            entries = pending.read().decode("utf-8").split()
        campaign_id = None
        if self.dnc_with_campaign:
            campaign_id = request.POST.get("campaign", "")
            if not Campaign.objects.filter(campaign_id=campaign_id).exists():
                messages.error(request, "Choose an existing campaign.")
                return HttpResponseRedirect(request.path)
        remove = request.POST.get("action") == "remove"
        entries = [entry for entry in entries if dnc_entry_clean(entry) == entry]
        result = dnc_numbers_apply(entries=entries, remove=remove, campaign_id=campaign_id)
        default_storage.delete(name)
        where = f"the DNC list of campaign {campaign_id}" if campaign_id else "the DNC list"
        if remove:
            text = ngettext(
                "%(count)d number removed from %(where)s",
                "%(count)d numbers removed from %(where)s",
                result.removed,
            ) % {"count": result.removed, "where": where}
        else:
            text = ngettext(
                "%(count)d number added to %(where)s",
                "%(count)d numbers added to %(where)s",
                result.added,
            ) % {"count": result.added, "where": where}
        if result.unchanged:
            text += ngettext(
                " (%(count)d had changed meanwhile and was left as it was)",
                " (%(count)d had changed meanwhile and were left as they were)",
                result.unchanged,
            ) % {"count": result.unchanged}
        messages.success(request, f"{text}.")
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))

    def _dnc_render(self, request, template: str, context: dict) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Add or remove {self.opts.verbose_name_plural} from a file",
            "with_campaign": self.dnc_with_campaign,
            **context,
        }
        return TemplateResponse(request, f"admin/leads/dnc/{template}", context)


def _pending_name(request, token: str) -> str:
    return f"{PENDING_DIR}/{request.user.pk}-{token}.txt"


def _pending_cleanup() -> None:
    """Forget checked files that were never confirmed."""
    try:
        _, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return
    expired = timezone.now() - PENDING_MAX_AGE
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        if default_storage.get_modified_time(path) < expired:
            default_storage.delete(path)


@admin.register(DncNumber)
class DncNumberAdmin(DncFileAdminMixin, admin.ModelAdmin):
    list_display = ("phone_number", "created_at")
    search_fields = ("^phone_number",)
    search_help_text = "The start of a number, or a wildcard such as 727XXXXXXX."
    show_full_result_count = False


# Campaign DNC lists are campaigns' data, but their bulk screen is this module's: registered
# here, because campaigns never import from leads.
@admin.register(CampaignDnc)
class CampaignDncAdmin(DncFileAdminMixin, admin.ModelAdmin):
    dnc_with_campaign = True
    list_display = ("campaign_id", "phone_number")
    list_filter = ("campaign",)
    search_fields = ("^phone_number",)
    show_full_result_count = False
