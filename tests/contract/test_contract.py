"""The legacy API against the shared contract corpus, once per wire profile (D4).

Every case of ``shared/contract/cases.jsonl`` and ``webhooks.jsonl`` (and of the corpora named by
``LEADHUB_CONTRACT_CORPUS``) is replayed on a fresh copy of its state with the clock frozen;
status, response lines and the rows the request wrote must match the case's ``leadhub``
expectations for the profile. See README.md in this folder.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from .corpus import (
    PROFILES,
    ReplayItem,
    default_corpus,
    extra_corpora,
    replay_items,
    shared_corpora,
)
from .replay import LMAPI_PATH, NON_AGENT_API_PATH, replay


def _collect() -> tuple[list[ReplayItem], list[str]]:
    items: list[ReplayItem] = []
    errors: list[str] = []
    for path in [*shared_corpora(), *extra_corpora()]:
        try:
            items += replay_items(path)
        except (OSError, ValueError, KeyError) as error:
            errors.append(f"cannot read corpus {path}: {error!r}")
    return items, errors


ITEMS, CORPUS_ERRORS = _collect()


def _params() -> list:
    params = [
        pytest.param(profile, item, id=f"{profile}-{item.test_id}")
        for profile in PROFILES
        for item in ITEMS
    ]
    params += [
        pytest.param(None, error, id=f"corpus-error-{n}") for n, error in enumerate(CORPUS_ERRORS)
    ]
    return params


@pytest.mark.parametrize(("profile", "item"), _params())
def test_contract(profile: str | None, item: ReplayItem | str, client, db) -> None:
    if isinstance(item, str):
        pytest.fail(item, pytrace=False)
    reasons = item.skip_reasons
    if len(reasons) == len(item.cases):
        pytest.skip("; ".join(reasons))
    failures = [r.message for r in replay(client, item, profile) if not r.ok]
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def _endpoint_items() -> list:
    """A few shared cases for the endpoint test: the first, the first that adds a lead, the
    first POST."""
    candidates = [
        i
        for i in ITEMS
        if i.scenario is None and not i.skip_reasons and i.corpus == default_corpus()
    ]
    picks = {}
    for item in candidates:
        case = item.cases[0]
        expected = case["leadhub"]["documented"]
        if not picks:
            picks["first"] = item
        if "lead" not in picks and expected["expect_db"].get("counts", {}).get("leads") == 1:
            picks["lead"] = item
        if "post" not in picks and case["method"] == "POST":
            picks["post"] = item
    return [pytest.param(item, id=item.test_id) for item in dict.fromkeys(picks.values())]


@pytest.mark.parametrize("item", _endpoint_items())
def test_both_endpoints_answer_alike(item: ReplayItem, client, db) -> None:
    """D1: /API/lmapi.php and /vicidial/non_agent_api.php are the same API."""
    answers = []
    for path in (LMAPI_PATH, NON_AGENT_API_PATH):
        with transaction.atomic():
            report = replay(client, item, "documented", path=path)[-1]
            transaction.set_rollback(True)
        lead_id = str(report.lead_id) if report.lead_id is not None else None
        lines = [line.replace(lead_id, "<LEAD_ID>") if lead_id else line for line in report.lines]
        answers.append((report.status, lines, report.created_counts))
    assert answers[0] == answers[1]
