"""`make test`: the suite as three pytest runs side by side, so that both cores work.

One run alone keeps about one core busy (its CPU time was 0.99 of its wall time): the end-to-end
tests mostly wait (terraform's provider waits, workflows in the local AWS), the other tiers are
one test at a time. So the suite runs as three processes (RUNS), each in the tier order of
tests/conftest.py (unit tests first: a failure there shows within the first minute), each with
its own local AWS, the two with e2e modules applying their roots from their start
(tests/support/deployments.py).

    .venv/bin/python scripts/test_suite.py [pytest options]   # e.g. -x, -k name

Each run's lines are printed as they come, prefixed with its name; the summary lists each run's
result and wall time (also written for `make bench`, scripts/timings.py). Exits 1 if any failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import timings
from tfroot import warm_plugin_cache

ROOT = Path(__file__).resolve().parents[1]
E2E = "tests/e2e/"
RUN_NAME = "MAKE_TEST_RUN"
# Three runs of similar length (measured: about 7 min each on this 2-core machine), sharing the CPU:
# the unit, local AWS and Spark tiers (a unit failure shows first); the static checks and
# terraform test, which need no server, while the run's e2e roots apply, then their modules; the
# longest e2e modules, then foundation's (whose short destroy is the run's last) and, beside that
# destroy, the reproducibility check and the benchmarks' own tests. (Spark's tier at the start of
# the e2e run, while its roots apply, made that run longer: 28 -> 112 s for its first test.)
RUNS = {
    "checks": [
        "tests/unit",
        "tests/localaws",
        "tests/conformance",
        "tests/spark",
    ],
    "plan+e2e": [
        "tests/test_static_checks.py",
        "tests/test_checkov.py",
        "tests/test_policy_lint.py",
        "tests/terraform",
        f"{E2E}test_graphql_api.py",
        f"{E2E}test_rider_photo.py",
        f"{E2E}test_media_convert.py",
    ],
    "e2e": [
        f"{E2E}test_shared_bucket.py",
        f"{E2E}test_sns_fanout.py",
        f"{E2E}test_glue_medallion.py",
        f"{E2E}test_foundation.py",
        f"{E2E}test_package_reproducible.py",
        "tests/bench",
    ],
}
_print = threading.Lock()


def relay(name: str, process: subprocess.Popen, lines: list[str]) -> None:
    for line in process.stdout:
        lines.append(line)
        with _print:
            print(f"[{name}] {line}", end="", flush=True)


def main(options: list[str]) -> int:
    warm_plugin_cache()  # once, before three runs would each install the provider
    base = Path(tempfile.mkdtemp(prefix="make-test-"))
    started = time.monotonic()
    runs = {}
    for name, paths in RUNS.items():
        command = [sys.executable, "-m", "pytest", *paths, f"--basetemp={base / name}", *options]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, RUN_NAME: name},  # tests/conftest.py records its tiers' times
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: list[str] = []
        thread = threading.Thread(target=relay, args=(name, process, lines), daemon=True)
        thread.start()
        runs[name] = (process, thread, lines)
    seconds, results = {}, {}
    while len(results) < len(runs):  # each run's wall time as it ends
        for name, (process, thread, _) in runs.items():
            if name not in results and process.poll() is not None:
                thread.join()
                seconds[name] = time.monotonic() - started
                # Exit 5: nothing collected (-k matched nothing in this run), not a failure.
                results[name] = 0 if process.returncode == 5 else process.returncode
        time.sleep(0.5)
    seconds["total"] = time.monotonic() - started
    timings.record("test", seconds)
    print("\nmake test:")
    for name, (_, _, lines) in runs.items():
        summary = next((line.strip() for line in reversed(lines) if line.strip()), "")
        state = "ok" if results[name] == 0 else f"FAILED (exit {results[name]})"
        print(f"  {name:<8} {state:<16} {seconds[name]:5.0f} s  {summary}")
        for line in lines:
            if line.startswith(("FAILED ", "ERROR ")):  # pytest's short summary, again here
                print(f"    {line}", end="")
    print(f"  total {seconds['total']:.0f} s; each run's output is above, prefixed with its name")
    if any(results.values()):
        print(f"  the runs' temporary files (local AWS logs, terraform state): {base}")
        return 1
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
