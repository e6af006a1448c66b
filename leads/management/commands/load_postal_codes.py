"""``manage.py load_postal_codes FILE``: load postal codes with their time zones."""

from leads.management.reference_csv import POSTAL_CODES, ReferenceLoadCommand


class Command(ReferenceLoadCommand):
    table = POSTAL_CODES
    noun = "postal codes"
    help = (
        "Load postal codes (postal code -> state, UTC offset, DST rule, IANA zone) from a CSV "
        "file. Rows are appended (the table has no unique key); use --replace for a full "
        "reload. The whole file loads in one transaction: a bad row aborts with its line "
        "number and nothing is stored. " + POSTAL_CODES.describe_columns()
    )
