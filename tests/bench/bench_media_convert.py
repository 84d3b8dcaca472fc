"""media-convert benchmark: the workflow's split → parallel encode → merge against one
single-pass encode of the same input, on this machine, as ratios of the single pass.

Input: 1080p30 testsrc2 + a 440 Hz AAC tone, a keyframe every 2 s (sample_media.make_video).
Baseline: one ffmpeg run doing the workflow's encode on the whole file (H.264 at 720p, x264
veryfast, CRF 23, audio copied). Workflow: the functions' own code in this process, against
the local AWS's S3 served by a process of its own over HTTP (S3 is a service of its own: the
workflow pays the client's side of each transfer, as a Lambda function does, and waits for the
server's): media_split's split() (of an MP4: it reads the index only), media_encode's encode()
for every Map item (each part, which copies its chunk from the upload, and the audio item) on a
pool of `--workers` threads (each runs ffmpeg as a subprocess), then media_merge's merge(),
which also verifies the output against the source. The two alternate, `--rounds` of each,
their order reversed every other round; timings in wall and CPU seconds (the CPU of the
ffmpeg/ffprobe processes shown apart, and the S3 server's beside), medians in the table, min
and median of the ratios in the record (build/bench/media_convert.json).

Reported: the split + merge overhead as a fraction of the single pass (target <= 3 %), the
parallel speedup on this machine (single pass / workflow), and a projection for one function
per Map item (split + slowest item + merge). The machine's CPUs bound the speedup here: x264
already uses every core in the single pass. Numbers from a shared machine are noisy; the load
average before and after is printed.

    .venv/bin/python tests/bench/bench_media_convert.py [--seconds 60] [--segment 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import Comparison, Record, interleave, run_benchmark  # first: sets sys.path and PATH
from localaws.process import LocalAwsProcess

# Before the handlers are imported: their Powertools loggers read the level once.
os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ[name] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"

import boto3  # noqa: E402
import ffmpeg  # noqa: E402
from media_common.ffmpeg_runner import FFMPEG_GLOBAL_ARGS, run_ffmpeg  # noqa: E402
from media_common.settings import EncodeConfig, MergeConfig, SplitConfig  # noqa: E402
from media_common.transcode import output_size  # noqa: E402
from media_encode.handler import encode  # noqa: E402
from media_merge.handler import merge  # noqa: E402
from media_split.handler import split  # noqa: E402
from sample_media import make_video, measure  # noqa: E402

SOURCE, WORK, OUTPUT = "bench-source", "bench-work", "bench-output"
TARGET = 0.03  # split + merge over the single pass (issue 14)
# The module's defaults (variables.tf), as its environment gives them to the functions.
ENV = {
    "WORK_BUCKET": WORK,
    "WORK_PREFIX": "jobs/",
    "OUTPUT_BUCKET": OUTPUT,
    "OUTPUT_PREFIX": "converted/",
    "OUTPUT_HEIGHT": "720",
    "VIDEO_CRF": "23",
    "X264_PRESET": "veryfast",
    "THUMBNAIL_WIDTH": "320",
    "CLEANUP_INTERMEDIATE": "true",
}


SERVER_PID: int | None = None  # the S3 server's, once started


def cpu_seconds() -> tuple[float, float, float]:
    """CPU time of this process (Python: the functions, the S3 client), of its finished
    children (the ffmpeg and ffprobe runs), and of the S3 server."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = 0.0
    if SERVER_PID is not None:  # utime and stime, in clock ticks (proc(5))
        fields = Path(f"/proc/{SERVER_PID}/stat").read_text().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime, server


def timed(action):
    """(wall seconds, CPU seconds, of which ffmpeg/ffprobe, S3 server CPU seconds, result) of
    action()."""
    wall, (own, tools, server) = time.perf_counter(), cpu_seconds()
    result = action()
    own_after, tools_after, server_after = cpu_seconds()
    tools = tools_after - tools
    return (
        time.perf_counter() - wall,
        own_after - own + tools,
        tools,
        server_after - server,
        result,
    )


@contextlib.contextmanager
def s3_server(work: Path) -> Iterator[str]:
    """The local AWS (moto with the project's fixes) in a process of its own: its endpoint URL.
    Only its S3 is used."""
    global SERVER_PID
    server = LocalAwsProcess(work).start()
    try:
        SERVER_PID = server.process.pid
        yield server.endpoint
    finally:
        SERVER_PID = None
        server.stop()


