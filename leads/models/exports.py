"""Lead exports: one file of the leads a supervisor could see, written by a background task."""

from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """One export: who asked, which leads (the lead list's filters and search, as the admin
    query string), the format, and the run's progress and file.

    The file is served only by the export's download view (its owner or a superuser), never
    from a media URL; it holds personal data."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Writing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV (UTF-8, opens in Excel)"
        XLSX = "xlsx", "Excel workbook (XLSX)"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_exports"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The lead list's query string (filters, search); the task applies it as created_by.
    query = models.TextField(blank=True)
    # The same, in words, for the pages.
    description = models.CharField(max_length=500, blank=True)
    file_format = models.CharField(max_length=4, choices=Format.choices, default=Format.CSV)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    rows_done = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "lead export"

    def __str__(self) -> str:
        return f"export {self.pk} ({self.file_format})"
