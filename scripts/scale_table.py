#!/usr/bin/env python3
"""The scale model's table for the seed's four media-convert test cases (seed 000: 3 GB and
870 MB uploads at SegmentDuration 300 and 60 s), at the module's defaults: each function's wall
time, memory and /tmp, and the execution's critical path. Printed as the Markdown table of
terraform/modules/media-convert/README.md ("Scale").

The seed gives the sizes only, so each case is read at two bitrates: 1080p30 at 8 Mbit/s (a
camera or phone) and 2160p30 at 40 Mbit/s.

    .venv/bin/python scripts/scale_table.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambda_src"))

from media_common import scale_model as m

GB, MB = 1e9, 1e6


@dataclass(frozen=True)
class Case:
    name: str
    size_bytes: int
    segment_duration: int


SEED_CASES = (
    Case("#1", int(3 * GB), 300),
    Case("#2", int(3 * GB), 60),
    Case("#3", int(870 * MB), 300),
    Case("#4", int(870 * MB), 60),
)
READINGS = {"1080p30 8 Mbit/s": ("1080p", 8e6), "2160p30 40 Mbit/s": ("2160p", 40e6)}

# media-convert's defaults (terraform/modules/media-convert/variables.tf); the unit tests hold
# the two to each other.
DEFAULTS = {
    "output_height": 720,
    "preset": "veryfast",
    "split": m.Function(memory_mb=2048, timeout_s=900, ephemeral_mb=10240),
    "encode": m.Function(memory_mb=3008, timeout_s=900, ephemeral_mb=10240),
    "merge": m.Function(memory_mb=2048, timeout_s=900, ephemeral_mb=10240),
    "map_max_concurrency": 40,
}


def source(case: Case, reading: str) -> m.Source:
    resolution, bits = READINGS[reading]
    return m.Source(case.size_bytes, case.size_bytes * 8 / bits, m.RESOLUTIONS[resolution])


def plan(
    case: Case, reading: str, defaults: dict = DEFAULTS, chunks_in_source: bool = True
) -> m.Plan:
    """An MP4 upload with the ffmpeg encoders (chunks_in_source), or any other."""
    return m.media_convert(
        source(case, reading),
        case.segment_duration,
        defaults["output_height"],
        defaults["preset"],
        defaults["split"],
        defaults["encode"],
        defaults["merge"],
        defaults["map_max_concurrency"],
        chunks_in_source,
    )


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def cell(step: m.Step) -> str:
    return f"{minutes(step.wall_s)}, {step.memory_mb:,} MB, {step.ephemeral_mb:,} MB"


def table() -> str:
    rows = [
        "| case | source | parts x s | split | encode (longest part) | audio (Map item) | merge"
        " | critical path (Map rounds) | fits |",
        "|---|---|---:|---|---|---|---|---:|:-:|",
    ]
    for case in SEED_CASES:
        for reading in READINGS:
            s, p = source(case, reading), plan(case, reading)
            rows.append(
                f"| {case.name}, SegmentDuration {case.segment_duration} s |"
                f" {case.size_bytes / GB:.2f} GB, {reading}, {minutes(s.duration_s)} |"
                f" {p.parts} x {min(case.segment_duration, s.duration_s):.0f} |"
                f" {cell(p.split)} | {cell(p.encode)} | {cell(p.audio)} | {cell(p.merge)} |"
                f" {minutes(p.critical_path_s)} ({p.rounds}) | {'yes' if p.fits else '**no**'} |"
            )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
