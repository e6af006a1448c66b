"""``manage.py import_leads FILE --list ID``: the upload page's import, in the foreground.

Same service and checks as the page (``leads.importing``): the file is saved and inspected,
columns are auto-mapped (or mapped with --mapping / --standard-layout), the options are the
page's, and the rows are committed in batches with a progress bar on the terminal. The result
file (row, outcome, reason, lead_id, phone, then the row's cells) is written beside the input
as ``FILE.result.csv``. An interrupted import resumes with ``--resume JOB_ID``.
"""

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from leadhub.stored_files import stored_copy_to, stored_description
from leads.api.parser import DNC_MODE_TOKENS, time_zone_method_parse
from leads.importing import engine, jobs
from leads.importing.errors import UnreadableFile
from leads.importing.mapping import normalise_header, standard_layout_map
from leads.importing.options import ImportOptions
from leads.management.progress import Progress
from leads.models import ImportJob
from leads.outcomes import DAY_WINDOWS, DuplicateCheck
from leads.pipeline.batch import Outcome
from leads.rules import HOPPER_PRIORITY_MAX, HOPPER_PRIORITY_MIN
from leads.services.request import (
    AddOptions,
    DncMode,
    DuplicatePolicy,
    HopperRequest,
    PhoneChecks,
    TimeZoneMethod,
)
from leads.timezones import PHONE_CODE_ONLY
from leads.wording import CHECK_BY_CODE, IMPORT_OUTCOME_SHORT_LABELS

LABELS = IMPORT_OUTCOME_SHORT_LABELS


