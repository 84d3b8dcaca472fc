"""The demo names a function's logged error the way its handler logged it."""

from __future__ import annotations

import json

from demo import logged_error


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
