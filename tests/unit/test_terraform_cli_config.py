"""make bootstrap says what is missing before anything needs terraform."""

from __future__ import annotations

import json
import stat

import terraform_cli_config


def fake_terraform(bin_dir, version: str) -> None:
    script = bin_dir / "terraform"
    script.write_text(f"#!/bin/sh\necho '{json.dumps({'terraform_version': version})}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def mirror_with_provider(tmp_path):
    mirror = tmp_path / "mirror"
    provider = mirror / terraform_cli_config.AWS_PROVIDER / "5.100.0" / "linux_amd64"
    provider.mkdir(parents=True)
    (provider / "terraform-provider-aws_v5.100.0_x5").touch()
    return mirror


def test_a_complete_setup_has_no_problems(tmp_path, monkeypatch):
    fake_terraform(tmp_path, "1.11.4")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert terraform_cli_config.problems(mirror_with_provider(tmp_path)) == []


def test_an_old_terraform_is_named(tmp_path, monkeypatch):
    fake_terraform(tmp_path, "1.7.5")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert terraform_cli_config.problems(mirror_with_provider(tmp_path)) == [
        "terraform 1.7 is too old: install Terraform >= 1.9"
    ]


def test_missing_terraform_and_provider_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    mirror = tmp_path / "empty-mirror"
    found = terraform_cli_config.problems(mirror)
    assert [problem.split(":")[0] for problem in found] == [
        "terraform is not on PATH",
        f"no hashicorp/aws provider under {mirror / terraform_cli_config.AWS_PROVIDER}",
    ]
