"""The local Glue runs at most MAX_DRIVERS Spark drivers per region: a run past them waits for
one to come free instead of starting another JVM (each start cost ~15 CPU-s)."""

from __future__ import annotations

import threading
import time

import pytest
from localaws import glue
from localaws.glue import LocalJobRunner

REGION = "us-east-1"


class FakeDriver:
    """Answers the start-up handshake at once and each job when `finish` is set."""

    def __init__(self, finish: threading.Event) -> None:
        self.finish = finish
        self.jobs = 0
        self.killed = False

    def read_reply(self, deadline: float) -> dict | None:
        if not self.jobs:
            return {"ready": True}
        if not self.finish.wait(max(0.0, deadline - time.monotonic())):
            return None
        return {"ok": True, "reusable": True}

    def send(self, request: dict) -> None:
        self.jobs += 1

    def kill(self) -> None:
        self.killed = True


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setattr(glue, "MAX_DRIVERS", 2)
    finish = threading.Event()
    runner = LocalJobRunner(tmp_path, "http://127.0.0.1:1")
    runner.spawned = []

    def spawn(region, home):
        runner.spawned.append(FakeDriver(finish))
        return runner.spawned[-1]

    monkeypatch.setattr(runner, "_spawn", spawn)
    runner.finish = finish
    yield runner
    finish.set()
    runner.shutdown()


def waiting_runs(runner: LocalJobRunner) -> int:
    return len(runner._lock._waiters)  # threads blocked in the runner's condition


def until(condition) -> None:
    for _ in range(500):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the runs never got there")


def test_a_run_past_the_cap_waits_for_a_driver_and_reuses_it(runner):
    results = []
    runs = [
        threading.Thread(target=lambda: results.append(runner._execute(REGION, {}, 60)))
        for _ in range(3)
    ]
    for run in runs:
        run.start()
    until(lambda: len(runner.spawned) == 2 and waiting_runs(runner) == 1)
    runner.finish.set()
    for run in runs:
        run.join()
    assert results == [("SUCCEEDED", None)] * 3
    assert len(runner.spawned) == 2
    assert sum(driver.jobs for driver in runner.spawned) == 3


def test_a_run_that_finds_no_driver_before_its_timeout_times_out(runner):
    busy = [threading.Thread(target=runner._execute, args=(REGION, {}, 60)) for _ in range(2)]
    for run in busy:
        run.start()
    until(lambda: len(runner.spawned) == 2)
    state, message = runner._execute(REGION, {}, 0.2)
    assert state == "TIMEOUT", message
    assert len(runner.spawned) == 2
    runner.finish.set()
    for run in busy:
        run.join()


def test_a_dead_driver_makes_room_for_a_new_one(runner):
    runner.finish.set()
    assert runner._execute(REGION, {}, 60) == ("SUCCEEDED", None)
    (driver,) = runner.spawned
    driver.read_reply = lambda deadline: (_ for _ in ()).throw(EOFError("JVM crashed"))
    assert runner._execute(REGION, {}, 60) == ("FAILED", "JVM crashed")
    assert driver.killed
    assert runner.alive[REGION] == 0
    assert runner._execute(REGION, {}, 60) == ("SUCCEEDED", None)
    assert len(runner.spawned) == 2
