"""TerraformRoot.apply with progress reads terraform's machine-readable UI (`apply -json`)."""

from __future__ import annotations

import json
import os

import pytest
import tfroot
from tfroot import TerraformError, TerraformRoot

EVENTS = [
    {"type": "apply_complete", "hook": {"action": "read", "resource": {"addr": "data.x.y"}}},
    {"type": "planned_change", "change": {"action": "create"}},
    {
        "type": "change_summary",
        "changes": {"operation": "plan", "add": 2, "change": 0, "remove": 0},
    },
    {
        "type": "apply_complete",
        "hook": {"action": "create", "resource": {"addr": "aws_s3_bucket.a"}},
    },
    {
        "type": "apply_complete",
        "hook": {"action": "create", "resource": {"addr": "aws_s3_bucket.b"}},
    },
    {
        "type": "change_summary",
        "changes": {"operation": "apply", "add": 2, "change": 0, "remove": 0},
    },
]


def fake_terraform(tmp_path, events: list[dict], exit_code: int = 0) -> None:
    lines = "\n".join(json.dumps(e) for e in events)
    script = tmp_path / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        'case "$2" in\n'
        '  output) echo \'{"bucket": {"value": "b"}}\' ;;\n'
        f"  apply) cat <<'EOF'\n{lines}\nEOF\n    exit {exit_code} ;;\n"
        "esac\n"
    )
    script.chmod(0o755)


@pytest.fixture
def root_with(tmp_path, monkeypatch):
    """A TerraformRoot whose terraform is a script printing the given events."""
    cli_config = tmp_path / "cli.tfrc"
    cli_config.write_text("")
    monkeypatch.setattr(tfroot, "CLI_CONFIG", cli_config)
    path = f"{tmp_path}{os.pathsep}/usr/bin{os.pathsep}/bin"  # the fake terraform first
    monkeypatch.setenv("PATH", path)

    def make(events: list[dict], exit_code: int = 0) -> TerraformRoot:
        fake_terraform(tmp_path, events, exit_code)
        return TerraformRoot(tmp_path, tmp_path / "work", {"PATH": path}, {})

    return make


def test_progress_counts_completed_resources_against_the_plan(root_with):
    seen = []
    outputs = root_with(EVENTS).apply(
        progress=lambda done, total, elapsed, addr: seen.append((done, total, addr))
    )
    assert seen == [(1, 2, "aws_s3_bucket.a"), (2, 2, "aws_s3_bucket.b")]
    assert outputs == {"bucket": "b"}


def test_a_failed_apply_reports_terraforms_error(root_with):
    error = {
        "type": "diagnostic",
        "diagnostic": {
            "severity": "error",
            "summary": "AccessDenied",
            "detail": "not authorized to perform",
        },
    }
    with pytest.raises(TerraformError, match="exited 1:\nAccessDenied: not authorized"):
        root_with([error], exit_code=1).apply(progress=lambda *args: None)
