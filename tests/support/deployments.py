"""The e2e roots: their own local AWS, applied all at once from the start of the session.

An apply against the local AWS is mostly the AWS provider's fixed waits (about 25 s per SQS queue
or queue policy, 55 s per S3 lifecycle configuration, 5 s per Lambda function: README,
"Divergences"), not work. So when the session starts (tests/conftest.py), before the first unit
test, a background thread starts a local AWS of the e2e tests' own and every root of the
collected e2e modules starts its init and apply in a thread of its own, each with its own work
dir: the applies overlap the unit, local AWS, Spark and static tiers instead of adding to them,
and tests of those tiers that switch the server's IAM mode or time its functions do not meet
them. Each e2e module's fixture waits for its own root only (`deployments.wait(name)`) and, when
the module's tests are done, starts its destroy in the background (`deployments.release(name)`),
so that destroys (waits too) overlap later modules' tests. The session's end waits for every
destroy, and starts those of roots no module released (an apply that failed may have created
part of its root); a destroy that fails fails the run.

The threads are the session's (tests/support/threads.py): tests/unit/conftest.py lets them start
processes while a unit test runs (the unit tests themselves still may not).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from localaws.process import ROOT, LocalAwsProcess
from tfroot import TerraformError, TerraformRoot, warm_plugin_cache

from tests.support.threads import BACKGROUND

BUILD = ROOT / "build"
E2E = ROOT / "tests" / "e2e"


def packaged(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.fail(f"{path} is missing: run 'make package' (make test does it)")


def test_functions() -> Path:
    """Test-only functions from tests/fixtures/lambda_src, packaged like the real ones."""
    out = BUILD / "test"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "package.py"),
            *("--src", str(ROOT / "tests" / "fixtures" / "lambda_src")),
            *("--out", str(out), "--no-layer"),
        ],
        check=True,
        capture_output=True,
    )
    return out


def foundation() -> dict:
    packaged(BUILD / "layers" / "ffmpeg.zip")
    return {
        "build_dir": str(test_functions()),
        "layer_zip": str(BUILD / "layers" / "ffmpeg.zip"),
        "prefix": f"fdn-{uuid.uuid4().hex[:6]}",
    }


def sns_fanout() -> dict:
    return {"artifacts_dir": str(BUILD), "name": f"vc-{uuid.uuid4().hex[:6]}"}


def media_convert() -> dict:
    packaged(BUILD / "lambda" / "media_split.zip")
    return {"artifacts_dir": str(BUILD), "name": f"mc-{uuid.uuid4().hex[:6]}"}


def rider_photo() -> dict:
    packaged(BUILD / "lambda" / "photo_face_detection.zip")
    return {"artifacts_dir": str(BUILD), "name": f"rp-{uuid.uuid4().hex[:6]}"}


def shared_bucket() -> dict:
    packaged(BUILD / "lambda" / "media_split.zip", BUILD / "layers" / "ffmpeg.zip")
    return {"artifacts_dir": str(BUILD), "name": f"sb-{uuid.uuid4().hex[:6]}"}


def glue_medallion() -> dict:
    return {"name": f"gm-{uuid.uuid4().hex[:6]}"}


# Root under tests/terraform -> its variables besides `endpoint`; tests/e2e/test_<root>.py tests it.
# Their modules run in this order (tests/conftest.py): each destroy overlaps the next modules'
# tests, and the shortest (foundation's) is last, as nothing overlaps the destroy of a run's last
# root (measured alone, without the queue policies' fixed waits, tfroot.py: 14-16 s each, 37-41 s
# with them); glue_medallion first, whose apply is shorter than shared_bucket's (~130 s under load
# against ~190): a run's first module waits for its root's apply.
ROOTS: dict[str, Callable[[], dict]] = {
    "glue_medallion": glue_medallion,
    "shared_bucket": shared_bucket,
    "sns_fanout": sns_fanout,
    "rider_photo": rider_photo,
    "media_convert": media_convert,
    "foundation": foundation,
}


# e2e modules that test what another module's root deploys, sharing its apply:
# tests/e2e/test_<module>.py -> the root.
SHARED_ROOTS = {"graphql_api": "rider_photo"}


def root_of(path: Path) -> str | None:
    """The root an e2e module tests (None: a module without one)."""
    name = path.stem.removeprefix("test_")
    name = SHARED_ROOTS.get(name, name)
    return name if path.parent == E2E and name in ROOTS else None


def tested_roots(items: list[pytest.Item]) -> dict[str, int]:
    """The roots an e2e module among these tests, each with how many modules test it (its
    destroy waits for the last of them)."""
    modules = {item.path for item in items}
    counts = {name: 0 for name in ROOTS}
    for path in modules:
        if (root := root_of(path)) is not None:
            counts[root] += 1
    return {name: count for name, count in counts.items() if count}


def module_rank(item: pytest.Item) -> int:
    """Where an e2e module runs: in the order of ROOTS (a shared root's modules together),
    modules without a root last."""
    root = root_of(item.path)
    return list(ROOTS).index(root) if root is not None else len(ROOTS)


class Deployments:
    """The e2e tests' local AWS and roots: started and applied in the background, then
    destroyed."""

    def __init__(self, modules: dict[str, int], tmp_path_factory: pytest.TempPathFactory) -> None:
        """`modules`: each root and how many e2e modules test it (tested_roots)."""
        self.users = dict(modules)  # each root's modules that have not released it yet
        self.names = names = list(modules)
        self.server = LocalAwsProcess(tmp_path_factory.mktemp("localaws-e2e"))
        self.work_dirs = {n: tmp_path_factory.mktemp(f"tf-{n.replace('_', '-')}") for n in names}
        self.roots: dict[str, TerraformRoot] = {}
        self.initialised: set[str] = set()
        self.applies: dict[str, Future] = {name: Future() for name in names}
        self.destroys: dict[str, Future] = {}
        self.started: Future = Future()  # the server
        self.closed = False
        self._pool = ThreadPoolExecutor(max(len(names), 1), thread_name_prefix=BACKGROUND)
        self._starter = threading.Thread(target=self._start, name=f"{BACKGROUND}-start")
        self._starter.start()

    def _start(self) -> None:
        try:
            self.server.start()
            warm_plugin_cache()  # inits in parallel must only link the provider (tfroot.py)
        except Exception as error:  # every e2e test reports it
            self.started.set_exception(error)
            for apply in self.applies.values():
                apply.set_exception(error)
            return
        self.started.set_result(self.server)
        for name in self.names:
            try:
                variables = {"endpoint": self.server.endpoint, **ROOTS[name]()}
                self.roots[name] = TerraformRoot(
                    ROOT / "tests" / "terraform" / name,
                    self.work_dirs[name],
                    self.server.environ(),
                    variables,
                )
            except (Exception, pytest.fail.Exception) as error:  # this root's tests fail with it
                self.applies[name].set_exception(error)
                continue
            self._pool.submit(self._apply, name)

    def _apply(self, name: str) -> None:
        try:
            self.roots[name].init()
            self.initialised.add(name)
            self.applies[name].set_result(self.roots[name].apply())
        except Exception as error:
            self.applies[name].set_exception(error)

    def wait(self, name: str) -> tuple[TerraformRoot, dict]:
        """The root and its outputs once its apply is done (its error if it failed)."""
        outputs = self.applies[name].result()
        return self.roots[name], outputs

    def release(self, name: str) -> None:
        """A module's tests of the root are done: once every module's are, start destroying it
        in the background."""
        self.users[name] = self.users.get(name, 1) - 1
        if self.users[name] > 0:
            return
        if name in self.initialised and name not in self.destroys:
            # The state is this session's apply: the second-plan tests read each module's
            # resources back (a plan refreshes; media-convert's and sns-fanout's in
            # shared_bucket's root), the destroy checks that each can be deleted.
            self.destroys[name] = self._pool.submit(self.roots[name].destroy, refresh=False)

    def close(self) -> None:
        """Wait for every destroy, after starting those of the initialised roots no module
        released (their applies ended first), then stop the server; raise naming each destroy
        that failed."""
        if self.closed:
            return
        self.closed = True
        self._starter.join()
        for apply in self.applies.values():
            apply.exception()  # waits; the apply's error is its tests' to report
        for name in self.initialised:
            self.users[name] = min(self.users.get(name, 1), 1)
            self.release(name)
        self._pool.shutdown()
        self.server.stop()
        failed = [f"{name}: {d.exception()}" for name, d in self.destroys.items() if d.exception()]
        if failed:
            raise TerraformError("terraform destroy failed:\n" + "\n\n".join(failed))
