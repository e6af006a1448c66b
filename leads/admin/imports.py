"""Admin of spreadsheet imports: the import jobs list, saved templates, and the upload pages
(``leads/views_imports.py``) wired in through ``ImportJobAdmin.get_urls``.

Who may do what: uploading, configuring, starting and cancelling an import need the ImportJob
"add" permission; seeing jobs, their progress and their result files need "view" (or
"change"). Superusers have every permission.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from leads import views_imports as views
from leads.models import ImportJob, ImportTemplate
from leads.wording import import_outcomes_text


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    change_list_template = "admin/leads/import/change_list.html"
    list_display = (
        "id",
        "name",
        "target_list",
        "status",
        "rows",
        "outcome_counts",
        "created_by",
        "created_at",
    )
    list_display_links = ("id",)
    # No date_hierarchy: on MariaDB without time-zone tables its CONVERT_TZ query fails.
    list_filter = ("status", "created_at")
    search_fields = ("original_name", "=list__list_id", "created_by__username")
    list_select_related = ("created_by",)
    fieldsets = (
        (None, {"fields": ("original_name", "list", "status", "error", "job_page")}),
        (
            "File",
            {
                "fields": (
                    "size_bytes",
                    "content_hash",
                    "file_format",
                    "encoding",
                    "delimiter",
                    "has_header",
                    "header",
                    "total_rows",
                )
            },
        ),
        ("Mapping and options", {"fields": ("mapping_in_words", "options_in_words", "template")}),
        (
            "Results",
            {
                "fields": (
                    "dry_run_in_words",
                    "counts_in_words",
                    "rows_done",
                    "last_committed_row",
                    "result_files",
                    "cancel_requested",
                    "task_id",
                )
            },
        ),
        ("When", {"fields": ("created_by", "created_at", "started_at", "finished_at")}),
    )
    readonly_fields = (
        "job_page",
        "result_files",
        "created_at",
        "mapping_in_words",
        "options_in_words",
        "dry_run_in_words",
        "counts_in_words",
    )

    # An import is changed through its pages only; the admin's form shows it read-only.
    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        return HttpResponseRedirect(reverse(views.url_name("upload")))

    def get_urls(self):
        def wrap(view):
            def page(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            page.__name__ = view.__name__
            return self.admin_site.admin_view(page)

        pages = [
            ("upload/", views.import_upload, "upload"),
            ("<int:pk>/", views.import_job_page, "page"),
            ("<int:pk>/mapping/", views.import_mapping, "mapping"),
            ("<int:pk>/dry-run/", views.import_dry_run, "dry_run"),
            ("<int:pk>/progress/", views.import_progress, "progress"),
            ("<int:pk>/progress.json", views.import_progress_json, "progress_json"),
            ("<int:pk>/cancel/", views.import_cancel, "cancel"),
            ("<int:pk>/resume/", views.import_resume, "resume"),
            ("<int:pk>/result.<str:kind>", views.import_result, "result"),
        ]
        own = [
            path(route, wrap(view), name=f"leads_importjob_{name}") for route, view, name in pages
        ]
        return own + super().get_urls()

    @admin.display(description="file", ordering="original_name")
    def name(self, job: ImportJob) -> str:
        return format_html('<a href="{}">{}</a>', views.job_page_url(job), job.original_name)

    @admin.display(description="list", ordering="list")
    def target_list(self, job: ImportJob):
        if job.list_id:
            return job.list_id
        return "from the file" if "list_id" in (job.mapping or {}).values() else "not chosen yet"

    @admin.display(description="rows")
    def rows(self, job: ImportJob) -> str:
        total = "?" if job.total_rows is None else job.total_rows
        return f"{job.rows_done} / {total}"

    @admin.display(description="outcomes")
    def outcome_counts(self, job: ImportJob) -> str:
        counts = job.counts or (job.dry_run or {}).get("counts") or {}
        return import_outcomes_text(counts)

    @admin.display(description="mapping")
    def mapping_in_words(self, job: ImportJob) -> str:
        header = job.header or []
        lines = [
            (
                int(column) + 1,
                f" ({header[int(column)]})" if int(column) < len(header) else "",
                field.replace("_", " "),
            )
            for column, field in sorted((job.mapping or {}).items(), key=lambda i: int(i[0]))
        ]
        return format_html_join("", "<div>Column {}{} → {}</div>", lines) or "-"

    @admin.display(description="checks and options")
    def options_in_words(self, job: ImportJob) -> str:
        return format_html_join("", "<div>{}: {}</div>", views.options_shown(job.options)) or "-"

    @admin.display(description="dry run")
    def dry_run_in_words(self, job: ImportJob) -> str:
        return import_outcomes_text((job.dry_run or {}).get("counts"))

    @admin.display(description="counts")
    def counts_in_words(self, job: ImportJob) -> str:
        return import_outcomes_text(job.counts)

    @admin.display(description="page")
    def job_page(self, job: ImportJob) -> str:
        if job.pk is None:
            return "-"
        return format_html('<a href="{}">Open</a>', views.job_page_url(job))

    @admin.display(description="result files")
    def result_files(self, job: ImportJob) -> str:
        links = [
            (reverse(views.url_name("result"), args=[job.pk, kind]), kind.upper())
            for kind, file in (("csv", job.result_csv), ("xlsx", job.result_xlsx))
            if file
        ]
        return format_html_join(" ", '<a href="{}">{}</a>', links) or "-"


@admin.register(ImportTemplate)
class ImportTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "mapped_columns", "created_by", "created_at")
    search_fields = ("name",)
    fields = ("name", "mapping", "options", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    @admin.display(description="mapped columns")
    def mapped_columns(self, template: ImportTemplate) -> int:
        return len(template.mapping or {})

    def save_model(self, request, obj: ImportTemplate, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
