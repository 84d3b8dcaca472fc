"""`terraform test` of every module and example that has native tests (`tests/*.tftest.hcl`).

The suites run with a mocked AWS provider at plan level: names, IAM statements scoped to the
module's own resources, encryption, log retention and variable validation. No credentials and
no local AWS are needed, only the provider mirror (`make bootstrap`) and the artefacts of
`make package`, which the modules hash.

Every suite starts at once, each in its own data directory under build/terraform/tftest/, and
each parametrized test waits for its own: the set takes about as long as the slowest suite. They
share one AWS provider process (tfroot.unmanaged_provider): a mocked provider is never
configured.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from tfroot import CLI_CONFIG, terraform_env, unmanaged_provider

ROOT = Path(__file__).resolve().parents[2]
DATA_DIRS = ROOT / "build" / "terraform" / "tftest"
SUITES = sorted({path.parent.parent for path in (ROOT / "terraform").rglob("tests/*.tftest.hcl")})


def suite_id(directory: Path) -> str:
    return str(directory.relative_to(ROOT / "terraform"))


def run_suite(directory: Path, provider: dict[str, str]) -> subprocess.CompletedProcess:
    env = terraform_env(DATA_DIRS / suite_id(directory).replace(os.sep, "--")) | provider
    init = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        return init
    return subprocess.run(
        ["terraform", "test", "-no-color"], cwd=directory, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def suites():
    for required, hint in (
        (CLI_CONFIG, "make bootstrap"),
        (ROOT / "build/manifest.json", "make package"),
    ):
        if not required.exists():
            pytest.fail(f"{required} is missing: run '{hint}' (make test does it)")
    with (
        unmanaged_provider() as provider,
        ThreadPoolExecutor(max_workers=len(SUITES)) as pool,
    ):
        yield {directory: pool.submit(run_suite, directory, provider) for directory in SUITES}


def test_every_module_has_tests():
    modules = {path for path in (ROOT / "terraform" / "modules").iterdir() if path.is_dir()}
    assert modules <= set(SUITES), f"modules without tests/*.tftest.hcl: {modules - set(SUITES)}"


@pytest.mark.parametrize("directory", SUITES, ids=suite_id)
def test_terraform_test_passes(suites: dict[Path, Future], directory: Path):
    result = suites[directory].result()
    assert result.returncode == 0, f"$ {' '.join(result.args)}\n{result.stdout}{result.stderr}"
