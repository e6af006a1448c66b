"""``manage.py load_phone_codes FILE``: load country/area codes with their time zones."""

from leads.management.reference_csv import PHONE_CODES, ReferenceLoadCommand


class Command(ReferenceLoadCommand):
    table = PHONE_CODES
    noun = "phone codes"
    help = (
        "Load phone codes (country code + area code -> state, UTC offset, DST rule, IANA zone) "
        "from a CSV file. Rows are appended in file order, because lookups that fall back take "
        "the first matching row; use --replace for a full reload. The whole file loads in one "
        "transaction: a bad row aborts with its line number and nothing is stored. "
        + PHONE_CODES.describe_columns()
    )
