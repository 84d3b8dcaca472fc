"""Unit tests start no local AWS, no Spark (no JVM) and no real terraform: each is checked while it
runs, so `make test-unit` stays fast and needs none of them.

While a test under tests/unit sets up, runs and tears down, starting a process is refused when it
is scripts/local_aws.py, java or Spark's launchers, or a terraform outside the temporary
directories (tests fake terraform with a script in tmp_path), and so is an in-process moto
server; a test asking for a fixture that starts one fails before the fixture runs. The guard
hooks each test's phases rather than being a session fixture: a session fixture of tests/unit
would stay in force for the later tiers of the same run, and a function fixture would start after
the session fixtures (a server) that the test asked for. The session's own threads
(tests/support/threads.py: the e2e roots applying from the start of a whole run) may start
processes.

Those tests belong in tests/localaws, tests/spark, tests/terraform or tests/e2e.
"""

from __future__ import annotations

import inspect
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from tests.support.threads import BACKGROUND

FIXTURES = {"local_aws": "the local AWS", "spark": "Spark"}
JVM = {"java", "spark-submit", "spark-class", "spark-shell", "pyspark"}
_popen_init = subprocess.Popen.__init__
_popen_signature = inspect.signature(_popen_init)


class StartedInUnitTest(AssertionError):
    pass


def temp_roots(config: pytest.Config) -> list[Path]:
    """Where a test's fake terraform may live: pytest's temporary directories."""
    roots = [tempfile.gettempdir(), os.environ.get("PYTEST_DEBUG_TEMPROOT")]
    roots.append(config.option.basetemp)
    return [Path(root).resolve() for root in roots if root]


def refusal(argv: list[str], programs: list[str], env, allowed: list[Path]) -> str | None:
    """What this command would start that a unit test must not, or None."""
    if any(Path(arg).name == "local_aws.py" for arg in argv):
        return "the local AWS (scripts/local_aws.py)"
    for program in programs:
        if Path(program).name in JVM:
            return "a JVM (Spark)"
        if Path(program).name == "terraform":
            found = shutil.which(program, path=(env or os.environ).get("PATH"))
            if found and not any(Path(found).resolve().is_relative_to(r) for r in allowed):
                return f"real terraform ({found})"
    return None


@contextmanager
def guarded(config: pytest.Config):
    allowed = temp_roots(config)

    def popen_init(self, *args, **kwargs):
        if threading.current_thread().name.startswith(BACKGROUND):  # the session's, not the test's
            _popen_init(self, *args, **kwargs)
            return
        call = _popen_signature.bind(self, *args, **kwargs).arguments
        command = call["args"]
        if isinstance(command, (str, bytes, os.PathLike)):
            shown = os.fsdecode(command)
            argv = shlex.split(shown) if call.get("shell") else [shown]
        else:
            argv = [os.fsdecode(arg) for arg in command]
            shown = shlex.join(argv)
        # With a shell, any word may be a program; else the executable or the first argument.
        programs = argv if call.get("shell") else [call.get("executable") or argv[0]]
        what = refusal(argv, [os.fsdecode(p) for p in programs], call.get("env"), allowed)
        if what:
            raise StartedInUnitTest(
                f"a unit test started {what}: {shown}\n"
                "Unit tests run without it; move the test to tests/localaws, tests/spark, "
                "tests/terraform or tests/e2e."
            )
        _popen_init(self, *args, **kwargs)

    def moto_server_start(self, *args, **kwargs):
        raise StartedInUnitTest("a unit test started moto's ThreadedMotoServer")

    saved = subprocess.Popen.__init__, ThreadedMotoServer.start
    subprocess.Popen.__init__ = popen_init
    ThreadedMotoServer.start = moto_server_start
    try:
        yield
    finally:
        subprocess.Popen.__init__, ThreadedMotoServer.start = saved


@pytest.hookimpl(specname="pytest_runtest_setup", tryfirst=True)
def pytest_runtest_setup_asks_for_no_server(item: pytest.Item):
    """Before any fixture is set up (pytest's setup, which sets them up, runs after this one):
    the check holds even when another tier's test started the server earlier in the run."""
    for name, what in FIXTURES.items():
        if name in getattr(item, "fixturenames", ()):
            raise StartedInUnitTest(f"{item.nodeid} asks for {name}: unit tests run without {what}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    with guarded(item.config):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    with guarded(item.config):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item):
    with guarded(item.config):
        return (yield)
