"""Reference data for phone checks and time zones, loadable from CSV files.

Rows keep the original's text offsets (``-5``, ``+10``, ``-5.0``) and DST rule names; an
optional IANA zone name makes the DST computation exact (D13).
"""

from django.db import models


class PhoneCode(models.Model):
    """A country calling code plus area code with its time zone. Table order matters:
    lookups that fall back take the first row (lowest id)."""

    country_code = models.CharField(max_length=8)
    country = models.CharField(max_length=3, blank=True)
    areacode = models.CharField(max_length=6, blank=True)
    state = models.CharField(max_length=4, blank=True)
    gmt_offset = models.CharField(max_length=6, verbose_name="GMT offset")
    dst = models.BooleanField(default=False, verbose_name="DST")
    dst_range = models.CharField(max_length=8, blank=True, verbose_name="DST range")
    tz_code = models.CharField(max_length=4, blank=True, verbose_name="TZ code")
    description = models.CharField(max_length=100, blank=True)
    iana_zone = models.CharField(max_length=64, blank=True, verbose_name="IANA zone")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["country_code", "areacode"], name="phonecode_cc_area"),
            models.Index(fields=["tz_code", "country_code"], name="phonecode_tz"),
        ]

    def __str__(self) -> str:
        return f"+{self.country_code} {self.areacode} {self.state} {self.gmt_offset}"


class PostalCode(models.Model):
    postal_code = models.CharField(max_length=10, db_index=True)
    state = models.CharField(max_length=4, blank=True)
    gmt_offset = models.CharField(max_length=6, verbose_name="GMT offset")
    dst = models.BooleanField(default=False, verbose_name="DST")
    dst_range = models.CharField(max_length=8, blank=True, verbose_name="DST range")
    country_code = models.CharField(max_length=8, default="1")
    iana_zone = models.CharField(max_length=64, blank=True, verbose_name="IANA zone")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.postal_code} {self.state} {self.gmt_offset}"


class NanpaPrefix(models.Model):
    """A North American area code + exchange (NPA-NXX) with its time zone."""

    areacode = models.CharField(max_length=3)
    prefix = models.CharField(max_length=3)
    gmt_offset = models.CharField(max_length=6, verbose_name="GMT offset")
    dst = models.BooleanField(default=False, verbose_name="DST")
    city = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, blank=True)

    class Meta:
        verbose_name = "NANPA prefix"
        verbose_name_plural = "NANPA prefixes"
        ordering = ["areacode", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["areacode", "prefix"], name="uniq_nanpa_prefix")
        ]

    def __str__(self) -> str:
        return f"{self.areacode}-{self.prefix}"
