"""An import's rows as the pipeline's typed batch: the job's mapping applied to each row's
cells, each value through its field's cleaner (``rules.file_value_cleaner``), and the
pipeline's batch service set up with the job's options (``job_batch``)."""

from leads.models import ImportJob
from leads.pipeline.batch import LeadBatch, RowResult
from leads.rules import (
    DIGITS_ONLY_FIELDS,
    PHONE_TEXT_FIELDS,
    STANDARD_LAYOUT,
    STANDARD_LEAD_COLUMNS,
    file_value_cleaner,
)
from leads.selectors import system_settings_get

from .options import ImportOptions
from .phone_text import ImportPhones

# A field's cleaned values are remembered while it has at most this many distinct ones.
MEMO_VALUES = 2000


def job_batch(job: ImportJob) -> LeadBatch:
    """The pipeline's batch service for the job's list and options; the unmapped columns'
    labels that are not lead fields are custom fields."""
    options = ImportOptions.from_json(job.options)
    custom_columns = {
        label: int(column)
        for column, label in job.mapping.items()
        if label not in STANDARD_LAYOUT and label not in STANDARD_LEAD_COLUMNS
    }
    return LeadBatch(
        options.add,
        list_id=job.list_id,
        default_phone_code=options.phone_code or "1",
        custom_columns=custom_columns,
    )


class RowCleaner:
    """Maps and cleans a job's rows into ``RowResult``s: pure computation, no query, so it
    may run while the database connection is busy (the import cleans the next batch during
    a COPY)."""

    def __init__(self, job: ImportJob) -> None:
        non_latin = system_settings_get().use_non_latin
        options = ImportOptions.from_json(job.options)
        # The phone fields as people typed them, through the one normaliser (counted for the
        # dry run's "normalised").
        self.phones = ImportPhones(default_phone_code=options.phone_code or "1")
        # (column, field, cleaner, memo of cleaned values or None): see clean().
        self._fields = [
            (
                int(column),
                name,
                file_value_cleaner(name, non_latin=non_latin),
                None if name in DIGITS_ONLY_FIELDS or name in PHONE_TEXT_FIELDS else {},
            )
            for column, name in sorted(job.mapping.items(), key=lambda item: int(item[0]))
            if name in STANDARD_LAYOUT
        ]

    def clean(self, rows: list[tuple[int, list[str]]]) -> list[RowResult]:
        results = [self.clean_row(number, cells) for number, cells in rows]
        # Fields that repeat a few values (names, city, state) are cleaned once per value;
        # fields with too many distinct values (phones, e-mails) are not remembered.
        self._fields = [
            (column, name, clean, None if memo is None or len(memo) > MEMO_VALUES else memo)
            for column, name, clean, memo in self._fields
        ]
        return results

    def clean_row(self, number: int, cells: list[str]) -> RowResult:
        result = RowResult(number, cells)
        width = len(cells)
        values = result.values
        for column, name, clean, memo in self._fields:
            raw = cells[column] if column < width else ""
            if not raw:
                values[name] = ""
            elif memo is None:
                values[name] = clean(raw)
            else:
                text = memo.get(raw)
                if text is None:
                    text = memo[raw] = clean(raw)
                values[name] = text
        result.phone = self.phones.normalise(number, values)
        return result
