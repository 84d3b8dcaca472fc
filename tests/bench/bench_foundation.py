"""Foundation benchmarks, reported as ratios against baselines measured in the same run.

1. Local Lambda invoke overhead: cold and warm invocations of a no-op function, against the
   baseline of a plain API round trip to the same local server (GetFunction).
2. `make package`: a no-op build against a full build of the same sources (layer included).

    .venv/bin/python tests/bench/bench_foundation.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from localaws.process import LocalAwsProcess  # noqa: E402

from tests.support.lambdas import create_function, invoke  # noqa: E402

NOOP = "def lambda_handler(event, context):\n    return event\n"


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_invoke(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as state:
        server = LocalAwsProcess(Path(state)).start()
        try:
            client = server.client("lambda")
            name = create_function(server, NOOP)
            api = [timed(lambda: client.get_function(FunctionName=name)) for _ in range(rounds)]
            cold = []
            for i in range(max(3, rounds // 4)):
                # A configuration change retires the warm sandbox, as on Lambda.
                client.update_function_configuration(
                    FunctionName=name, Environment={"Variables": {"ROUND": str(i)}}
                )
                cold.append(timed(lambda: invoke(server, name)))
            warm = [timed(lambda: invoke(server, name)) for _ in range(rounds)]
        finally:
            server.stop()
    return {
        "api_ms": statistics.median(api) * 1000,
        "cold_ms": statistics.median(cold) * 1000,
        "warm_ms": statistics.median(warm) * 1000,
    }


def bench_package() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(ROOT / "scripts" / "package.py"), "--out", out]
        full = timed(lambda: subprocess.run(command, check=True, capture_output=True))
        noop = timed(lambda: subprocess.run(command, check=True, capture_output=True))
    return {"full_s": full, "noop_s": noop}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    inv = bench_invoke(args.rounds)
    pkg = bench_package()
    rows = [
        ("local Lambda invoke (median)", None, None),
        ("API round trip (baseline)", inv["api_ms"], inv["api_ms"]),
        ("warm invoke", inv["warm_ms"], inv["api_ms"]),
        ("cold invoke", inv["cold_ms"], inv["api_ms"]),
        ("make package, functions + layer", None, None),
        ("full build (baseline)", pkg["full_s"] * 1000, pkg["full_s"] * 1000),
        ("no-op build", pkg["noop_s"] * 1000, pkg["full_s"] * 1000),
    ]
    for label, value, baseline in rows:
        if value is None:
            print(label)
        else:
            print(f"  {label:<28}{value:10.1f} ms {value / baseline:8.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
