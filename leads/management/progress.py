"""A plain-text progress bar for long-running management commands.

Generic on purpose: the reference-data loaders and the lead importer both use it. It knows
nothing about CSV or models; callers say how many items there will be (if they know) and
report progress with ``advance(n)``.
"""

import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

BAR_WIDTH = 30


class Progress:
    """Draws ``[#####.....]  50%  5,000/10,000 rows  1,234 rows/s`` on ``stream``.

    ``total`` may be ``None`` (unknown), in which case only the count and rate are shown; it
    may also be an estimate: the percentage is capped at 100 and the final line shows the real
    count. It may be set after construction (e.g. only once ``enabled`` says a bar is wanted,
    so a disabled bar costs no line count). Redraws at most once per ``interval`` seconds, so
    ``advance`` is cheap to call per row. ``enabled=None`` means "only if ``stream`` is a
    TTY"; pass ``True`` to force it (for a ``--progress`` option). On a TTY the bar redraws in
    place (``\\r``); forced onto a file or pipe it writes one line per redraw instead.
    ``close()`` draws the final state unless it is already shown, ends the line, and is safe
    to call twice; the object is also a context manager that closes on exit.
    """

    def __init__(
        self,
        total: int | None,
        stream: TextIO,
        *,
        enabled: bool | None = None,
        unit: str = "rows",
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.count = 0
        self._stream = stream
        is_tty = _isatty(stream)
        self.enabled = is_tty if enabled is None else enabled
        self._in_place = is_tty
        self._unit = unit
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_draw: float | None = None
        self._drawn_count: int | None = None
        self._closed = False

    def advance(self, n: int = 1) -> None:
        self.count += n
        if not self.enabled:
            return
        now = self._clock()
        if self._last_draw is None or now - self._last_draw >= self._interval:
            self._draw(now)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not self.enabled:
            return
        if self._drawn_count != self.count:
            self._draw(self._clock())
        if self._in_place:
            self._stream.write("\n")
            self._stream.flush()

    def render(self, now: float) -> str:
        """The text of one redraw, without line control characters."""
        elapsed = now - self._started
        rate = self.count / elapsed if elapsed > 0 else 0.0
        speed = f"{rate:,.0f} {self._unit}/s"
        if not self.total:
            return f"{self.count:,} {self._unit}  {speed}"
        fraction = min(self.count / self.total, 1.0)
        filled = int(fraction * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        shown_total = max(self.total, self.count)
        return f"[{bar}] {fraction:4.0%}  {self.count:,}/{shown_total:,} {self._unit}  {speed}"

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._drawn_count = self.count
        text = self.render(now)
        if self._in_place:
            # Trailing spaces wipe leftovers of a longer previous line.
            self._stream.write(f"\r{text}   ")
        else:
            self._stream.write(f"{text}\n")
        self._stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def count_lines(path: str | Path, chunk_size: int = 1 << 20) -> int:
    """Number of lines in a file, read in binary chunks (fast, constant memory).

    A last line without a newline counts. Meant for a progress total, so it is an estimate of
    records: quoted fields spanning lines and blank lines are counted as lines.
    """
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return lines


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
