"""make test's runs (scripts/test_suite.py) cover every test file of tests/, each once."""

from __future__ import annotations

from test_suite import ROOT, RUNS


def test_every_test_file_is_in_exactly_one_run():
    paths = [ROOT / path for run in RUNS.values() for path in run]
    for test_file in (ROOT / "tests").rglob("test_*.py"):
        runs = [path for path in paths if test_file == path or path in test_file.parents]
        assert len(runs) == 1, f"{test_file.relative_to(ROOT)} is in {len(runs)} runs: {runs}"


def test_the_runs_name_nothing_that_does_not_exist():
    missing = [path for run in RUNS.values() for path in run if not (ROOT / path).exists()]
    assert not missing
