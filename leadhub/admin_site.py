"""The admin site: LeadHub's titles, and the internal tables (background task results, login
lockouts, time-zone reference tables) grouped under one "System" heading, below the
supervisors' everyday sections."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# Whole apps, and single models ("app_label.ModelName"), shown under "System".
SYSTEM_APPS = frozenset({"django_tasks_database", "axes"})
SYSTEM_MODELS = frozenset({"leads.PhoneCode", "leads.PostalCode", "leads.NanpaPrefix"})
# Clearer names than the third-party apps' own, for the System section.
SYSTEM_MODEL_NAMES = {
    "django_tasks_database.DBTaskResult": "Background task results",
    "axes.AccessAttempt": "Admin login attempts",
    "axes.AccessLog": "Admin login log",
    "axes.AccessFailureLog": "Admin login failures",
}
SYSTEM_LABEL = "system"


class LeadHubAdminSite(admin.AdminSite):
    site_header = "LeadHub"
    site_title = "LeadHub"
    index_title = "Leads, lists, campaigns and imports"
    # "/" only leads back here: no separate public site to view.
    site_url = None
    # The index and the breadcrumbs lead everywhere; without the side menu a 1366 px screen
    # shows every column of the leads list.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        kept, system = [], []
        for app in apps:
            models = []
            for model in app["models"]:
                label = f"{app['app_label']}.{model['object_name']}"
                if app["app_label"] in SYSTEM_APPS or label in SYSTEM_MODELS:
                    system.append({**model, "name": SYSTEM_MODEL_NAMES.get(label, model["name"])})
                else:
                    models.append(model)
            if models:
                kept.append({**app, "models": models})
        if system:
            system.sort(key=lambda model: model["name"])
            kept.append(
                {
                    "name": "System",
                    "app_label": SYSTEM_LABEL,
                    "app_url": "",
                    "has_module_perms": True,
                    "models": system,
                }
            )
        return kept


class LeadHubAdminConfig(AdminConfig):
    default_site = "leadhub.admin_site.LeadHubAdminSite"
