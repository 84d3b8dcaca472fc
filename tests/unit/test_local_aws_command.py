"""`make local-aws`: the local AWS for a root of one's own, started from any directory, with the
provider settings to paste (README, "The local AWS for your root")."""

from __future__ import annotations

import re
from pathlib import Path

import local_aws

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_paths_of_the_clone_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = local_aws.parse_args([])
    assert args.sdk_dir == ROOT / ".venv" / "lambda-runtime"
    assert args.state_dir == ROOT / "build" / "localaws"


def test_a_missing_runtime_names_the_clone_to_bootstrap(tmp_path, capsys):
    assert local_aws.main(["--sdk-dir", str(tmp_path / "none")]) == 2
    assert f"run 'make bootstrap' in {ROOT}" in capsys.readouterr().err


def test_the_provider_block_covers_every_service_the_roots_use():
    """Every endpoint the example and test roots set, so a root with the modules needs no other."""
    used = set()
    for provider in [
        *ROOT.glob("terraform/examples/*/provider.tf"),
        *ROOT.glob("tests/terraform/*/provider.tf"),
    ]:
        block = re.search(r"endpoints \{(.*?)\}", provider.read_text(), re.S)
        if block:
            used |= set(re.findall(r"^\s*(\w+)\s*=", block.group(1), re.M))
    assert used, "no provider endpoints found"
    printed = set(re.findall(r"^    (\w+)\s+= ", local_aws.provider_block("http://x"), re.M))
    assert used <= printed, f"missing from the printed provider block: {used - printed}"


def test_the_readme_shows_the_printed_block():
    assert local_aws.provider_block("http://127.0.0.1:4566") in (ROOT / "README.md").read_text()
