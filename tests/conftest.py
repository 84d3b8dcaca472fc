"""Session-wide fixtures (one local AWS for the tiers before e2e, which get their own: see
tests/e2e/conftest.py) and the order of the tiers.

A pytest run's tests run fastest tier first, so that a failure shows within the first minute
instead of after the end-to-end applies:

1. tests/unit: in process, no server, Spark or terraform (tests/unit/conftest.py checks it);
2. tests/localaws, tests/conformance, tests/spark: the local AWS, local Spark;
3. the static checks (ruff, terraform fmt, checkov, the IAM policy lint) and tests/terraform:
   terraform at plan level, no AWS;
4. tests/e2e: terraform applies to the local AWS.

`make test` (scripts/test_suite.py) shares the tiers among three pytest runs side by side, each in
this order; a plain `pytest` runs them all in this order. Within a tier, tests keep
pytest's order (by path), but for the e2e modules (see tests/support/deployments.py). The e2e
roots are applied all at once, in the background, on a local AWS of their own, from the
session's start (tests/support/deployments.py): their applies, mostly the AWS provider's fixed
waits, overlap the tests that run before them instead of adding to them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import timings
from localaws.process import ROOT, LocalAwsProcess
from test_suite import RUN_NAME

from tests.support.botocore_data import share_loaders
from tests.support.deployments import Deployments, module_rank, tested_roots

share_loaders()

# ffmpeg/ffprobe (the layer's static build, from the dev requirements) for making test media.
os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"


TESTS = Path(__file__).resolve().parent
TIERS = (
    {"unit"},
    {"localaws", "conformance", "spark"},
    {"test_static_checks.py", "test_checkov.py", "test_policy_lint.py", "terraform"},
    {"e2e"},
)
E2E_TIER = len(TIERS) - 1


def tier(item: pytest.Item) -> int:
    """The index in TIERS of the directory (or top-level file) under tests/ holding the test."""
    try:
        top = item.path.relative_to(TESTS).parts[0]
    except ValueError:
        return len(TIERS)
    return next((index for index, names in enumerate(TIERS) if top in names), len(TIERS))


DEPLOYMENTS = pytest.StashKey[Deployments]()


def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    # Stable: pytest's order within a tier, but e2e modules in the order of their roots.
    items.sort(key=lambda item: (tier(item), module_rank(item) if tier(item) == E2E_TIER else 0))


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Before the first test: the e2e roots of the tests that will run start applying."""
    names = tested_roots(session.items)
    if names and not session.config.option.collectonly:
        # What the tmp_path_factory fixture returns, which a hook cannot ask for.
        session.stash[DEPLOYMENTS] = Deployments(names, session.config._tmp_path_factory)


TIER_LABELS = ("unit", "local AWS and Spark", "static and terraform", "e2e", "other")
TIER_SECONDS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Each tier's wall time (its tests' setup, call and teardown), for make bench's table."""
    started = time.monotonic()
    try:
        return (yield)
    finally:
        seconds = item.session.stash.setdefault(TIER_SECONDS, {})
        label = TIER_LABELS[tier(item)]
        seconds[label] = seconds.get(label, 0.0) + time.monotonic() - started


def pytest_sessionfinish(session: pytest.Session) -> None:
    if DEPLOYMENTS in session.stash:  # e.g. interrupted before an e2e test asked for them
        session.stash[DEPLOYMENTS].close()
    seconds = session.stash.get(TIER_SECONDS, {})
    run = os.environ.get(RUN_NAME)  # set by scripts/test_suite.py for each of its runs
    if run and seconds:
        record = {label: seconds[label] for label in TIER_LABELS if label in seconds}
        timings.record(f"test {run}", record)


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    server = LocalAwsProcess(tmp_path_factory.mktemp("localaws")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def deployments(request):
    """The e2e roots, applying in the background since the session's start on the e2e tests'
    own local AWS; destroyed in the background from each module's end; the session's end waits
    for the destroys."""
    if DEPLOYMENTS not in request.session.stash:
        pytest.fail("no e2e root was collected: tests/support/deployments.py ROOTS names them")
    deployed = request.session.stash[DEPLOYMENTS]
    yield deployed
    deployed.close()


@pytest.fixture(scope="session")
def layer_zip():
    """The ffmpeg layer built by `make package` (tests never build it a second time)."""
    path = ROOT / "build" / "layers" / "ffmpeg.zip"
    if not path.exists():
        pytest.fail(f"{path} is missing: run 'make package' (make test does it)")
    return path
