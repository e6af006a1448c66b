"""The lead pipeline's rules, each declared once with its single form (one lead: the API's
add, ``leads.services.add.lead_add``) and its batch form (many rows: the importer, through
``batch.LeadBatch``) side by side:

==========================  ============================================================
rule                        where it lives
==========================  ============================================================
list (permission, exists,   ``lists.list_for_lead`` / ``lists.ListBatch``
default list)
phone checks, NANPA         ``phone_checks.phone_check`` / ``phone_checks.PhoneCheckBatch``;
                            NANPA off without its table: ``phone_checks.checks_in_force``
lookup_state, time zone     ``time_zone.lookup_state``, ``timezones.lead_gmt_offset`` /
                            ``time_zone.TimeZoneBatch``
system and campaign DNC     ``dnc.dnc_number_blocked``, ``dnc.campaign_dnc_blocked`` /
(wildcards)                 ``dnc.dnc_blocked_phones``
duplicates (keys, query,    ``duplicates.DuplicateRule``: ``duplicates.duplicate_find`` /
windows, statuses, locks)   ``duplicates_batch.DuplicateBatch`` (in-file, re-check)
custom fields, defaults     ``custom_fields.custom_field_plan``: ``custom_fields`` /
                            ``CustomFieldBatch``
hopper, local call time     ``hopper.hopper_entries``: ``hopper.hopper_entry_for`` (batch of one)
how each value is stored    ``storage.lead_build`` / ``storage.LeadRows``
==========================  ============================================================

Filters and widths are data in ``leads.rules``; callbacks and alt phones are single-form only
(``services.parts``): no import asks for them.
"""

# The rules read the typed request (``leads.services.request``), and the services call the
# rules: loading the services first lets either package be imported first.
import leads.services  # noqa: F401
