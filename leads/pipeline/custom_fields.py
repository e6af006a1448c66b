"""The custom-field rule: with custom fields on, a list that keeps them stores a value for each
of its storing fields: the value sent, cleaned (``custom_value_clean``), or the field's default
when none is sent (D15). Labels of standard lead columns are never custom (C13).

The plan of a list (``custom_field_plan``) is declared once. Single form ``custom_fields``
(the API's add: the values of one request); batch form ``CustomFieldBatch`` (the values of
many rows, each list's plan looked up once per run).
"""

from collections.abc import Mapping

from leads.outcomes import CustomFieldsOutcome, CustomFieldsResult
from leads.selectors import custom_fields_storing, list_get, system_settings_get

from .storage import custom_value_clean

# (label, default) of each field a list stores.
Plan = tuple[tuple[str, str], ...]


def custom_field_plan(list_id: int) -> Plan | CustomFieldsResult:
    """What the list stores: its storing fields' (label, default), in the original's order,
    or why it stores none (DISABLED, NO_STORAGE, NO_FIELDS). Cached lookups only."""
    if not system_settings_get().custom_fields_enabled:
        return CustomFieldsResult.DISABLED
    target = list_get(list_id)
    if target is None or not target.keeps_custom_fields:
        return CustomFieldsResult.NO_STORAGE
    plan = tuple(
        (definition.field_label, definition.field_default or "")
        for definition in custom_fields_storing(list_id)
    )
    return plan or CustomFieldsResult.NO_FIELDS


def custom_values(plan: Plan, sent: Mapping[str, str]) -> dict[str, str]:
    """The values stored under ``plan``: each label's sent value cleaned, else its default."""
    return {
        label: default if (raw := sent.get(label)) is None else custom_value_clean(raw)
        for label, default in plan
    }


def custom_fields(
    raw_values: Mapping[str, str], list_id: int, entry_list_id: int
) -> CustomFieldsOutcome:
    """The single form: one request's custom values (raw, as sent) for its list."""
    plan = custom_field_plan(list_id)
    if isinstance(plan, CustomFieldsResult):
        return CustomFieldsOutcome(result=plan)
    return CustomFieldsOutcome(
        result=CustomFieldsResult.ADDED,
        values=custom_values(plan, raw_values),
        entry_list_changed=int(entry_list_id != list_id),
    )


class CustomFieldBatch:
    """The batch form: the custom values of rows whose cells ``columns`` ({label: column})
    maps, each list's plan looked up once."""

    def __init__(self, columns: Mapping[str, int]) -> None:
        self.columns = dict(columns)
        self._plans: dict[int, tuple[Plan, tuple[tuple[str, int], ...]] | None] = {}

    def values(self, list_id: int, cells: list[str]) -> dict[str, str] | None:
        """The row's values (``custom_values`` of its mapped cells); None when its list
        stores none."""
        if list_id not in self._plans:
            plan = custom_field_plan(list_id)
            self._plans[list_id] = (
                None
                if isinstance(plan, CustomFieldsResult)
                else (
                    plan,
                    tuple((name, self.columns[name]) for name, _ in plan if name in self.columns),
                )
            )
        found = self._plans[list_id]
        if found is None:
            return None
        plan, mapped = found
        width = len(cells)
        # A short row sends its missing cells empty.
        sent = {label: cells[column] if column < width else "" for label, column in mapped}
        return custom_values(plan, sent)
