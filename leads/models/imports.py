"""Spreadsheet imports, saved column mappings, and the duplicate review queue."""

from django.conf import settings
from django.db import models


class ImportTemplate(models.Model):
    """A saved column mapping and import options, reusable for files of the same layout."""

    name = models.CharField(max_length=100, unique=True)
    # {header text or column number: lead field or custom field label}
    mapping = models.JSONField(default=dict)
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One uploaded file: its reading, mapping and options, the dry-run tally, and the import
    run, committed in batches so that a restarted worker resumes where it stopped."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        CHECKING = "checking", "Dry run running"
        CHECKED = "checked", "Dry run done"
        QUEUED = "queued", "Import queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    content_hash = models.CharField(max_length=64, db_index=True)
    # How the file is read (detected, editable before the dry run).
    file_format = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    has_header = models.BooleanField(default=True)
    header = models.JSONField(default=list, blank=True)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    # Target list; NULL when each row names its list in a mapped list_id column.
    list = models.ForeignKey(
        "leads.LeadList",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="import_jobs",
    )
    # {column index as text: lead field name or custom field label}
    mapping = models.JSONField(default=dict, blank=True)
    # The add_lead settings applied to every row (duplicate_check, dnc_check, tz_method, ...).
    options = models.JSONField(default=dict, blank=True)
    template = models.ForeignKey(
        ImportTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    # Dry run: {"counts": {outcome: n}, "examples": {reason: [{row, phone, ...}]}}
    dry_run = models.JSONField(default=dict, blank=True)
    # Import run: counts per outcome; they always add up to rows_done.
    counts = models.JSONField(default=dict, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    # File row number of the last row whose batch is committed (resume point).
    last_committed_row = models.PositiveIntegerField(default=0)
    # Bytes of the result CSV that belong to committed batches (truncated to this on resume).
    result_offset = models.BigIntegerField(default=0)
    result_csv = models.FileField(
        upload_to="imports/results/", blank=True, verbose_name="result CSV"
    )
    result_xlsx = models.FileField(
        upload_to="imports/results/", blank=True, verbose_name="result XLSX"
    )
    # The job promises an XLSX copy of its result CSV (the upload page always; import_leads
    # with --xlsx). A promised file is written before the job becomes DONE; resume_imports
    # writes it again when it is missing (a worker killed while writing it).
    wants_xlsx = models.BooleanField(default=True, verbose_name="wants XLSX")
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} {self.original_name}"


class DuplicateReview(models.Model):
    """An incoming lead rejected as a duplicate, kept for a supervisor to decide on."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DISCARDED = "discarded", "Discarded"
        INSERTED = "inserted", "Inserted anyway"
        UPDATED = "updated", "Existing lead updated"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        API = "api", "API"
        MANUAL = "manual", "Manual entry"

    source = models.CharField(max_length=6, choices=Source.choices)
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    row_number = models.PositiveIntegerField(null=True, blank=True)
    list_id = models.BigIntegerField()
    # The incoming lead's cleaned fields (lead field names, custom labels under "custom").
    incoming = models.JSONField()
    existing_lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duplicate_check = models.CharField(max_length=24)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    resolved_lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["status", "-created_at"]

    def __str__(self) -> str:
        return f"duplicate review {self.pk} ({self.get_status_display()})"
