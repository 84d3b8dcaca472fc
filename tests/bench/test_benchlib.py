"""The benchmarks' shared rules: rounds interleaved, ratios of min and of median, the record."""

from __future__ import annotations

import json
import subprocess
import sys

import benchlib
import pytest


def test_arms_alternate_and_their_order_reverses_every_other_round():
    calls = []
    arms = {name: (lambda name=name: calls.append(name) or len(calls)) for name in "ABC"}
    results = benchlib.interleave(arms, 4)
    assert "".join(calls) == "ABCCBAABCCBA"
    assert results == {"A": [1, 6, 7, 12], "B": [2, 5, 8, 11], "C": [3, 4, 9, 10]}


def test_fewer_than_three_rounds_are_refused():
    with pytest.raises(ValueError, match="at least 3 rounds"):
        benchlib.interleave({"A": lambda: 1.0}, 2)


def test_ratios_are_of_the_minimums_and_of_the_medians():
    comparison = benchlib.Comparison("c", "base", "subject", [2.0, 4.0, 10.0], [3.0, 5.0, 5.0])
    assert comparison.ratio_min == 1.5
    assert comparison.ratio_median == 1.25
    record = comparison.as_dict()
    assert record["baseline"] == {
        "label": "base",
        "rounds_s": [2.0, 4.0, 10.0],
        "min_s": 2.0,
        "median_s": 4.0,
    }
    assert record["ratio"] == {"min": 1.5, "median": 1.25}


def test_record_is_written_as_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(benchlib, "RECORDS", tmp_path)
    record = benchlib.Record("demo", {"rounds": 3})
    record.add(benchlib.Comparison("c", "base", "subject", [1.0, 1.0, 1.0], [1.1, 1.2, 1.3]))
    path = record.write()
    data = json.loads(path.read_text())
    assert path == tmp_path / "demo.json"
    assert data["benchmark"] == "demo" and data["parameters"] == {"rounds": 3}
    assert data["comparisons"][0]["ratio"]["median"] == pytest.approx(1.2)
    assert "1.200x" in capsys.readouterr().out


def test_a_plain_script_imports_what_the_tests_import():
    """`make bench` runs the benchmarks as plain scripts, without pytest's pythonpath."""
    code = "import benchlib, localaws.process, lambda_common.naming, tfroot, tests.support.lambdas"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=benchlib.ROOT / "tests" / "bench",
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
