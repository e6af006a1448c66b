"""Who may call the legacy API, from where, and what it answered (the API log)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

ALL_CAMPAIGNS = "-ALL-CAMPAIGNS-"
ALL_FUNCTIONS = "ALL_FUNCTIONS"
# The user level an API user needs to call either API door at all (adding leads needs 8).
LOGIN_LEVEL_MIN = 7


class IpList(models.Model):
    """A named list of IP addresses; ``a.b.c.x`` stands for the whole class-C network."""

    ip_list_id = models.CharField(max_length=30, primary_key=True, verbose_name="IP list ID")
    ip_list_name = models.CharField(max_length=100, blank=True, verbose_name="IP list name")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "IP list"
        ordering = ["ip_list_id"]

    def __str__(self) -> str:
        return self.ip_list_id


class IpListEntry(models.Model):
    ip_list = models.ForeignKey(
        IpList, on_delete=models.CASCADE, related_name="entries", verbose_name="IP list"
    )
    ip_address = models.CharField(max_length=45, verbose_name="IP address")

    class Meta:
        verbose_name = "IP list entry"
        constraints = [
            models.UniqueConstraint(fields=["ip_list", "ip_address"], name="uniq_ip_entry")
        ]

    def __str__(self) -> str:
        return self.ip_address


class UserGroup(models.Model):
    user_group = models.CharField(max_length=20, primary_key=True)
    group_name = models.CharField(max_length=40, blank=True)
    # Space-separated campaign ids, or -ALL-CAMPAIGNS- for every campaign.
    allowed_campaigns = models.TextField(default=ALL_CAMPAIGNS, blank=True)
    # When set, API calls by members must come from an address in this list.
    api_ip_list = models.ForeignKey(
        IpList,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name="API IP list",
    )

    class Meta:
        ordering = ["user_group"]

    def __str__(self) -> str:
        return self.user_group

    @property
    def allows_all_campaigns(self) -> bool:
        return "-ALL" in self.allowed_campaigns.upper()

    @property
    def campaign_ids(self) -> set[str]:
        return {word for word in self.allowed_campaigns.split() if word != "-"}


class ApiUserProfile(models.Model):
    """Dialer permissions of a Django user who calls the legacy API.

    The Django user's username is the API ``user`` and ``is_active`` its active flag.
    """

    class WireProfile(models.TextChoices):
        SYSTEM = "", "System default"
        DOCUMENTED = "documented", "Product document forms"
        VICIDIAL = "vicidial", "VICIdial code forms"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_profile"
    )
    full_name = models.CharField(max_length=50, blank=True)
    user_level = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    # May name a group that does not exist (the API then answers "user_group DOES NOT EXIST").
    user_group = models.ForeignKey(
        UserGroup,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="members",
    )
    api_access = models.BooleanField(default=False, verbose_name="API access")
    modify_leads = models.PositiveSmallIntegerField(
        default=0, help_text="1-4 may add leads through the API"
    )
    # The original's text form: " ALL_FUNCTIONS " or " add_lead update_lead ".
    api_allowed_functions = models.CharField(
        max_length=1000, default=f" {ALL_FUNCTIONS} ", verbose_name="API allowed functions"
    )
    api_list_restrict = models.BooleanField(default=False, verbose_name="API list restrict")
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    # Time of the last successful login, or of the latest failure once locked (D7).
    last_login_date = models.DateTimeField(null=True, blank=True)
    last_ip = models.CharField(max_length=45, blank=True, verbose_name="last IP")
    ignore_ip_list = models.BooleanField(default=False, verbose_name="ignore IP list")
    wire_profile = models.CharField(
        max_length=10, choices=WireProfile.choices, default="", blank=True
    )

    class Meta:
        verbose_name = "API user profile"

    def __str__(self) -> str:
        return f"API profile of {self.user}"

    def allows_function(self, function: str) -> bool:
        text = self.api_allowed_functions
        return ALL_FUNCTIONS in text or f" {function} " in text

    def may_use_api(self) -> bool:
        """What calling either API door asks of an API user: an active user of level 7 or
        more (the legacy door's login; the JSON door's key)."""
        return self.user.is_active and self.user_level >= LOGIN_LEVEL_MIN

    def may_add_leads(self) -> bool:
        """What adding a lead asks of an API user beyond the login (both API doors): an
        active user with API access, modify_leads 1-4 and user level 8 or more."""
        return (
            self.user.is_active
            and self.api_access
            and 1 <= self.modify_leads <= 4
            and self.user_level >= 8
        )


class LoginFailureMinute(models.Model):
    """Failed API logins from one client address within one minute (D7's per-address limit).

    Counted in the database, so every worker and host shares the count; rows older than the
    limit's window are deleted as new failures arrive.
    """

    address = models.CharField(max_length=45)
    minute = models.DateTimeField(db_index=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "login failures of an address in a minute"
        constraints = [
            models.UniqueConstraint(fields=["address", "minute"], name="uniq_login_failure_minute")
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.minute:%Y-%m-%d %H:%M}: {self.failures}"


class SystemSettings(models.Model):
    """System-wide switches (one row)."""

    use_non_latin = models.BooleanField(
        default=True, help_text="Keep Unicode letters in names and addresses (D17)."
    )
    custom_fields_enabled = models.BooleanField(default=True)
    allow_ip_lists = models.BooleanField(default=False, verbose_name="allow IP lists")
    system_ip_blacklist = models.ForeignKey(
        IpList,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name="system IP blacklist",
    )
    # Contract §3.14e / D19: fetched for every new lead (of the doors NEW_LEAD_URL_DOORS names)
    # unless the lead's list has a URL of its own; 10 characters or less: none.
    new_lead_url = models.TextField(
        "new-lead URL",
        blank=True,
        help_text="GET after each new API lead; --A--field--B-- tokens are replaced with the "
        "lead's values (URL-encoded), e.g. https://crm.example.com/new?phone=--A--phone_number--B--",
    )

    class Meta:
        verbose_name = "system settings"
        verbose_name_plural = "system settings"

    def __str__(self) -> str:
        return "System settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "SystemSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class ApiLogEntry(models.Model):
    """One row per line the legacy API printed (login failures excepted, as the original)."""

    api_date = models.DateTimeField(db_index=True, verbose_name="API date")
    user = models.CharField(max_length=20, blank=True)
    agent_user = models.CharField(max_length=20, blank=True)
    function = models.CharField(max_length=20, blank=True)
    value = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=10)
    result_reason = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20, blank=True)
    data = models.TextField(blank=True)
    api_script = models.CharField(max_length=20, default="non-agent", verbose_name="API script")
    run_time = models.FloatField(default=0)
    client_ip = models.CharField(max_length=45, blank=True, verbose_name="client IP")
    # The request as received, without the password (D6).
    url = models.TextField(blank=True, verbose_name="URL")
    # Lead fields that were cut to their column width.
    truncated_fields = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "API log entry"
        verbose_name_plural = "API log"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.api_date:%Y-%m-%d %H:%M:%S} {self.user} {self.result} {self.result_reason}"
