"""The phone fields of an import's rows as people typed them: each goes through the pipeline's
one normaliser (``phones.phone_normalise``), and the rows it rewrote are counted for the dry
run ("normalised"), with a few examples a supervisor can check."""

from leads.phones import phone_normalise

EXAMPLES_KEPT = 5


class ImportPhones:
    """Normalises ``phone_number``, ``phone_code`` and ``alt_phone`` of cleaned rows.

    ``rows``: how many rows had a phone number or alt phone rewritten; ``examples``: the
    first few, as {row, written, phone, phone_code}."""

    def __init__(self, *, default_phone_code: str, keep: int = EXAMPLES_KEPT) -> None:
        self.default_phone_code = default_phone_code
        self.keep = keep
        self.rows = 0
        self.examples: list[dict] = []

    def normalise(self, number: int, values: dict[str, str]) -> str:
        """Rewrite the row's phone fields in ``values`` (a calling code written with the
        number becomes its phone_code); returns the phone number."""
        code = values.get("phone_code") or self.default_phone_code
        written = values.get("phone_number", "")
        phone = phone_normalise(written, phone_code=code)
        changed = phone.changed and bool(written)
        if "phone_number" in values:
            values["phone_number"] = phone.number
            if phone.phone_code != code:
                values["phone_code"] = code = phone.phone_code
        alt = values.get("alt_phone")
        if alt:
            alt_phone = phone_normalise(alt, phone_code=code)
            values["alt_phone"] = alt_phone.number
            changed = changed or alt_phone.changed
        else:
            alt = ""
        if changed:
            self.rows += 1
            if len(self.examples) < self.keep:
                self.examples.append(
                    {
                        "row": number,
                        "written": written or alt or "",
                        "phone": phone.number if written else values.get("alt_phone", ""),
                        "phone_code": code,
                    }
                )
        return phone.number

    def summary(self) -> dict:
        return {"rows": self.rows, "examples": self.examples}
