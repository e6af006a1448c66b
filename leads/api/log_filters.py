"""Log filters that keep the legacy API's password out of the application's logs (D6)."""

import logging

from .params import query_without_password


class RequestLineWithoutPassword(logging.Filter):
    """The development server logs each request line, query string included: a GET caller's
    ``pass=`` would be printed. Drop every password pair from it before any handler runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str) and "?" in args[0]:
            method, space, rest = args[0].partition(" ")
            target, space_after, protocol = rest.partition(" ")
            path, _, query = target.partition("?")
            cleaned = f"{path}?{query_without_password(query)}" if query else target
            record.args = (f"{method}{space}{cleaned}{space_after}{protocol}", *args[1:])
        return True
