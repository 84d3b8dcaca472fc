"""`make test`: the suite as three pytest runs side by side, so that both cores work.

One run alone keeps about one core busy (its CPU time was 0.99 of its wall time): the end-to-end
tests mostly wait (terraform's provider waits, workflows in the local AWS), the other tiers are
one test at a time. So the tiers that need no terraform apply run in one process, fastest first
(a failure there shows within the first minute), and the end-to-end modules in two more, each
applying its own roots on its own local AWS from its start (tests/support/deployments.py).

    .venv/bin/python scripts/test_suite.py [pytest options]   # e.g. -x, -k name

Each run's lines are printed as they come, prefixed with its name; the summary lists each run's
result and wall time (also written for `make bench`, scripts/timings.py). Exits 1 if any failed.
"""

from __future__ import annotations

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
# The e2e modules in two runs of similar length (measured alone: rider-photo and media-convert
# ~4 min together, the others about as long).
RUNS = {
    "checks": ["tests", f"--ignore={E2E}"],
    "e2e-1": [f"{E2E}test_rider_photo.py", f"{E2E}test_media_convert.py"],
    "e2e-2": [
        f"{E2E}test_sns_fanout.py",
        f"{E2E}test_glue_medallion.py",
        f"{E2E}test_foundation.py",
        f"{E2E}test_package_reproducible.py",
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
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
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
        summary = next((line.strip() for line in reversed(lines) if line.startswith("=")), "")
        state = "ok" if results[name] == 0 else f"FAILED (exit {results[name]})"
        print(f"  {name:<7} {state:<16} {seconds[name]:5.0f} s  {summary}")
    print(f"  total {seconds['total']:.0f} s; logs of each run above, prefixed with its name")
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
