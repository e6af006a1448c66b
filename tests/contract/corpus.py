"""Reading contract corpora (``shared/contract/FORMAT.md``) and matching their placeholders.

A corpus is a ``*.jsonl`` file of cases with its states beside it as ``state_<name>.json``.
The shared corpus is always replayed; ``LEADHUB_CONTRACT_CORPUS`` adds more (files, or folders
whose ``*.jsonl`` files are all read), separated by ``os.pathsep``. Independent cases become
one replay item each; cases carrying ``scenario`` become one item per scenario, in ``seq``
order, run without a reset in between.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .loader import apply_overlay

PROFILES = ("documented", "vicidial")


def shared_dir() -> Path:
    """The project's shared folder: ``LEADHUB_SHARED_DIR``, else ``shared`` beside the repo."""
    configured = os.environ.get("LEADHUB_SHARED_DIR")
    return Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared"


def default_corpus() -> Path:
    return shared_dir() / "contract" / "cases.jsonl"


def shared_corpora() -> list[Path]:
    """The shared corpora replayed always: ``cases.jsonl`` and ``webhooks.jsonl`` (W01-W04,
    the new-lead URL, D19; test ids ``<profile>-contract:webhooks/W01``)."""
    return [default_corpus(), shared_dir() / "contract" / "webhooks.jsonl"]


def extra_corpora() -> list[Path]:
    """The ``*.jsonl`` files named by ``LEADHUB_CONTRACT_CORPUS`` (files or folders)."""
    files: list[Path] = []
    for entry in os.environ.get("LEADHUB_CONTRACT_CORPUS", "").split(os.pathsep):
        if not entry.strip():
            continue
        path = Path(entry.strip()).expanduser()
        if path.is_dir():
            files.extend(sorted(path.glob("*.jsonl")))
        else:
            files.append(path)
    return files


@dataclass(frozen=True, eq=False)
class ReplayItem:
    """What one test replays: an independent case, or a whole scenario in ``seq`` order."""

    test_id: str
    corpus: Path
    state_name: str
    overlay: tuple
    cases: tuple[dict, ...]
    scenario: str | None = None

    def state(self) -> dict:
        """A fresh copy of the item's state with its overlay applied."""
        return apply_overlay(read_state(self.corpus.parent, self.state_name), self.overlay)

    @property
    def skip_reasons(self) -> list[str]:
        return [
            f"{c['id']}: {c['leadhub']['skip']}" for c in self.cases if c["leadhub"].get("skip")
        ]


def corpus_label(path: Path) -> str:
    """Test-id prefix of a corpus: none for the shared one, else ``<folder>[:<file>]/``."""
    if path.resolve() == default_corpus().resolve():
        return ""
    stem = "" if path.stem == "cases" else f":{path.stem}"
    return f"{path.parent.name}{stem}/"


def read_cases(path: Path) -> list[dict]:
    cases = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                cases.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON: {error}") from error
    return cases


