"""Parallel `terraform init`s (module tests, lint) share one plugin cache. A clean clone has no
lock files, and an init without one used to reinstall the provider into the cache while the
others linked it ("mkdir ...: file exists", "still not detected in the target directory"). Once
the cache is warm, an init must only link it. Mocked and validating commands share a provider
process started once from that cache."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tfroot import PROVIDER, terraform_env, unmanaged_provider, warm_plugin_cache


def test_init_without_lock_file_links_the_warm_cache(tmp_path):
    warm_plugin_cache()
    (tmp_path / "versions.tf").write_text(
        "terraform {\n  required_providers {\n"
        '    aws = { source = "hashicorp/aws", version = ">= 5.40, < 7.0" }\n'
        "  }\n}\n"
    )
    result = subprocess.run(
        ["terraform", "init", "-backend=false", "-no-color"],
        cwd=tmp_path,
        env=terraform_env(tmp_path / ".terraform"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "from the shared cache directory" in result.stdout, result.stdout
    assert "Installing hashicorp/aws" not in result.stdout, result.stdout


def test_unmanaged_provider_serves_terraform_without_a_provider_start(tmp_path):
    """terraform uses the provider started by unmanaged_provider() instead of starting its own
    (tfroot.py: a start costs ~0.75 CPU-s), and the provider leaves no socket behind."""
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
    )
    with unmanaged_provider() as provider:
        reattach = json.loads(provider["TF_REATTACH_PROVIDERS"])[PROVIDER]
        env = terraform_env(tmp_path / ".terraform") | provider | {"TF_LOG": "debug"}
        results = [
            subprocess.run(
                ["terraform", *command, "-no-color"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
            )
            for command in (["init", "-backend=false"], ["validate"])
        ]
        for result in results:
            assert result.returncode == 0, result.stdout + result.stderr
        log = results[1].stderr
        assert f'Provider {PROVIDER} is overridden as an "unmanaged provider"' in log, log
        assert "starting plugin" not in log, log
    socket = Path(reattach["Addr"]["String"])
    assert not socket.exists(), f"{socket} left behind"
    assert not Path(f"/proc/{reattach['Pid']}").exists(), "the provider is still running"
