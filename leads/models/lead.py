from django.db import models
from django.db.models.functions import Lower, RTrim


def _ci(field: str):
    """Index expression matching the ``ci`` lookup on PostgreSQL and SQLite."""
    return Lower(RTrim(field))


class Lead(models.Model):
    """A person to call. Field names are the add_lead API parameter names.

    Column widths follow the legacy contract (§3.13); values longer than a column are cut by
    the lead pipeline before they get here.
    """

    class Gender(models.TextChoices):
        UNKNOWN = "U", "Unknown"
        MALE = "M", "Male"
        FEMALE = "F", "Female"
        INVALID = "", "Invalid (stored empty)"

    class Door(models.TextChoices):
        API = "api", "API"
        UPLOAD = "upload", "Upload"
        MANUAL = "manual", "Manual entry"
        REST = "rest", "JSON API"

    lead_id = models.BigAutoField(primary_key=True)
    # Indexed with the door (lead_entry_date_door): the dashboard's loads per day and door
    # read that index alone.
    entry_date = models.DateTimeField()
    modify_date = models.DateTimeField(auto_now=True)
    status = models.CharField(max_length=6, default="NEW")
    user = models.CharField(max_length=20, blank=True)
    vendor_lead_code = models.CharField(max_length=20, blank=True)
    source_id = models.CharField(max_length=50, blank=True)
    # Leads may point at a list id that has no list row (the API accepts undefined lists).
    list = models.ForeignKey(
        "leads.LeadList",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        # lead_list_status (list first) serves every lookup by list.
        db_index=False,
        related_name="leads",
    )
    # NULL: the offset is unknown (D13).
    gmt_offset_now = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True, verbose_name="GMT offset now"
    )
    called_since_last_reset = models.CharField(max_length=3, default="N")
    phone_code = models.CharField(max_length=10, default="1")
    phone_number = models.CharField(max_length=18)
    title = models.CharField(max_length=4, blank=True)
    first_name = models.CharField(max_length=30, blank=True)
    middle_initial = models.CharField(max_length=1, blank=True)
    last_name = models.CharField(max_length=30, blank=True)
    address1 = models.CharField(max_length=100, blank=True)
    address2 = models.CharField(max_length=100, blank=True)
    address3 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=2, blank=True)
    province = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    country_code = models.CharField(max_length=3, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, default="U", blank=True)
    # NULL: unknown (the original's 0000-00-00).
    date_of_birth = models.DateField(null=True, blank=True)
    alt_phone = models.CharField(max_length=12, blank=True)
    email = models.CharField(max_length=70, blank=True)
    security_phrase = models.CharField(max_length=100, blank=True)
    comments = models.CharField(max_length=255, blank=True)
    called_count = models.PositiveIntegerField(default=0)
    last_local_call_time = models.DateTimeField(null=True, blank=True)
    rank = models.SmallIntegerField(default=0)
    owner = models.CharField(max_length=20, blank=True)
    entry_list_id = models.BigIntegerField(default=0)
    # Values of the list's custom fields, by field label; NULL when none were stored.
    custom_values = models.JSONField(null=True, blank=True)
    # Which door the lead came through (the dashboard counts loads per door).
    door = models.CharField(max_length=6, choices=Door.choices, default=Door.API)

    class Meta:
        ordering = ["-lead_id"]
        indexes = [
            # Every duplicate check of contract §3.11 is one of these index lookups.
            models.Index(fields=["phone_number", "list"], name="lead_phone_list"),
            models.Index(fields=["alt_phone", "title"], name="lead_alt_title"),
            models.Index(_ci("alt_phone"), _ci("title"), name="lead_alt_title_ci"),
            models.Index(fields=["list", "status"], name="lead_list_status"),
            models.Index(fields=["entry_date", "door"], name="lead_entry_date_door"),
            # Plain indexes only: every index costs each insert, and imports insert millions.
            models.Index(fields=["vendor_lead_code"], name="lead_vendor_code"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.phone_number}"


class AltPhone(models.Model):
    """An extra number of a lead (the API's multi_alt_phones), in position order."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="alt_phones")
    alt_phone_count = models.PositiveSmallIntegerField(help_text="1-based position")
    phone_code = models.CharField(max_length=10, default="1")
    phone_number = models.CharField(max_length=25, blank=True, db_index=True)
    alt_phone_note = models.CharField(max_length=30, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "alt phone"
        ordering = ["lead", "alt_phone_count"]

    def __str__(self) -> str:
        return f"{self.lead_id}#{self.alt_phone_count} {self.phone_number}"


class DncNumber(models.Model):
    """A system-wide do-not-call number, or an area-code wildcard such as 212XXXXXXX."""

    phone_number = models.CharField(max_length=18, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "DNC number"
        ordering = ["phone_number"]

    def __str__(self) -> str:
        return self.phone_number


class DedupeLock(models.Model):
    """Rows the lead pipeline locks (UPDATE) for the rest of its transaction on MariaDB, so
    that two requests checking the same phone for duplicates run one after the other (D11).
    A bucket is a hash of the checked value; migration 0009 creates every bucket's row, and
    the lock's upsert any row still missing. PostgreSQL uses advisory locks instead and
    SQLite needs none (leadhub/db/locks.py)."""

    bucket = models.IntegerField(primary_key=True)
    uses = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "dedupe lock"

    def __str__(self) -> str:
        return f"dedupe lock {self.bucket}"