@functools.cache
def _read_state_file(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def read_state(folder: Path, name: str) -> dict:
    """The state ``name`` of a corpus folder (a new dict on every call)."""
    path = folder / f"state_{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"state {name!r} not found: expected {path}")
    return json.loads(_read_state_file(path))


def replay_items(path: Path) -> list[ReplayItem]:
    """The replay items of one corpus file, in file order (a scenario where it first appears)."""
    label = corpus_label(path)
    groups: dict[tuple[str, str], list[dict]] = {}
    for case in read_cases(path):
        scenario = case.get("scenario")
        key = ("case", case["id"]) if scenario is None else ("scenario", scenario)
        groups.setdefault(key, []).append(case)
    items = []
    for (kind, name), cases in groups.items():
        cases.sort(key=lambda c: int(c.get("seq", 0)))
        first = cases[0]
        if kind == "case" and len(cases) > 1:
            raise ValueError(f"{path}: case id {name!r} appears {len(cases)} times")
        for case in cases[1:]:
            if case["state"] != first["state"] or case.get("overlay") != first.get("overlay"):
                raise ValueError(
                    f"{path}: scenario {name!r}: case {case['id']} has another state or "
                    "overlay than its first case (FORMAT §2: identical on every case)"
                )
        items.append(
            ReplayItem(
                test_id=f"{label}{name}",
                corpus=path,
                state_name=first["state"],
                overlay=tuple(first.get("overlay") or ()),
                cases=tuple(cases),
                scenario=name if kind == "scenario" else None,
            )
        )
    return items


# --- placeholders (FORMAT §4) -----------------------------------------------------------------

PLACEHOLDER = re.compile(r"<(LEAD_ID(?:@(\d+))?|HOPPER_ID|N|SQL|NOW|CALLBACK_TIME)>")


@dataclass
class Bindings:
    """Values the placeholders of one request stand for.

    ``lead_id`` is the id of the lead the request created (None: it created none, and then
    ``<LEAD_ID>`` matches no line); ``lead_ids_by_seq`` the leads earlier requests of the same
    scenario created.
    """

    now: str
    lead_id: int | None = None
    callback_time: str | None = None
    lead_ids_by_seq: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        known = [f"<NOW>={self.now}"]
        if self.lead_id is not None:
            known.append(f"<LEAD_ID>={self.lead_id}")
        if self.callback_time is not None:
            known.append(f"<CALLBACK_TIME>={self.callback_time}")
        known += [f"<LEAD_ID@{n}>={v}" for n, v in sorted(self.lead_ids_by_seq.items())]
        return ", ".join(known)


def pattern(expected: str, bindings: Bindings) -> re.Pattern[str] | None:
    """A regular expression for ``expected`` with its placeholders expanded, or None when a
    placeholder has no value here (the reason is added to ``bindings.problems``)."""
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(expected):
        parts.append(re.escape(expected[position : match.start()]))
        position = match.end()
        name, seq = match.group(1), match.group(2)
        if seq is not None:
            value = bindings.lead_ids_by_seq.get(int(seq))
            if value is None:
                bindings.problems.append(f"<LEAD_ID@{seq}>: request seq {seq} created no lead")
                return None
            parts.append(re.escape(str(value)))
        elif name == "LEAD_ID":
            if bindings.lead_id is None:
                bindings.problems.append("<LEAD_ID>: this request created no lead")
                return None
            parts.append(re.escape(str(bindings.lead_id)))
        elif name in ("HOPPER_ID", "N"):
            parts.append(r"-?\d+")
        elif name == "SQL":
            parts.append(r".*")
        elif name == "NOW":
            parts.append(re.escape(bindings.now))
        else:  # CALLBACK_TIME
            if bindings.callback_time is None:
                bindings.problems.append(
                    "<CALLBACK_TIME>: expect_db.callback.callback_time gives no time"
                )
                return None
            parts.append(re.escape(bindings.callback_time))
    parts.append(re.escape(expected[position:]))
    return re.compile("".join(parts), re.DOTALL)


def matches(expected: str, actual: str, bindings: Bindings) -> bool:
    compiled = pattern(expected, bindings)
    return compiled is not None and compiled.fullmatch(actual) is not None


def body_lines(body: str) -> list[str]:
    """The body split on ``\\n`` with the final empty element dropped (FORMAT §4)."""
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def compare_lines(expected: list[str], actual: list[str], bindings: Bindings) -> list[str]:
    """A line-by-line report, or an empty list when every line matches."""
    report = []
    failed = len(expected) != len(actual)
    for index in range(max(len(expected), len(actual))):
        number = f"{index + 1:>3}"
        if index >= len(actual):
            report.append(f"{number} --  missing:  {expected[index]}")
        elif index >= len(expected):
            report.append(f"{number} ++  extra:    {actual[index]}")
        elif matches(expected[index], actual[index], bindings):
            report.append(f"{number} ok  {actual[index]}")
        else:
            failed = True
            report.append(f"{number} !!  expected: {expected[index]}")
            report.append(f"         actual:   {actual[index]}")
    return report if failed else []
