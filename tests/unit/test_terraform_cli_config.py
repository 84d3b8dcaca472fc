"""make bootstrap says what is missing before anything needs terraform."""

from __future__ import annotations

import json
import stat

import terraform_cli_config
import tfroot


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


def test_the_cli_config_names_the_mirror_only(tmp_path, monkeypatch):
    """Another repo may point TF_CLI_CONFIG_FILE at it: no plugin cache in this clone."""
    fake_terraform(tmp_path, "1.11.4")
    monkeypatch.setenv("PATH", str(tmp_path))
    mirror = mirror_with_provider(tmp_path)
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(mirror))
    target = tmp_path / "build" / "cli.tfrc"
    target.parent.mkdir()
    assert terraform_cli_config.main([str(target)]) == 0
    text = target.read_text()
    assert f'path    = "{mirror}"' in text
    assert "plugin_cache" not in text
    assert sorted(path.name for path in target.parent.iterdir()) == ["cli.tfrc"]


def test_the_projects_own_runs_cache_the_provider_through_their_environment(tmp_path):
    env = tfroot.terraform_env(tmp_path / ".terraform", base={})
    assert env["TF_CLI_CONFIG_FILE"] == str(tfroot.CLI_CONFIG)
    assert env["TF_PLUGIN_CACHE_DIR"] == str(tfroot.PLUGIN_CACHE)
    assert env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] == "true"
    assert env["GOGC"] == "400"
    assert tfroot.terraform_env(tmp_path, base={"GOGC": "100"})["GOGC"] == "100"
