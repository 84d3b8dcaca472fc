"""Session-wide fixtures (one local AWS server for the whole run) and the order of the tiers.

`make test` is one pytest run (one summary line); its tests run fastest tier first, so that a
failure shows within the first minute instead of after the end-to-end applies:

1. tests/unit: in process, no server, Spark or terraform (tests/unit/conftest.py checks it);
2. tests/localaws, tests/conformance, tests/spark: the local AWS, local Spark;
3. the static checks (ruff, terraform fmt/validate, checkov, the IAM policy lint) and
   tests/terraform: terraform at plan level, no AWS;
4. tests/e2e: terraform applies to the local AWS (tests/e2e/conftest.py starts them all at once).

Within a tier, tests keep pytest's order (by path).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from localaws.process import ROOT, LocalAwsProcess

# ffmpeg/ffprobe (the layer's static build, from the dev requirements) for making test media.
os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"


TESTS = Path(__file__).resolve().parent
TIERS = (
    {"unit"},
    {"localaws", "conformance", "spark"},
    {"test_static_checks.py", "test_checkov.py", "test_policy_lint.py", "terraform"},
    {"e2e"},
)


def tier(item: pytest.Item) -> int:
    """The index in TIERS of the directory (or top-level file) under tests/ holding the test."""
    try:
        top = item.path.relative_to(TESTS).parts[0]
    except ValueError:
        return len(TIERS)
    return next((index for index, names in enumerate(TIERS) if top in names), len(TIERS))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=tier)  # stable: pytest's order within a tier


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    server = LocalAwsProcess(tmp_path_factory.mktemp("localaws")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def layer_zip():
    """The ffmpeg layer built by `make package` (tests never build it a second time)."""
    path = ROOT / "build" / "layers" / "ffmpeg.zip"
    if not path.exists():
        pytest.fail(f"{path} is missing: run 'make package' (make test does it)")
    return path


@pytest.fixture(scope="session")
def fixture_build_dir():
    """Test-only functions from tests/fixtures/lambda_src, packaged like the real ones."""
    out = ROOT / "build" / "test"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "package.py"),
            "--src",
            str(ROOT / "tests" / "fixtures" / "lambda_src"),
            "--out",
            str(out),
            "--no-layer",
        ],
        check=True,
        capture_output=True,
    )
    return out
