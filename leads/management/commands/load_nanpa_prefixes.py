"""``manage.py load_nanpa_prefixes FILE``: load NANPA area code + exchange time zones."""

from leads.management.reference_csv import NANPA_PREFIXES, ReferenceLoadCommand


class Command(ReferenceLoadCommand):
    table = NANPA_PREFIXES
    noun = "NANPA prefixes"
    help = (
        "Load NANPA prefixes (3-digit area code + 3-digit exchange -> UTC offset, DST, city, "
        "state) from a CSV file. A row whose areacode+prefix already exists updates it (only "
        "the columns in the file; the last row for a key wins); --replace deletes all rows "
        "first. The whole file loads in one transaction: a bad row aborts with its line number "
        "and nothing is stored. " + NANPA_PREFIXES.describe_columns()
    )