class Command(BaseCommand):
    help = (
        "Import leads from a CSV/TSV/XLSX/XLS/ODS file into a list, with the upload page's "
        "checks and options. Writes FILE.result.csv beside the input and prints the counts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="the lead file")
        parser.add_argument("--list", type=int, dest="list_id", help="target list id")
        parser.add_argument(
            "--duplicate-check",
            type=_duplicate_checks,
            action="extend",
            default=[],
            metavar="CHECK[,CHECK...]",
            help=f"repeatable, or a comma list; each one of {', '.join(CHECK_BY_CODE)}",
        )
        parser.add_argument(
            "--duplicate-days",
            type=int,
            choices=DAY_WINDOWS,
            default=None,
            help="only leads added in the last N days count",
        )
        parser.add_argument(
            "--statuses", default="", help="only existing leads in these statuses (A,B,...)"
        )
        parser.add_argument("--dnc-check", choices=list(DNC_CHOICES), default="")
        parser.add_argument("--campaign-dnc-check", choices=list(DNC_CHOICES), default="")
        parser.add_argument("--campaign-id", default="", help="campaign of --campaign-dnc-check")
        parser.add_argument(
            "--tz-method",
            type=_time_zone_method,
            default=PHONE_CODE_ONLY,
            metavar="METHOD",
            help="as the API's tz_method: POSTAL, TZCODE, NANPA, POSTAL-NANPA, TZCODENANPA ...",
        )
        parser.add_argument("--phone-code", default="", help="default phone code (else 1)")
        parser.add_argument(
            "--hopper-priority",
            type=int,
            choices=range(HOPPER_PRIORITY_MIN, HOPPER_PRIORITY_MAX + 1),
            default=0,
            metavar=f"{HOPPER_PRIORITY_MIN}..{HOPPER_PRIORITY_MAX}",
        )
        for flag in (
            "lookup-state",
            "add-to-hopper",
            "hopper-local-call-time-check",
            "usacan-prefix-check",
            "usacan-areacode-check",
            "nanpa-check",
            "review-duplicates",
        ):
            parser.add_argument(f"--{flag}", action="store_true")
        layout = parser.add_mutually_exclusive_group()
        layout.add_argument(
            "--mapping",
            help='"COLUMN=FIELD,...": COLUMN is a 1-based number or a header text',
        )
        layout.add_argument(
            "--standard-layout", action="store_true", help="the original loader's column order"
        )
        parser.add_argument("--no-header", action="store_true", help="the first row is data")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--yes", action="store_true", help="load a file already loaded")
        parser.add_argument("--user", help="username the import is made by")
        parser.add_argument(
            "--xlsx", action="store_true", help="also write FILE.result.xlsx (before DONE)"
        )
        parser.add_argument("--resume", type=int, metavar="JOB_ID", help="resume an import")
        parser.add_argument("--progress", action="store_true", help="progress bar off a TTY")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume"]:
            job = ImportJob.objects.filter(pk=options["resume"]).first()
            if job is None:
                raise CommandError(f"There is no import job {options['resume']}.")
            if job.status == ImportJob.Status.FAILED:
                job = self._start(jobs.import_job_start_import, job=job, confirm_same_upload=True)
            return self._import(job, options, None)
        if not options["file"]:
            raise CommandError("Name the file to import (or --resume JOB_ID).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        job = self._create(path, options)
        if options["dry_run"]:
            job = self._start(jobs.import_job_start_dry_run, job=job)
            with self._progress(job, options) as progress:
                tally = engine.import_dry_run(job, on_progress=progress.advance)
            self._dry_run_summary(tally)
            return None
        job = self._start(jobs.import_job_start_import, job=job, confirm_same_upload=options["yes"])
        return self._import(job, options, path)

    def _create(self, path: Path, options: dict) -> ImportJob:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user {options['user']!r}.")
        try:
            with path.open("rb") as stream:
                job = jobs.import_job_create(
                    upload=File(stream), original_name=path.name, created_by=user
                )
        except UnreadableFile as error:
            raise CommandError(error.message) from None
        job.wants_xlsx = options["xlsx"]  # saved with the configuration below
        has_header = job.has_header and not options["no_header"]
        if options["standard_layout"]:
            width = max([len(job.header)] + [len(r) for r in jobs.import_job_sample(job)])
            mapping = standard_layout_map(width)
        elif options["mapping"]:
            mapping = _parse_mapping(options["mapping"], job.header)
        else:
            mapping = {int(column): name for column, name in job.mapping.items()}
        settings = _import_options(options)
        try:
            return jobs.import_job_configure(
                job=job,
                list_id=options["list_id"],
                mapping=mapping,
                options=settings,
                has_header=has_header,
            )
        except jobs.ImportConfigError as error:
            raise CommandError(error.message) from None

    def _start(self, start, **kwargs) -> ImportJob:
        try:
            return start(background=False, **kwargs)
        except jobs.ImportConfigError as error:
            hint = " (--yes)" if "already loaded" in error.message else ""
            raise CommandError(error.message + hint) from None

    def _progress(self, job: ImportJob, options: dict) -> Progress:
        stream = options.get("stderr") or sys.stderr
        progress = Progress(None, stream, enabled=True if options["progress"] else None)
        progress.total = job.total_rows
        progress.count = job.rows_done if job.status != ImportJob.Status.CHECKING else 0
        return progress

    def _import(self, job: ImportJob, options: dict, path: Path | None) -> None:
        try:
            with self._progress(job, options) as progress:
                job = engine.import_run(job, on_progress=progress.advance)
        except KeyboardInterrupt:
            raise CommandError(
                f"Interrupted: committed batches are kept. Resume with --resume {job.pk}."
            ) from None
        if path is not None:
            result = f"{path}.result.csv"
            if job.result_csv:
                stored_copy_to(job.result_csv.name, result)
            if job.result_xlsx:
                stored_copy_to(job.result_xlsx.name, f"{path}.result.xlsx")
        else:
            # Resumed by job id: the input's folder is unknown, the result stays with the job.
            result = stored_description(job.result_csv.name) if job.result_csv else "(none)"
        counts = job.counts or {}
        parts = ", ".join(f"{LABELS[o]} {counts.get(o, 0):,}" for o in Outcome)
        self.stdout.write(f"Import {job.pk} {job.get_status_display().lower()}: {parts}.")
        self.stdout.write(f"{job.rows_done:,} rows; result file {result}")
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)

    def _dry_run_summary(self, tally: dict) -> None:
        counts = tally.get("counts", {})
        parts = ", ".join(f"{LABELS[o]} {counts.get(o, 0):,}" for o in Outcome)
        self.stdout.write(f"Dry run of {tally.get('rows', 0):,} rows: {parts}.")
        repaired = tally.get("encoding_repaired") or {}
        if repaired.get("rows"):
            rows = ", ".join(f"row {number}" for number in repaired["examples"])
            self.stdout.write(
                f"  encoding repaired: {repaired['rows']:,} rows were not UTF-8 and were read "
                f"as Windows-1252: {rows}"
            )
        normalised = tally.get("phones_normalised") or {}
        if normalised.get("rows"):
            shown = ", ".join(
                f"row {e['row']} ({e['written']} -> {e['phone']})" for e in normalised["examples"]
            )
            self.stdout.write(f"  phone numbers normalised: {normalised['rows']:,} rows: {shown}")
        for reason, examples in tally.get("examples", {}).items():
            if reason.startswith(Outcome.ADDED):
                continue
            rows = ", ".join(f"row {e['row']} ({e['phone'] or 'no phone'})" for e in examples)
            self.stdout.write(f"  {reason}: {rows}")


# The API's words for the DNC modes and time-zone methods (``leads.api.parser``), so that a
# command line reads as an add_lead request does.
DNC_CHOICES = {"": DncMode.OFF, **DNC_MODE_TOKENS}


def _duplicate_checks(text: str) -> list[DuplicateCheck]:
    """Checks by their short names (DUPLIST), comma separated, in any case."""
    checks = []
    for code in filter(None, (part.strip().upper() for part in text.split(","))):
        check = CHECK_BY_CODE.get(code)
        if check is None:
            raise ValueError(code)
        checks.append(check)
    return checks


def _time_zone_method(text: str) -> TimeZoneMethod:
    """The API's reading of tz_method (NANPA's fallback without NANPA data included); a text
    that names no source is refused rather than read as the phone code alone."""
    method = time_zone_method_parse(text)
    if text and method == PHONE_CODE_ONLY:
        raise ValueError(text)
    return method


def _import_options(options: dict) -> ImportOptions:
    """The command line's options as the importer's typed options."""
    checks = sorted(set(options["duplicate_check"]), key=list(DuplicateCheck).index)
    statuses = frozenset(s.strip().upper() for s in options["statuses"].split(",")) - {""}
    hopper = HopperRequest(
        priority=options["hopper_priority"],
        local_call_time_check=options["hopper_local_call_time_check"],
    )
    return ImportOptions(
        add=AddOptions(
            phone_checks=PhoneChecks(
                usacan_prefix=options["usacan_prefix_check"],
                usacan_areacode=options["usacan_areacode_check"],
                nanpa_prefix=options["nanpa_check"],
            ),
            lookup_state=options["lookup_state"],
            dnc=DNC_CHOICES[options["dnc_check"]],
            campaign_dnc=DNC_CHOICES[options["campaign_dnc_check"]],
            campaign_id=options["campaign_id"],
            duplicates=DuplicatePolicy(
                checks=tuple(checks),
                days=options["duplicate_days"],
                statuses=statuses,
            ),
            time_zone=options["tz_method"],
            hopper=hopper if options["add_to_hopper"] else None,
        ),
        phone_code=options["phone_code"],
        review_duplicates=options["review_duplicates"],
    )


def _parse_mapping(text: str, header: list[str]) -> dict[int, str]:
    """'1=phone_number,First Name=first_name' -> {0: 'phone_number', <column>: 'first_name'}."""
    columns = {normalise_header(cell): index for index, cell in enumerate(header or [])}
    mapping: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        column, _, name = item.rpartition("=")
        column, name = column.strip(), name.strip()
        if column.isdigit() and int(column) >= 1:
            mapping[int(column) - 1] = name
        elif normalise_header(column) in columns:
            mapping[columns[normalise_header(column)]] = name
        else:
            raise CommandError(f"--mapping: no column {column!r} (use a number from 1 or a header)")
    return mapping
