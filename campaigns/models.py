"""Campaigns, their call times, the dialer hopper and campaign DNC lists."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

hhmm_validators = [MinValueValidator(0), MaxValueValidator(2400)]


class StateCallTime(models.Model):
    """A per-state window that replaces a call time's windows for leads in that state."""

    state_call_time_id = models.CharField(max_length=10, primary_key=True)
    state = models.CharField(max_length=2, db_index=True)
    name = models.CharField(max_length=30, blank=True)
    default_start = models.PositiveSmallIntegerField(default=900, validators=hhmm_validators)
    default_stop = models.PositiveSmallIntegerField(default=2100, validators=hhmm_validators)

    class Meta:
        ordering = ["state_call_time_id"]

    def __str__(self) -> str:
        return f"{self.state_call_time_id} ({self.state} {self.default_start}-{self.default_stop})"


class CallTime(models.Model):
    """When leads may be dialled, in the lead's local time, as HHMM integers.

    A weekday whose start and stop are both 0 uses the default window.
    """

    call_time_id = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=30, blank=True)
    default_start = models.PositiveSmallIntegerField(default=900, validators=hhmm_validators)
    default_stop = models.PositiveSmallIntegerField(default=2100, validators=hhmm_validators)
    sunday_start = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    sunday_stop = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    monday_start = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    monday_stop = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    tuesday_start = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    tuesday_stop = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    wednesday_start = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    wednesday_stop = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    thursday_start = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    thursday_stop = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    friday_start = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    friday_stop = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    saturday_start = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    saturday_stop = models.PositiveSmallIntegerField(default=0, validators=hhmm_validators)
    state_rules = models.ManyToManyField(StateCallTime, blank=True, related_name="call_times")

    class Meta:
        ordering = ["call_time_id"]

    def __str__(self) -> str:
        return self.call_time_id

    def window_for(self, weekday: str) -> tuple[int, int]:
        """(start, stop) for a weekday name; the default when that day is unset (0-0)."""
        start = getattr(self, f"{weekday}_start")
        stop = getattr(self, f"{weekday}_stop")
        if start == 0 and stop == 0:
            return self.default_start, self.default_stop
        return start, stop


campaign_id_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{2,8}$", "2 to 8 letters, digits, '-' or '_'."
)


class Campaign(models.Model):
    campaign_id = models.CharField(
        max_length=8, primary_key=True, validators=[campaign_id_validator]
    )
    campaign_name = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    local_call_time = models.ForeignKey(
        CallTime,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        db_column="local_call_time",
        related_name="campaigns",
    )
    # When set, campaign DNC checks for this campaign use that campaign's DNC list instead.
    use_other_campaign_dnc = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        db_column="use_other_campaign_dnc",
        related_name="+",
        verbose_name="use other campaign DNC",
    )

    class Meta:
        ordering = ["campaign_id"]

    def __str__(self) -> str:
        return self.campaign_id


class CampaignDnc(models.Model):
    """A number (or an area-code wildcard such as 727XXXXXXX) a campaign must not dial."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, db_constraint=False, related_name="dnc_numbers"
    )
    phone_number = models.CharField(max_length=18)

    class Meta:
        verbose_name = "campaign DNC number"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phone_number"], name="uniq_campaign_dnc")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.phone_number}"


class HopperEntry(models.Model):
    """A lead queued for the dialer. At most one hopper row per lead."""

    hopper_id = models.BigAutoField(primary_key=True)
    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="hopper_entry")
    # Empty when the lead's list has no campaign (kept as the original does).
    campaign_id = models.CharField(max_length=8, blank=True, db_index=True)
    list_id = models.BigIntegerField()
    status = models.CharField(max_length=6, default="READY")
    user = models.CharField(max_length=20, blank=True)
    priority = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(-99), MaxValueValidator(99)]
    )
    gmt_offset_now = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True, verbose_name="GMT offset now"
    )
    state = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=1, default="P")
    vendor_lead_code = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = "hopper entry"
        verbose_name_plural = "hopper"
        ordering = ["-priority", "hopper_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__gte=-99, priority__lte=99),
                name="hopper_priority_range",
            )
        ]

    def __str__(self) -> str:
        return f"hopper {self.hopper_id} lead {self.lead_id}"
