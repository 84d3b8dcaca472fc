"""Parallel `terraform init`s (module tests, lint) share one plugin cache. A clean clone has no
lock files, and an init without one used to reinstall the provider into the cache while the
others linked it ("mkdir ...: file exists", "still not detected in the target directory"). Once
the cache is warm, an init must only link it."""

from __future__ import annotations

import subprocess

from tfroot import terraform_env, warm_plugin_cache


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
