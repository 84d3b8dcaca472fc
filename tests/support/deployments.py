"""The e2e roots, applied all at once (the `deployments` fixture of tests/conftest.py).

An apply against the local AWS is mostly the AWS provider's fixed waits (about 25 s per SQS queue
or queue policy, 55 s per S3 lifecycle configuration, 5 s per Lambda function: README,
"Divergences"), not work, so applies of different roots overlap almost for free. When the fixture
is first asked for, every root of the collected e2e modules starts its init and apply in a thread
of its own, each with its own work dir; each module's fixture waits for its own root only
(`deployments.wait(name)`) and, when the module's tests are done, starts its destroy in the
background (`deployments.release(name)`), so that destroys (waits too) overlap later modules'
tests. The session's end waits for every destroy, and starts those of roots no module released
(an apply that failed may have created part of its root); a destroy that fails fails the run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from localaws.process import ROOT
from tfroot import TerraformError, TerraformRoot, warm_plugin_cache

BUILD = ROOT / "build"
E2E = ROOT / "tests" / "e2e"


def packaged(*zips: str) -> None:
    for name in zips:
        if not (BUILD / "lambda" / name).exists():
            pytest.fail(f"{BUILD / 'lambda' / name} is missing: run 'make package'")


def foundation(request: pytest.FixtureRequest) -> dict:
    return {
        "build_dir": str(request.getfixturevalue("fixture_build_dir")),
        "layer_zip": str(request.getfixturevalue("layer_zip")),
        "prefix": f"fdn-{uuid.uuid4().hex[:6]}",
    }


def sns_fanout(request: pytest.FixtureRequest) -> dict:
    return {"artifacts_dir": str(BUILD), "name": f"vc-{uuid.uuid4().hex[:6]}"}


def media_convert(request: pytest.FixtureRequest) -> dict:
    packaged("media_split.zip")
    return {"artifacts_dir": str(BUILD), "name": f"mc-{uuid.uuid4().hex[:6]}"}


def rider_photo(request: pytest.FixtureRequest) -> dict:
    packaged("photo_face_detection.zip")
    return {"artifacts_dir": str(BUILD), "name": f"rp-{uuid.uuid4().hex[:6]}"}


def glue_medallion(request: pytest.FixtureRequest) -> dict:
    return {"name": f"gm-{uuid.uuid4().hex[:6]}"}


# Root under tests/terraform -> its variables besides `endpoint`; tests/e2e/test_<root>.py tests it.
# Their modules run in this order (tests/conftest.py), the longest destroy first (measured alone:
# 72, 59, 58, 33 and 16 s), so that each destroy overlaps the next modules' tests.
ROOTS: dict[str, Callable[[pytest.FixtureRequest], dict]] = {
    "glue_medallion": glue_medallion,
    "sns_fanout": sns_fanout,
    "rider_photo": rider_photo,
    "media_convert": media_convert,
    "foundation": foundation,
}


def tested_roots(items: list[pytest.Item]) -> list[str]:
    """The roots whose e2e module has tests among these."""
    paths = {item.path for item in items}
    return [name for name in ROOTS if E2E / f"test_{name}.py" in paths]


def module_rank(item: pytest.Item) -> int:
    """Where an e2e module runs: in the order of ROOTS, modules without a root last."""
    name = item.path.stem.removeprefix("test_")
    return list(ROOTS).index(name) if name in ROOTS else len(ROOTS)


class Deployments:
    """The roots of this session's e2e modules: applying in the background, then destroyed."""

    def __init__(self, request: pytest.FixtureRequest, local_aws, tmp_path_factory) -> None:
        names = tested_roots(request.session.items)
        self.roots: dict[str, TerraformRoot] = {}
        self.initialised: set[str] = set()
        self.applies: dict[str, Future] = {}
        self.destroys: dict[str, Future] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(len(names), 1), thread_name_prefix="tf")
        warm_plugin_cache()  # inits in parallel must only link the provider (tfroot.py)
        for name in names:
            try:
                variables = {"endpoint": local_aws.endpoint, **ROOTS[name](request)}
                self.roots[name] = TerraformRoot(
                    ROOT / "tests" / "terraform" / name,
                    tmp_path_factory.mktemp(f"tf-{name.replace('_', '-')}"),
                    local_aws.environ(),
                    variables,
                )
            except (Exception, pytest.fail.Exception) as error:  # this root's tests fail with it
                self.applies[name] = Future()
                self.applies[name].set_exception(error)
                continue
            self.applies[name] = self._pool.submit(self._apply, name)

    def _apply(self, name: str) -> dict:
        self.roots[name].init()
        self.initialised.add(name)
        return self.roots[name].apply()

    def wait(self, name: str) -> tuple[TerraformRoot, dict]:
        """The root and its outputs once its apply is done (its error if it failed)."""
        return self.roots.get(name), self.applies[name].result()

    def release(self, name: str) -> None:
        """Start destroying the root in the background: its tests are done."""
        if name in self.initialised and name not in self.destroys:
            self.destroys[name] = self._pool.submit(self.roots[name].destroy)

    def destroy(self) -> None:
        """Wait for every destroy, after starting those of the initialised roots no module
        released (their applies ended first); raise naming each destroy that failed."""
        for apply in self.applies.values():
            apply.exception()  # waits; the apply's error is its tests' to report
        for name in self.initialised:
            self.release(name)
        self._pool.shutdown()
        failed = [f"{name}: {d.exception()}" for name, d in self.destroys.items() if d.exception()]
        if failed:
            raise TerraformError("terraform destroy failed:\n" + "\n\n".join(failed))