def single_pass_command(source: Path, out: Path, size: tuple[int, int]) -> list[str]:
    """encode_command's video settings on the whole file, with the audio copied as the merge
    does."""
    source_input = ffmpeg.input(str(source))
    video = source_input["v:0"].filter("scale", *size).filter("setsar", 1)
    stream = ffmpeg.output(
        video,
        source_input["a:0"],
        str(out),
        vcodec="libx264",
        preset=ENV["X264_PRESET"],
        crf=int(ENV["VIDEO_CRF"]),
        pix_fmt="yuv420p",
        fps_mode="passthrough",
        enc_time_base="demux",
        acodec="copy",
        movflags="+faststart",
    )
    return stream.global_args(*FFMPEG_GLOBAL_ARGS).overwrite_output().compile()


def run_workflow(s3, segment: int, workers: int, tmp: Path) -> dict:
    """One job through split, encode (in parallel) and merge: (wall, CPU) seconds per step."""
    etag = s3.head_object(Bucket=SOURCE, Key="incoming/input.mp4")["ETag"].strip('"')

    # The ASL's SplitVideoFile passes bucket, key and etag of the execution input.
    event = {"bucket": SOURCE, "key": "incoming/input.mp4", "etag": etag}
    split_config = SplitConfig.from_env({**ENV, "SEGMENT_DURATION": str(segment)})
    (tmp / "split").mkdir()
    *split_time, job = timed(lambda: split(event, split_config, s3, tmp / "split"))

    encode_config = EncodeConfig.from_env(ENV)

    def encode_part(part: dict) -> tuple[float, dict]:
        workdir = tmp / f"encode-{part['index']}"
        workdir.mkdir()
        item = {  # the Map's ItemSelector
            "bucket": job["bucket"],
            "part": part,
            "manifest": job["manifest"],
            "originalFileName": job["originalFileName"],
        }
        wall, *_, result = timed(lambda: encode(item, encode_config, s3, workdir))
        return wall, result

    with ThreadPoolExecutor(max_workers=workers) as pool:
        *encode_time, encoded = timed(lambda: list(pool.map(encode_part, job["parts"])))

    merge_event = {  # the Pass state's Parameters
        "bucket": job["bucket"],
        "manifest": job["manifest"],
        "originalFileName": job["originalFileName"],
        "encodedParts": [result["data"]["encodedPart"] for _, result in encoded],
    }
    (tmp / "merge").mkdir()
    merge_config = MergeConfig.from_env(ENV)
    *merge_time, merged = timed(lambda: merge(merge_event, merge_config, s3, tmp / "merge"))
    output = tmp / "workflow.mp4"
    s3.download_file(OUTPUT, merged["output"]["key"], str(output))
    return {
        "split": split_time,
        "encode": encode_time,
        "merge": merge_time,
        "parts": sum(not item.get("audio") for item in job["parts"]),
        "part_walls": [wall for wall, _ in encoded],
        "output": output,
    }


