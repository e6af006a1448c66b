"""An import's rows as the pipeline's typed batch: the job's mapping applied to each row's
cells, each value through its field's cleaner (``rules.file_value_cleaner``), and the
pipeline's batch service set up with the job's options (``job_batch``)."""

from collections.abc import Callable, Iterable
from operator import itemgetter

from leads.models import ImportJob
from leads.pipeline.batch import LeadBatch, RowResult
from leads.rules import (
    DIGITS_ONLY_FIELDS,
    PHONE_TEXT_FIELDS,
    STANDARD_LAYOUT,
    STANDARD_LEAD_COLUMNS,
    file_value_changes,
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


class _Memo(dict):
    """A field's cleaned values by raw text; a miss cleans the value once (``__missing__``),
    so a column is cleaned by one ``map`` over the memo's ``__getitem__``."""

    __slots__ = ("clean",)

    def __init__(self, clean: Callable[[str], str]) -> None:
        super().__init__({"": ""})
        self.clean = clean

    def __missing__(self, raw: str) -> str:
        text = self[raw] = self.clean(raw)
        return text


class RowCleaner:
    """Maps and cleans a job's rows into ``RowResult``s: pure computation, no query, so it
    may run while the database connection is busy (the import cleans the next batch during
    a COPY). A batch is cleaned a column at a time: each field's cleaner runs over its
    column's cells (an empty cell stays empty), then each row's values are put together."""

    def __init__(self, job: ImportJob) -> None:
        non_latin = system_settings_get().use_non_latin
        options = ImportOptions.from_json(job.options)
        # The phone fields as people typed them, through the one normaliser (counted for the
        # dry run's "normalised").
        self.phones = ImportPhones(default_phone_code=options.phone_code or "1")
        mapped = sorted(
            (int(column), name) for column, name in job.mapping.items() if name in STANDARD_LAYOUT
        )
        self._names = tuple(name for _, name in mapped)
        # Every cell a row needs, for rows shorter than that (their missing cells are empty).
        self._width = max((column for column, _ in mapped), default=-1) + 1
        self._take = itemgetter(*(column for column, _ in mapped)) if mapped else None
        # (cleaner, memo of cleaned values or None, whether the cleaner may change a text)
        # per mapped field: see _value_rows().
        self._cleaners: list[tuple[Callable[[str], str], _Memo | None, Callable]] = []
        for name in self._names:
            clean = file_value_cleaner(name, non_latin=non_latin)
            remembered = name not in DIGITS_ONLY_FIELDS and name not in PHONE_TEXT_FIELDS
            changes = file_value_changes(name, non_latin=non_latin)
            self._cleaners.append((clean, _Memo(clean) if remembered else None, changes))

    def clean(self, rows: list[tuple[int, list[str]]]) -> list[RowResult]:
        if not rows:
            return []
        names, normalise = self._names, self.phones.normalise
        results = []
        for (number, cells), values in zip(rows, self._value_rows(rows), strict=True):
            fields = dict(zip(names, values, strict=True))
            result = RowResult(number, cells, values=fields)
            result.phone = normalise(number, fields)
            results.append(result)
        # Fields that repeat a few values (names, city, state) are cleaned once per value;
        # fields with too many distinct values (phones, e-mails) are not remembered.
        self._cleaners = [
            (clean, None if memo is None or len(memo) > MEMO_VALUES else memo, changes)
            for clean, memo, changes in self._cleaners
        ]
        return results

    def _value_rows(self, rows: list[tuple[int, list[str]]]) -> Iterable[tuple[str, ...]]:
        """The cleaned values of each row, in ``_names``' order."""
        take, width = self._take, self._width
        if take is None:
            return [()] * len(rows)
        padding = [""] * width
        taken = [
            take(cells) if len(cells) >= width else take(cells + padding[len(cells) :])
            for _, cells in rows
        ]
        columns = list(zip(*taken, strict=True)) if len(self._names) > 1 else [taken]
        cleaned = []
        for (clean, memo, changes), column in zip(self._cleaners, columns, strict=True):
            if not changes("".join(column)):
                cleaned.append(column)  # no cell of the batch's column changes
            elif memo is not None:
                cleaned.append(list(map(memo.__getitem__, column)))
            else:
                cleaned.append([clean(raw) if raw else "" for raw in column])
        return zip(*cleaned, strict=True)
