"""Encode throughput per vCPU, the measured input of the scale model (media_common.scale_model).

A part is encoded as the workflows encode it (media_common.transcode.encode_command: H.264,
scaled, every frame kept) with x264 and the decoder limited to one thread, so that the CPU
seconds of the ffmpeg process are what one vCPU spends: frames / CPU seconds is the throughput
per vCPU. Lambda gives a function vCPUs in proportion to its memory (1,769 MB = 1 vCPU) and x264
spreads over them, so the model divides by the function's vCPUs (it assumes the threads scale,
which x264 does well up to the 6 vCPUs of a 10,240 MB function at these sizes).

Sources: generated 1080p30 and 2160p30 (testsrc2 with temporal noise, as camera grain: noise
costs x264 more than a clean test pattern, so the figures err on the slow side), a keyframe
every 2 s. Outputs: 720p and 1080p at x264 veryfast (both modules' default), 720p at ultrafast
(the test roots'). Every combination is one arm; arms alternate within a round, their order
reversed every other round; min and median of `--rounds` rounds. The comparisons are each arm's
CPU seconds per frame against 1080p→720p veryfast's; the fps per vCPU of each arm (from the
median) go to the record's `throughput` (build/bench/scale.json), printed beside what
media_common.scale_model predicts with its constants (refit them when the two drift apart).

    .venv/bin/python tests/bench/bench_scale.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
from pathlib import Path

from benchlib import Comparison, Record, interleave, run_benchmark  # first: sets sys.path and PATH
from media_common import scale_model
from media_common.ffmpeg_runner import run_ffmpeg
from media_common.transcode import encode_command, output_size
from sample_media import make_video, measure

SOURCES = {"1080p": ("1920x1080", 10), "2160p": ("3840x2160", 4)}  # size, seconds
ARMS = {  # name: source, output height, preset
    "1080p->720p veryfast": ("1080p", 720, "veryfast"),
    "1080p->1080p veryfast": ("1080p", 1080, "veryfast"),
    "1080p->720p ultrafast": ("1080p", 720, "ultrafast"),
    "2160p->720p veryfast": ("2160p", 720, "veryfast"),
    "2160p->1080p veryfast": ("2160p", 1080, "veryfast"),
}
BASELINE = "1080p->720p veryfast"
ONE_THREAD = ["-threads", "1"]  # an output option: x264 on one thread


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_thread(command: list[str]) -> list[str]:
    """The decoder on one thread too: `-threads 1` before the input."""
    at = command.index("-i")
    return [*command[:at], *ONE_THREAD, *command[at:-1], *ONE_THREAD, command[-1]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    record = Record("scale", {"rounds": args.rounds, "sources": SOURCES, "arms": ARMS})
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        sources, frames = {}, {}
        for name, (size, seconds) in SOURCES.items():
            sources[name] = make_video(
                work / f"{name}.mp4", seconds, size, extra=("-vf", "noise=alls=8:allf=t")
            )
            frames[name] = measure(sources[name])["frames"]

        def arm(source_name: str, height: int, preset: str):
            width, full = (int(x) for x in SOURCES[source_name][0].split("x"))
            size = output_size(width, full, height, 1, 0)
            out = work / f"{source_name}-{height}-{preset}.mp4"
            command = one_thread(encode_command(sources[source_name], out, size, preset, 23))

            def run() -> float:
                before = children_cpu()
                run_ffmpeg(command)
                return (children_cpu() - before) / frames[source_name]  # CPU s per frame

            return run

        results = interleave({name: arm(*spec) for name, spec in ARMS.items()}, args.rounds)
    for name in ARMS:
        if name != BASELINE:
            comparison = Comparison(
                f"CPU s/frame {name}", BASELINE, name, results[BASELINE], results[name]
            )
            record.add(comparison)
    throughput = {
        name: {
            "source": ARMS[name][0],
            "output_height": ARMS[name][1],
            "preset": ARMS[name][2],
            "fps_per_vcpu_median": 1 / statistics.median(per_frame),
            "fps_per_vcpu_best": 1 / min(per_frame),
        }
        for name, per_frame in results.items()
    }
    record.extra["throughput"] = throughput
    print("\nencode throughput, frames/s per vCPU (median of the rounds; model's prediction)")
    for name, row in throughput.items():
        source = scale_model.RESOLUTIONS[row["source"]]
        out = scale_model.output_frame(source, row["output_height"])
        predicted = 1 / scale_model.encode_cpu_seconds_per_frame(source, out, row["preset"])
        print(f"  {name:<24}{row['fps_per_vcpu_median']:>8.1f}  (model {predicted:.1f})")
    record.write()
    return 0


if __name__ == "__main__":
    run_benchmark(main)
