"""Session-wide fixtures: one local AWS server for the whole run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from localaws.process import ROOT, LocalAwsProcess

# ffmpeg/ffprobe (the layer's static build, from the dev requirements) for making test media.
os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"


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
