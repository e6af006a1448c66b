"""Stored options and duplicate checks in neutral names instead of legacy tokens.

``DuplicateReview.duplicate_check`` held the legacy token ("DUPLIST"), now the check's value
("phone:list"); ``ImportJob.options`` and ``ImportTemplate.options`` held add_lead settings
("dnc_check": "Y", "duplicate_check": "DUPLIST7DAY"), now the JSON of
``ImportOptions.to_json``; a review of an API duplicate held the request's settings among its
incoming fields, now under "options". The tables of this migration are a frozen copy: the
code may change later, the rows converted here may not.
"""

from django.db import migrations

CHECKS = {
    "DUPLIST": "phone:list",
    "DUPCAMP": "phone:campaign",
    "DUPSYS": "phone:system",
    "DUPPHONEALTLIST": "phone_alt:list",
    "DUPPHONEALTCAMP": "phone_alt:campaign",
    "DUPPHONEALTSYS": "phone_alt:system",
    "DUPTITLEALTPHONELIST": "title_alt:list",
    "DUPTITLEALTPHONECAMP": "title_alt:campaign",
    "DUPTITLEALTPHONESYS": "title_alt:system",
    "DUPNAMEPHONELIST": "name_phone:list",
    "DUPNAMEPHONECAMP": "name_phone:campaign",
    "DUPNAMEPHONESYS": "name_phone:system",
}
DAY_WINDOWS = (1, 2, 3, 7, 14, 15, 21, 28, 30, 60, 90, 180, 360)
DNC = {"Y": "number", "AREACODE": "areacode"}
LEGACY_SETTINGS = (
    "duplicate_check",
    "duplicate_statuses",
    "dnc_check",
    "campaign_dnc_check",
    "campaign_id",
    "campaing",
    "tz_method",
    "hopper_priority",
    "usacan_prefix_check",
    "usacan_areacode_check",
    "nanpa_ac_prefix_check",
    "lookup_state",
    "add_to_hopper",
    "remove_from_hopper",
    "hopper_local_call_time_check",
    "list_exists_check",
    "custom_fields",
    "multi_alt_phones",
    "callback",
    "callback_status",
    "callback_datetime",
    "callback_type",
    "callback_user",
    "callback_comments",
    "lead_id",
)


def _flag(value) -> bool:
    return value is True or value in ("Y", "y")


def _checks(text: str) -> list[str]:
    # The legacy reading: tokens found as substrings, in the fixed order.
    upper = (text or "").upper()
    return [value for token, value in CHECKS.items() if token in upper]


def _days(text: str):
    upper = (text or "").upper()
    found = [days for days in DAY_WINDOWS if f"{days}DAY" in upper]
    return max(found) if found else None


def _time_zone(text: str) -> list[str]:
    upper = (text or "").upper()
    return [
        name
        for name, on in (
            ("postal", "POSTAL" in upper),
            ("tz_code", text == "TZCODE"),
            ("nanpa", "NANPA" in upper),
        )
        if on
    ]


def _priority(value) -> int:
    try:
        return max(-99, min(99, int(str(value or "0").strip() or 0)))
    except ValueError:
        return 0


def legacy_options(old: dict) -> dict:
    """Legacy add_lead settings as the neutral options JSON."""
    statuses = old.get("duplicate_statuses") or []
    if isinstance(statuses, str):
        statuses = statuses.split(",")
    return {
        "list_exists_check": "Y" in str(old.get("list_exists_check") or "").upper(),
        "usacan_prefix_check": _flag(old.get("usacan_prefix_check")),
        "usacan_areacode_check": _flag(old.get("usacan_areacode_check")),
        "nanpa_prefix_check": _flag(old.get("nanpa_ac_prefix_check")),
        "lookup_state": _flag(old.get("lookup_state")),
        "dnc": DNC.get("Y" if old.get("dnc_check") is True else old.get("dnc_check"), "off"),
        "campaign_dnc": DNC.get(
            "Y" if old.get("campaign_dnc_check") is True else old.get("campaign_dnc_check"), "off"
        ),
        "campaign_id": str(old.get("campaign_id") or old.get("campaing") or ""),
        "duplicate_checks": _checks(old.get("duplicate_check")),
        "duplicate_days": _days(old.get("duplicate_check")),
        "duplicate_statuses": sorted({str(s).strip().upper() for s in statuses} - {""}),
        "time_zone": _time_zone(str(old.get("tz_method") or "")),
        "add_to_hopper": _flag(old.get("add_to_hopper"))
        and str(old.get("remove_from_hopper") or "") != "Y",
        "hopper_priority": _priority(old.get("hopper_priority")),
        "hopper_local_call_time_check": _flag(old.get("hopper_local_call_time_check")),
    }


def _is_legacy(options) -> bool:
    return isinstance(options, dict) and bool(options) and "dnc" not in options


def _import_options(old: dict) -> dict:
    return {
        **legacy_options(old),
        "phone_code": str(old.get("phone_code") or ""),
        "review_duplicates": bool(old.get("review_duplicates")),
    }


def forwards(apps, schema_editor):
    for name in ("ImportJob", "ImportTemplate"):
        model = apps.get_model("leads", name)
        for row in model.objects.exclude(options={}).iterator():
            if _is_legacy(row.options):
                row.options = _import_options(row.options)
                row.save(update_fields=["options"])
    DuplicateReview = apps.get_model("leads", "DuplicateReview")
    for review in DuplicateReview.objects.iterator():
        changed = []
        if review.duplicate_check in CHECKS:
            review.duplicate_check = CHECKS[review.duplicate_check]
            changed.append("duplicate_check")
        incoming = review.incoming or {}
        if review.import_job_id is None and "options" not in incoming:
            kept = {k: v for k, v in incoming.items() if k not in LEGACY_SETTINGS}
            review.incoming = {**kept, "options": legacy_options(incoming)}
            changed.append("incoming")
        if changed:
            review.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_importjob_wants_xlsx")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
