"""The supervisors' dashboard (admin, linked from the index): leads loaded per day by door,
duplicate and DNC rejection rates, recent imports, webhook deliveries. Eight small queries
whatever the data size."""

from datetime import timedelta

from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from webhooks.services import delivery_counts

from ..charts import loads_chart
from ..statistics import (
    api_rejection_rates,
    duplicate_reviews_pending_count,
    import_jobs_recent,
    import_rejection_rates,
    leads_loaded_per_day,
)
from ..wording import import_outcomes_text

DAYS = 30


def dashboard_view(request, admin_site) -> TemplateResponse:
    now = timezone.now()
    since = now - timedelta(days=DAYS)
    days = leads_loaded_per_day(days=DAYS, now=now)
    jobs = import_jobs_recent(limit=10)
    context = {
        **admin_site.each_context(request),
        "title": "Dashboard",
        "days": DAYS,
        "chart": loads_chart(days),
        "loaded_total": sum(day.total for day in days),
        "rates": [
            ("API add_lead requests", api_rejection_rates(since=since)),
            ("Imported rows", import_rejection_rates(since=since)),
        ],
        "jobs": [(job, _job_url(job.pk), import_outcomes_text(job.counts)) for job in jobs],
        "pending_reviews": duplicate_reviews_pending_count(),
        "webhooks": delivery_counts(now=now),
    }
    return TemplateResponse(request, "admin/leads/dashboard.html", context)


def _job_url(job_id: int) -> str | None:
    """The import job's admin page, when the import screens are installed."""
    try:
        return reverse("admin:leads_importjob_change", args=[job_id])
    except NoReverseMatch:
        return None
