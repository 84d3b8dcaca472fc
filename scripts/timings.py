"""Wall times of the test tiers and of the demo, kept so that a regression shows as a number.

`make test` and `make demo` write build/bench/timings/<name>.json (the latest run of each);
`make bench` prints them beside the benchmarks' ratios.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path

TIMINGS = Path(__file__).resolve().parents[1] / "build" / "bench" / "timings"


def record(name: str, seconds: dict[str, float]) -> Path:
    """Writes one run's wall times (label -> seconds) with when, which commit and the load."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    TIMINGS.mkdir(parents=True, exist_ok=True)
    path = TIMINGS / f"{name}.json"
    path.write_text(
        json.dumps(
            {
                "name": name,
                "recorded": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "commit": commit,
                "load": round(os.getloadavg()[0], 2),
                "seconds": {label: round(value, 1) for label, value in seconds.items()},
            },
            indent=2,
        )
        + "\n"
    )
    return path


def table() -> str:
    """The recorded wall times, one line per run."""
    lines = []
    for path in sorted(TIMINGS.glob("*.json")):
        data = json.loads(path.read_text())
        parts = ", ".join(f"{label} {value:.0f} s" for label, value in data["seconds"].items())
        lines.append(
            f"  {data['name']:<10} {parts}  ({data['recorded']}, {data['commit']}, "
            f"load {data['load']})"
        )
    return "\n".join(lines)
