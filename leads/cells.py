"""Text cells of files that people open in spreadsheet programs (exports, import results).

A cell starting with one of ``FORMULA_START`` is run as a formula by Excel and LibreOffice
(OWASP "CSV injection"); a leading apostrophe makes it text. Every writer of such files takes
the rule from here.
"""

import re

FORMULA_START = frozenset("=+-@\t\r")
# Cells joined by line breaks: one search tells whether any cell of a row needs the quote.
_FORMULA_LINE = re.compile("^[=+\\-@\t\r]", re.MULTILINE)


def formula_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return "'" + text if text[:1] in FORMULA_START else text


def formula_risk(texts: list[str]) -> bool:
    """Whether any of ``texts`` (none holding a line break) starts like a formula; texts
    with line breaks may give a false alarm, never a miss."""
    return _FORMULA_LINE.search("\n".join(texts)) is not None
