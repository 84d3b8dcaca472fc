"""TerraformRoot: apply with progress reads terraform's machine-readable UI (`apply -json`); a
destroy drops the settings of the queues it deletes from the state first."""

from __future__ import annotations

import json
import os
import sys

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
    """A terraform whose apply prints the events and writes a state with one output."""
    lines = "\n".join(json.dumps(e) for e in events)
    state = json.dumps({"outputs": {"bucket": {"value": "b", "type": "string"}}})
    script = tmp_path / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        'case "$2" in\n'
        f"  apply) echo '{state}' > {tmp_path / 'work' / 'terraform.tfstate'}\n"
        f"    cat <<'EOF'\n{lines}\nEOF\n    exit {exit_code} ;;\n"
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


def queue(module: str, name: str, url: str, **instance) -> dict:
    return {
        "mode": "managed",
        "module": module,
        "type": "aws_sqs_queue",
        "name": name,
        "instances": [{"attributes": {"url": url}, **instance}],
    }


def queue_setting(kind: str, name: str, queue_url: str, **instance) -> dict:
    return {
        "mode": "managed",
        "type": kind,
        "name": name,
        "instances": [{"attributes": {"queue_url": queue_url}, **instance}],
    }


def test_a_destroy_forgets_only_the_settings_of_queues_it_deletes(root_with):
    own, other = "http://aws/123/own", "http://aws/123/someone-elses"
    root = root_with([])
    root.state.write_text(
        json.dumps(
            {
                "resources": [
                    queue("module.trigger[0]", "uploads", own, index_key=0),
                    queue_setting("aws_sqs_queue_policy", "own", own, index_key=0),
                    queue_setting("aws_sqs_queue_redrive_allow_policy", "own", own, index_key="a"),
                    # A policy set on a queue of another stack stays in the state: the destroy
                    # must remove it, as the queue stays.
                    queue_setting("aws_sqs_queue_policy", "other", other),
                    {"mode": "data", "type": "aws_sqs_queue", "name": "x", "instances": []},
                ]
            }
        )
    )
    assert root.settings_of_own_queues() == [
        "aws_sqs_queue_policy.own[0]",
        'aws_sqs_queue_redrive_allow_policy.own["a"]',
    ]


def test_a_destroy_before_any_apply_forgets_nothing(root_with):
    assert root_with([]).settings_of_own_queues() == []


@pytest.fixture
def fake_provider(tmp_path, monkeypatch):
    """unmanaged_provider() with a Python script in place of the cached AWS provider (a shell
    could not catch SIGINT where the suite starts with it ignored, as a background job does)."""
    monkeypatch.setattr(tfroot, "warm_plugin_cache", lambda: None)

    def make(body: str):
        script = tmp_path / "terraform-provider-aws_v5"
        script.write_text(f"#!{sys.executable}\nimport signal, sys, time\n{body}\n")
        script.chmod(0o755)
        monkeypatch.setattr(tfroot, "cached_provider", lambda: script)
        return tfroot.unmanaged_provider({"PATH": "/usr/bin:/bin"})

    return make


def test_the_unmanaged_provider_is_reattached_then_interrupted(fake_provider, tmp_path):
    config = '{"registry.terraform.io/hashicorp/aws":{"Pid":1}}'
    printed = f"\tTF_REATTACH_PROVIDERS='{config}'"
    served = tmp_path / "served"
    # Like the provider's debug mode: print where it listens, serve until interrupted.
    with fake_provider(
        f"signal.signal(signal.SIGINT, lambda *_: sys.exit(open({str(served)!r}, 'w').close()))\n"
        f"print({printed!r}, flush=True)\n"
        "while True:\n    time.sleep(0.1)"
    ) as provider:
        assert provider == {"TF_REATTACH_PROVIDERS": config}
        assert not served.exists()
    assert served.exists(), "the provider was not interrupted"


def test_a_provider_that_prints_no_reattach_configuration_is_reported(fake_provider):
    with (
        pytest.raises(TerraformError, match=r"no TF_REATTACH_PROVIDERS .*exit code 3.*\n.*bad"),
        fake_provider("print('bad flag'); sys.exit(3)"),
    ):
        pass