def describe(label: str, info: dict) -> str:
    audio = f"{info['audio_codec']} {info['audio_duration']:.3f} s" if info["audio_codec"] else "-"
    return (
        f"  {label:<13}{info['width']:>5}x{info['height']:<5}{info['frames']:>7} frames"
        f"{info['duration']:>10.3f} s   audio {audio}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="input length (default 60)")
    parser.add_argument("--segment", type=int, default=10, help="SEGMENT_DURATION (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="parallel encodes (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (default 3)")
    args = parser.parse_args()

    record = Record("media_convert", vars(args))
    with (
        tempfile.TemporaryDirectory(prefix="bench-media-") as tmp_dir,
        s3_server(Path(tmp_dir) / "localaws") as endpoint,
    ):
        tmp = Path(tmp_dir)
        source = tmp / "input.mp4"
        print(f"generating {args.seconds} s of 1080p30 (keyframe every 2 s) ...", flush=True)
        make_video(source, seconds=args.seconds, size="1920x1080", fps="30", gop=60)
        source_info = measure(source)
        s3 = boto3.client("s3", endpoint_url=endpoint)
        for bucket in (SOURCE, WORK, OUTPUT):
            s3.create_bucket(Bucket=bucket)
        s3.upload_file(str(source), SOURCE, "incoming/input.mp4")

        size = output_size(source_info["width"], source_info["height"], int(ENV["OUTPUT_HEIGHT"]))
        baseline_out = tmp / "single_pass.mp4"
        rounds = iter(range(1_000_000))

        def single_pass() -> list[float]:
            *seconds, _ = timed(lambda: run_ffmpeg(single_pass_command(source, baseline_out, size)))
            return seconds

        def workflow() -> dict:
            workdir = tmp / f"round-{next(rounds)}"
            workdir.mkdir()
            return run_workflow(s3, args.segment, args.workers, workdir)

        print(f"{args.rounds} rounds of each, interleaved ...", flush=True)
        measured = interleave({"single": single_pass, "workflow": workflow}, args.rounds)
        single, runs = measured["single"], measured["workflow"]
        baseline_info = measure(baseline_out)
        workflow_info = measure(runs[-1]["output"])

    def median(times: list[list[float]]) -> list[float]:
        """Median of each measure (wall, CPU, ffmpeg/ffprobe CPU, S3 server CPU) over the
        rounds."""
        return [statistics.median(column) for column in zip(*times, strict=True)]

    base = median(single)
    step = {name: median([r[name] for r in runs]) for name in ("split", "encode", "merge")}
    total = median([[sum(r[n][i] for n in step) for i in range(4)] for r in runs])
    overhead = median([[r["split"][i] + r["merge"][i] for i in range(4)] for r in runs])

    print(
        f"\n{args.seconds} s 1080p30 -> {size[0]}x{size[1]} H.264 (veryfast, CRF 23), "
        f"audio copied; {runs[-1]['parts']} parts of {args.segment} s and the audio item, "
        f"{args.workers} encodes at once; "
        f"{os.cpu_count()} CPUs, load {record.load_before:.1f} -> {os.getloadavg()[0]:.1f}; "
        f"median of {args.rounds} (rounds interleaved)\n"
    )
    print(
        f"  {'':<32}{'wall s':>8}{'x single':>10}{'CPU s':>9}{'x single':>10}{'ffmpeg':>9}"
        f"{'S3 srv':>9}"
    )
    rows = [
        ("single pass (baseline)", base),
        ("workflow: split", step["split"]),
        (f"workflow: encode, {args.workers} at once", step["encode"]),
        ("workflow: merge", step["merge"]),
        ("workflow: total", total),
        ("split + merge overhead", overhead),
    ]
    for label, (wall, cpu, tools, server) in rows:
        print(
            f"  {label:<32}{wall:8.2f}{wall / base[0]:10.3f}{cpu:9.2f}{cpu / base[1]:10.3f}"
            f"{tools:9.2f}{server:9.2f}"
        )
    print(
        "  (CPU s: this process's (the functions and their S3 client) and its ffmpeg/ffprobe\n"
        "  runs', of which ffmpeg: those runs'; S3 srv: the CPU s of the local AWS's process,\n"
        "  not counted: on AWS it is S3's; the wall time includes waiting for it)"
    )
    walls = runs[-1]["part_walls"]
    print(
        f"\n  overhead, (split + merge) / single pass: {overhead[0] / base[0]:.1%} of the wall "
        f"time, {overhead[1] / base[1]:.1%} of the CPU time (target <= {TARGET:.0%})"
    )
    print(
        f"  of which ffmpeg/ffprobe (the split and merge proper): {overhead[2] / base[1]:.1%} "
        f"of the single pass's CPU time; the rest is the S3 client moving the parts"
    )
    print(f"  parallel speedup, single pass / workflow total: {base[0] / total[0]:.2f}x")
    print(f"  one Map item (last round): {min(walls):.2f}-{max(walls):.2f} s wall")
    # With a function per item (Map concurrency >= items), the encode step lasts as long as
    # its slowest item. The items here ran `--workers` at a time on this machine's CPUs, so
    # each took longer than it would alone: the projection is conservative.
    projected = step["split"][0] + max(walls) + step["merge"][0]
    print(
        f"  projected speedup with one function per item (split + slowest item + merge): "
        f"{base[0] / projected:.2f}x"
    )

    print("\nexactness")
    for label, info in (
        ("input", source_info),
        ("single pass", baseline_info),
        ("workflow", workflow_info),
    ):
        print(describe(label, info))
    exact = workflow_info["frames"] == source_info["frames"] and (
        abs(workflow_info["duration"] - source_info["duration"]) <= source_info["frame"]
    )
    print(f"  workflow output {'matches' if exact else 'DOES NOT match'} the input")

    wall, cpu = ([t[i] for t in single] for i in (0, 1))
    total = [sum(r[step][0] for step in ("split", "encode", "merge")) for r in runs]
    overhead_wall, overhead_cpu = ([r["split"][i] + r["merge"][i] for r in runs] for i in (0, 1))
    record.add(Comparison("workflow total, wall", "single pass", "workflow", wall, total))
    for unit, baseline, overhead in (("wall", wall, overhead_wall), ("CPU", cpu, overhead_cpu)):
        record.add(
            Comparison(
                f"split + merge, {unit}",
                "single pass",
                "split + merge",
                baseline,
                overhead,
                f"<= {TARGET}",
            )
        )
    record.extra["exact"] = exact
    record.write()
    return 0 if exact else 1


if __name__ == "__main__":
    run_benchmark(main)
