"""The corpus reader, its placeholders and the scenario runner."""

import json
import shutil

import pytest

from . import replay as replay_module
from .corpus import (
    Bindings,
    body_lines,
    compare_lines,
    corpus_label,
    default_corpus,
    extra_corpora,
    matches,
    replay_items,
)
from .loader import load_state
from .replay import WireRequest, replay


def test_body_lines_drop_only_the_final_empty_element():
    assert body_lines("a\nb\n") == ["a", "b"]
    assert body_lines("I'm a teapot") == ["I'm a teapot"]
    assert body_lines("a\n\n") == ["a", ""]
    assert body_lines("") == []


def test_placeholders():
    b = Bindings(now="2025-01-15 12:00:00", lead_id=8765448, callback_time="2025-01-18 12:00:00")
    b.lead_ids_by_seq[1] = 77

    assert matches("ADDED - 1|<LEAD_ID>|x", "ADDED - 1|8765448|x", b)
    assert not matches("ADDED - 1|<LEAD_ID>|x", "ADDED - 1|8765449|x", b)
    assert matches("<LEAD_ID@1>|<LEAD_ID>", "77|8765448", b)
    assert matches("HOPPER - <LEAD_ID>|<HOPPER_ID>|6666", "HOPPER - 8765448|12|6666", b)
    assert matches("<N> seconds", "-3 seconds", b)
    assert not matches("<N> seconds", "3.5 seconds", b)
    assert matches(
        "NOT ADDED - 1|<SQL>|6666", "NOT ADDED - 1|INSERT INTO x (a|b) VALUES('|')|6666", b
    )
    assert matches(
        "at <NOW> and <CALLBACK_TIME>", "at 2025-01-15 12:00:00 and 2025-01-18 12:00:00", b
    )
    assert matches("a.b (c)|[d]*", "a.b (c)|[d]*", b)
    assert not matches("a.b", "axb", b)
    assert b.problems == []


def test_placeholders_without_a_value_never_match():
    b = Bindings(now="2025-01-15 12:00:00")

    assert not matches("ADDED - <LEAD_ID>", "ADDED - 8765448", b)
    assert not matches("<LEAD_ID@2>", "1", b)
    assert not matches("<CALLBACK_TIME>", "2025-01-15 12:00:00", b)
    assert len(b.problems) == 3


def test_compare_lines_reports_every_difference():
    b = Bindings(now="")

    assert compare_lines(["a", "b"], ["a", "b"], b) == []
    report = compare_lines(["a", "b", "c"], ["a", "x"], b)
    assert report[0].endswith("ok  a")
    assert "expected: b" in report[1] and "actual:   x" in report[2]
    assert "missing:  c" in report[3]
    assert "extra:    y" in compare_lines(["a"], ["a", "y"], b)[1]


def test_requests_keep_order_duplicates_and_raw_query():
    case = {
        "method": "POST",
        "client_ip": "127.0.0.9",
        "query": [["b", "1+1"], ["b", "x y"]],
        "body": [["last_name", "O'Brien"], ["a", "é"]],
        "raw_query": None,
    }
    request = WireRequest.from_case(case)
    assert request.query_string == "b=1%2B1&b=x+y"
    assert request.body == "last_name=O%27Brien&a=%C3%A9"
    assert (
        WireRequest.from_case({**case, "raw_query": "x[]=1&n=%FF'"}).query_string == "x[]=1&n=%FF'"
    )


def _write_corpus(folder, cases):
    shutil.copy(default_corpus().parent / "state_F0.json", folder / "state_F0.json")
    with (folder / "cases.jsonl").open("w") as handle:
        for case in cases:
            handle.write(json.dumps(case) + "\n")
    return folder / "cases.jsonl"


def _scenario_case(seq, *, overlay=(), skip=None):
    expected = {
        "expect_status": 200,
        "expect_lines": ["ERROR: NO FUNCTION SPECIFIED"],
        "expect_db": {"counts": {"leads": 0, "hopper": 0, "callbacks": 0, "alt_phones": 0}},
    }
    leadhub = (
        {"decisions": [], "skip": skip}
        if skip
        else {"decisions": [], "documented": expected, "vicidial": expected}
    )
    return {
        "id": f"login#{seq}",
        "scenario": "login",
        "seq": seq,
        "title": f"valid login without a function, step {seq}",
        "state": "F0",
        "overlay": list(overlay),
        "clock": None,
        "client_ip": "127.0.0.1",
        "method": "GET",
        "query": [["user", "6666"], ["pass", "1234"], ["source", "test"]],
        "body": None,
        "raw_query": None,
        **expected,
        "leadhub": leadhub,
    }


def test_scenarios_are_grouped_in_seq_order(tmp_path):
    path = _write_corpus(tmp_path, [_scenario_case(2), _scenario_case(1), _scenario_case(3)])

    [item] = replay_items(path)

    assert item.scenario == "login"
    assert [c["seq"] for c in item.cases] == [1, 2, 3]
    assert item.test_id == f"{tmp_path.name}/login"


def test_a_scenario_has_one_overlay(tmp_path):
    set_op = {"op": "set", "path": "settings.use_non_latin", "value": True}
    path = _write_corpus(tmp_path, [_scenario_case(1), _scenario_case(2, overlay=[set_op])])

    with pytest.raises(ValueError, match="identical"):
        replay_items(path)


def test_extra_corpora_from_the_environment(tmp_path, monkeypatch):
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "b.jsonl").write_text("")
    (folder / "a.jsonl").write_text("")
    single = tmp_path / "one.jsonl"
    monkeypatch.setenv("LEADHUB_CONTRACT_CORPUS", f"{folder}:{single}")

    assert extra_corpora() == [folder / "a.jsonl", folder / "b.jsonl", single]
    assert corpus_label(folder / "a.jsonl") == "more:a/"
    assert corpus_label(default_corpus()) == ""


@pytest.mark.django_db
def test_a_scenario_runs_without_reset(tmp_path, client, monkeypatch):
    """Three requests on one state: the second one's skip only stops its checks."""
    path = _write_corpus(
        tmp_path, [_scenario_case(1), _scenario_case(2, skip="not asserted"), _scenario_case(3)]
    )
    [item] = replay_items(path)
    resets = []
    monkeypatch.setattr(replay_module, "reset", lambda state: resets.append(load_state(state)))

    reports = replay(client, item, "documented")

    assert len(resets) == 1

    assert [r.case["seq"] for r in reports] == [1, 2, 3]
    assert [r.ok for r in reports] == [True, True, True]
    assert reports[1].skipped == "not asserted"
