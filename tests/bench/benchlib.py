"""What the benchmarks share: the project's import paths and tools, interleaved rounds, ratios
(min and median) against a baseline measured in the same run, and the record under build/bench/.

Import it first: a benchmark runs as a plain script (`python tests/bench/bench_x.py`), where
pytest's `pythonpath` (pyproject.toml) does not apply, so this module puts the same directories
on `sys.path`, and the dev requirements' ffmpeg on PATH.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, TypeVar

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "build" / "bench"
T = TypeVar("T")


def _add_import_paths() -> None:
    """The directories pytest adds (pyproject's `pythonpath`), in the same order."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for entry in reversed(config["tool"]["pytest"]["ini_options"]["pythonpath"]):
        path = str((ROOT / entry).resolve())
        if path not in sys.path:
            sys.path.insert(0, path)


_add_import_paths()
# ffmpeg/ffprobe from the dev requirements sit next to the interpreter in .venv/bin (the tests'
# conftest puts them on PATH the same way).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


def run_benchmark(main: Callable[[], int]) -> NoReturn:
    """Runs a benchmark's main; when terminated, it unwinds, so that its `finally` blocks stop
    the local AWS it started."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sys.exit(main())


def timed(action: Callable[[], object]) -> float:
    """Wall seconds of action()."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleave(arms: dict[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """What each arm measured in each of `rounds` rounds, the arms alternating within a round and
    their order reversed every other round (A B, B A, A B, ...), so that a change in the machine's
    load hits every arm alike. An arm returns its own measurement (seconds: see `timed`)."""
    if rounds < 3:
        raise ValueError("at least 3 rounds of each arm, for a min and a median that mean much")
    results: dict[str, list[T]] = {name: [] for name in arms}
    names = list(arms)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            results[name].append(arms[name]())
    return results


@dataclass
class Comparison:
    """A subject's times against a baseline's from the same interleaved rounds, in seconds."""

    name: str
    baseline: str
    subject: str
    baseline_s: list[float]
    subject_s: list[float]
    target: str = ""  # what the ratio should stay under, as text ("< 1.10")

    @property
    def ratio_min(self) -> float:
        return min(self.subject_s) / min(self.baseline_s)

    @property
    def ratio_median(self) -> float:
        return statistics.median(self.subject_s) / statistics.median(self.baseline_s)

    def as_dict(self) -> dict:
        def side(label: str, seconds: list[float]) -> dict:
            return {
                "label": label,
                "rounds_s": seconds,
                "min_s": min(seconds),
                "median_s": statistics.median(seconds),
            }

        return {
            "name": self.name,
            "baseline": side(self.baseline, self.baseline_s),
            "subject": side(self.subject, self.subject_s),
            "ratio": {"min": self.ratio_min, "median": self.ratio_median},
            "target": self.target,
        }


def seconds_text(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(rows: list[tuple[str, dict]]) -> str:
    """(benchmark, comparison as_dict) rows: baseline and subject min/median, the ratios."""
    lines = [
        f"  {'benchmark':<16}{'comparison':<30}{'baseline min/median':>22}"
        f"{'subject min/median':>22}{'ratio min':>10}{'median':>8}  target"
    ]
    for bench, c in rows:
        base, subject = c["baseline"], c["subject"]
        lines.append(
            f"  {bench:<16}{c['name']:<30}"
            f"{seconds_text(base['min_s']) + ' / ' + seconds_text(base['median_s']):>22}"
            f"{seconds_text(subject['min_s']) + ' / ' + seconds_text(subject['median_s']):>22}"
            f"{c['ratio']['min']:>9.3f}x{c['ratio']['median']:>7.3f}x  {c['target']}"
        )
    return "\n".join(lines)


@dataclass
class Record:
    """One benchmark's results, written to build/bench/<name>.json."""

    name: str
    parameters: dict
    comparisons: list[Comparison] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # figures that are not ratios (rows/s, ...)
    started: str = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    )
    load_before: float = field(default_factory=lambda: os.getloadavg()[0])

    def add(self, comparison: Comparison) -> Comparison:
        self.comparisons.append(comparison)
        return comparison

    def write(self) -> Path:
        """Writes the record and prints its table."""
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        data = {
            "benchmark": self.name,
            "started": self.started,
            "commit": commit,
            "machine": {
                "cpus": os.cpu_count(),
                "load_before": self.load_before,
                "load_after": os.getloadavg()[0],
                "python": platform.python_version(),
            },
            "parameters": self.parameters,
            "comparisons": [c.as_dict() for c in self.comparisons],
            **self.extra,
        }
        RECORDS.mkdir(parents=True, exist_ok=True)
        path = RECORDS / f"{self.name}.json"
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"\n{table([(self.name, c) for c in data['comparisons']])}")
        print(
            f"  (ratio = subject / baseline seconds: min of each, median of each; "
            f"load {data['machine']['load_before']:.1f} -> {data['machine']['load_after']:.1f})"
        )
        print(f"  recorded in {path}")
        return path
