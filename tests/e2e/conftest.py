"""The e2e tests talk to their own local AWS, the one their roots are applied to
(tests/support/deployments.py), not the one of tests/localaws and tests/conformance."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def local_aws(deployments):
    return deployments.started.result()
