"""Foundation benchmarks, reported as ratios against baselines measured in the same run, rounds
interleaved.

1. Local Lambda invoke overhead: warm invocations of a no-op function (the mean of `--calls` a
   round) and a cold one (after a configuration change retires the warm sandbox, as on Lambda),
   against the baseline of a plain API round trip to the same local server (GetFunction, the
   mean of `--calls`).
2. `make package` (functions + layer): a no-op build against a full build of the same sources
   into the same directory, downloads cached (the full build's fingerprints and artefacts are
   removed before each round; pip's and the ffmpeg wheel's downloads are kept, so no round
   depends on the network).

    .venv/bin/python tests/bench/bench_foundation.py [--rounds 10] [--package-rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import (  # first: sets sys.path
    ROOT,
    Comparison,
    Record,
    interleave,
    run_benchmark,
    timed,
)

# isort: split
from localaws.process import LocalAwsProcess

from tests.support.lambdas import create_function, invoke

NOOP = "def lambda_handler(event, context):\n    return event\n"


def bench_invoke(rounds: int, calls: int) -> list[Comparison]:
    with tempfile.TemporaryDirectory() as state:
        server = LocalAwsProcess(Path(state)).start()
        try:
            client = server.client("lambda")
            name = create_function(server, NOOP)
            changes = iter(range(1_000_000))

            def api() -> float:
                return (
                    sum(timed(lambda: client.get_function(FunctionName=name)) for _ in range(calls))
                    / calls
                )

            def warm() -> float:
                return sum(timed(lambda: invoke(server, name)) for _ in range(calls)) / calls

            def cold() -> float:
                client.update_function_configuration(
                    FunctionName=name, Environment={"Variables": {"ROUND": str(next(changes))}}
                )
                return timed(lambda: invoke(server, name))

            arms = {"api": api, "warm": warm, "cold": cold}
            for arm in arms.values():  # warm-up
                arm()
            times = interleave(arms, rounds)
        finally:
            server.stop()
    return [
        Comparison("Lambda warm invoke", "GetFunction", "warm invoke", times["api"], times["warm"]),
        Comparison("Lambda cold invoke", "GetFunction", "cold invoke", times["api"], times["cold"]),
    ]


def bench_package(rounds: int) -> Comparison:
    with tempfile.TemporaryDirectory() as out:
        out = Path(out)
        downloads = ROOT / "build" / ".cache"
        for name in ("deps", "wheels"):  # make package's downloads, if it ran
            if (downloads / name).is_dir():
                shutil.copytree(downloads / name, out / ".cache" / name)
        command = [sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(out)]

        def build() -> None:
            subprocess.run(command, check=True, capture_output=True)

        def full() -> float:
            for built in ("lambda", "layers", ".cache/state"):
                shutil.rmtree(out / built, ignore_errors=True)
            return timed(build)

        arms = {"full": full, "noop": lambda: timed(build)}
        full()  # warm-up: fills the downloads if make package had not
        times = interleave(arms, rounds)
    return Comparison("make package", "full build", "no-op build", times["full"], times["noop"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="invoke rounds (default 10)")
    parser.add_argument("--calls", type=int, default=5, help="calls per round (default 5)")
    parser.add_argument("--package-rounds", type=int, default=3, help="builds of each (default 3)")
    args = parser.parse_args()

    record = Record("foundation", vars(args))
    print("foundation: local Lambda invoke, make package", flush=True)
    for comparison in bench_invoke(args.rounds, args.calls):
        record.add(comparison)
    record.add(bench_package(args.package_rounds))
    record.write()
    return 0


if __name__ == "__main__":
    run_benchmark(main)
