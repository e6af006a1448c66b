"""Lead exports in the admin: the export page of the lead list (``LeadAdmin`` wires it in as
``leads/lead/export/``), and each export's progress page and download.

Who may do what: exporting needs the lead view (or change) permission, and exports only the
leads the lead list shows that user with the same filters and search. An export's pages and
file are its owner's (and every superuser's); anyone else gets 404.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from leadhub.stored_files import stored_open
from leads.exports import jobs
from leads.exports.visible import ExportQueryError, export_query_clean, leads_visible
from leads.models import ExportJob, Lead


def _lead_admin():
    return admin.site.get_model_admin(Lead)


def _may_export(request: HttpRequest) -> bool:
    return _lead_admin().has_view_permission(request)


def progress_url(job: ExportJob) -> str:
    return reverse("admin:leads_exportjob_progress", args=[job.pk])


def lead_export_page(request: HttpRequest, model_admin) -> HttpResponse:
    """GET: what the export will hold (the lead list's filters, in words, and the count) and
    the format; POST: queue the export and go to its progress page."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    query = export_query_clean(
        request.POST.get("query", "") if request.method == "POST" else request.GET.urlencode()
    )
    error = ""
    if request.method == "POST":
        try:
            job = jobs.export_job_create(
                user=request.user, query=query, file_format=request.POST.get("file_format", "")
            )
        except ExportQueryError as failure:
            error = str(failure)
        else:
            messages.info(request, "The export runs in the background; this page shows it.")
            return redirect(progress_url(job))
    try:
        visible = leads_visible(user=request.user, query=query)
    except ExportQueryError as failure:
        visible, error = None, str(failure)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Lead._meta,
        "title": "Export leads",
        "has_view_permission": True,
        "visible": visible,
        "query": query,
        "formats": ExportJob.Format.choices,
        "error": error,
        "changelist_url": reverse("admin:leads_lead_changelist") + (f"?{query}" if query else ""),
    }
    return TemplateResponse(request, "admin/leads/export/start.html", context)


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Each user's own exports (a superuser's: everyone's); read-only."""

    list_display = ("id", "description", "file_format", "status", "rows", "created_at", "page")
    list_filter = ("status", "file_format")
    fields = (
        "description",
        "query",
        "file_format",
        "status",
        "rows_done",
        "total_rows",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "page",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return jobs.export_jobs_visible_to(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_export(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_queryset(self, request, queryset) -> None:
        for job in queryset:
            self.delete_model(request, job)

    def delete_model(self, request, obj: ExportJob) -> None:
        # The file holds personal data: it goes with its job.
        if obj.file:
            obj.file.delete(save=False)
        super().delete_model(request, obj)

    @admin.display(description="rows")
    def rows(self, job: ExportJob) -> str:
        return f"{job.rows_done} / {'?' if job.total_rows is None else job.total_rows}"

    @admin.display(description="page")
    def page(self, job: ExportJob) -> str:
        return format_html('<a href="{}">Open</a>', progress_url(job)) if job.pk else "-"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [
            path("<int:pk>/progress/", wrap(self.progress_view), name="leads_exportjob_progress"),
            path("<int:pk>/progress.json", wrap(self.progress_json), name="leads_exportjob_json"),
            path("<int:pk>/download/", wrap(self.download), name="leads_exportjob_download"),
        ]
        return own + super().get_urls()

    def _job(self, request: HttpRequest, pk: int) -> ExportJob:
        if not (request.user.is_superuser or _may_export(request)):
            raise PermissionDenied
        # Someone else's export does not exist for this user (no hint that it does).
        job = jobs.export_jobs_visible_to(request.user).filter(pk=pk).first()
        if job is None:
            raise Http404("No such export.")
        return job

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        progress = jobs.export_job_progress(job)
        context = {
            **self.admin_site.each_context(request),
            "opts": ExportJob._meta,
            "title": f"Export {job.pk}",
            "has_view_permission": True,
            "job": job,
            "progress": progress,
            "poll": {
                "url": reverse("admin:leads_exportjob_json", args=[job.pk]),
                "watch": [ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
            },
        }
        return TemplateResponse(request, "admin/leads/export/progress.html", context)

    def progress_json(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(jobs.export_job_progress(self._job(request, pk)))

    def download(self, request: HttpRequest, pk: int) -> FileResponse:
        job = self._job(request, pk)
        if job.status != ExportJob.Status.DONE or not job.file:
            raise Http404("This export has no file yet.")
        return FileResponse(
            stored_open(job.file.name),
            as_attachment=True,
            filename=jobs.export_download_name(job),
        )
