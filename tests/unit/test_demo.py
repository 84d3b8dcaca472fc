"""The demo names a function's logged error the way its handler logged it."""

from __future__ import annotations

import json

from demo import ApplyProgress, logged_error


def test_a_powertools_error_line_reads_as_error_and_cause():
    line = json.dumps(
        {
            "level": "ERROR",
            "message": "transcoding failed",
            "key": "broken.mp4",
            "error": "CorruptMediaError",
            "cause": "broken.mp4 could not be decoded",
        }
    )
    assert logged_error(line) == "CorruptMediaError: broken.mp4 could not be decoded"


def test_other_lines_are_shown_as_they_are():
    assert logged_error("[ERROR] KeyError: 'object'") == "[ERROR] KeyError: 'object'"
    assert logged_error(json.dumps({"message": "Error reading broken.mp4"})) == (
        "Error reading broken.mp4"
    )


def test_apply_progress_prints_every_few_seconds_and_the_last(capsys):
    progress = ApplyProgress(every=5.0)
    for done, elapsed in [(1, 0.5), (2, 1.0), (3, 6.0), (4, 7.0), (5, 7.5)]:
        progress(done, 5, elapsed, f"module.m.aws_x.r{done}")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0].strip() for line in lines] == [
        "1/5 resources",
        "3/5 resources",
        "5/5 resources",
    ]
