"""SplitVideoFile: checks and probes the upload, splits its video into parts of SegmentDuration
(stream-copied chunks from keyframes, a part trimmed from a chunk where keyframes are sparse),
extracts the audio once and writes the job manifest."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import boto3
from aws_lambda_powertools import Logger
from lambda_common import naming
from lambda_common.errors import ConfigurationError
from lambda_common.metrics import MetricUnit, workflow_metrics
from lambda_common.s3 import transfer
from media_common import job_keys
from media_common.errors import CorruptInputError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.input_size import check_input_size
from media_common.manifest import Manifest, Part, write_manifest
from media_common.parts import Plan, plan_parts
from media_common.probe import MediaInfo, probe_with_packets
from media_common.settings import SplitConfig
from media_common.transcode import split_command

logger = Logger(service="media_split")
metrics = workflow_metrics("media_split")

TRUNCATION_TOLERANCE_FRAMES = 2


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = SplitConfig.from_env()
    with tempfile.TemporaryDirectory(prefix="media-split-") as tmp:
        result = split(event, config, boto3.client("s3"), Path(tmp))
    metrics.add_metric(name="PartsPerJob", unit=MetricUnit.Count, value=len(result["parts"]))
    return result


def split(event: dict, config: SplitConfig, s3, workdir: Path) -> dict:
    bucket, key = event["bucket"], event["key"]
    label = f"s3://{bucket}/{key}"
    check_locations(bucket, key, config)
    head = s3.head_object(Bucket=bucket, Key=key)
    free = shutil.disk_usage(workdir).free
    check_input_size(label, head["ContentLength"], free, config.max_input_bytes, "splitting")
    # The event's ETag if given, so the cleanup (which sees the same input) names the same job.
    job = job_keys.job_id(bucket, key, event.get("etag") or head["ETag"])
    prefix = job_keys.job_prefix(config.work_prefix, job)
    logger.append_keys(jobId=job, source=label)

    source = workdir / "source"  # no extension: see probe()
    transfer(s3, downloads=[(bucket, key, source)])
    info, time_base, packets = probe_with_packets(source, label)
    logger.info("probed", extra={"media": asdict(info)})

    plan = plan_parts(packets, time_base, config.segment_duration)
    chunks, audio = cut(source, info, plan, workdir, label)

    # A chunk is stored under the name of the first part decoded from it.
    chunk_keys = [job_keys.part_key(prefix, first) for first in first_parts(plan)]
    parts = [
        Part(
            index=index,
            key=job_keys.part_key(prefix, index),
            duration=planned.span,
            frames=planned.frames,
            source=chunk_keys[planned.chunk],
            skip=planned.skip,
            offset=planned.offset,
        )
        for index, planned in enumerate(plan.parts)
    ]
    audio_key = job_keys.audio_key(prefix) if audio else None
    uploads = [
        (path, config.work_bucket, chunk_key, {})
        for path, chunk_key in zip(chunks, chunk_keys, strict=True)
    ]
    if audio:
        uploads.append((audio, config.work_bucket, audio_key, {}))
    transfer(s3, uploads=uploads)
    output_key, thumbnail_key = job_keys.output_keys(config.output_prefix, key)
    manifest = Manifest(
        job_id=job,
        source_bucket=bucket,
        source_key=key,
        source_etag=naming.normalise_etag(head["ETag"]),
        duration=info.duration,
        fps=str(info.fps),
        frames=sum(part.frames for part in parts),
        width=info.width,
        height=info.height,
        sar=f"{info.sar.numerator}:{info.sar.denominator}",
        rotation=info.rotation,
        has_audio=info.has_audio,
        audio_key=audio_key,
        video_offset=info.video_offset,
        audio_offset=info.audio_offset,
        output_key=output_key,
        thumbnail_key=thumbnail_key,
        parts=tuple(parts),
        variable_frame_rate=plan.variable_frame_rate,
    )
    manifest_key = job_keys.manifest_key(prefix)
    write_manifest(s3, config.work_bucket, manifest_key, manifest)
    logger.info(
        "split",
        extra={"parts": len(parts), "chunks": len(chunks), "frames": manifest.frames},
    )
    return {
        "bucket": config.work_bucket,
        "jobId": job,
        "manifest": manifest_key,
        "originalFileName": key,
        "parts": [{"index": part.index, "key": part.key} for part in parts],
    }


def cut(
    source: Path, info: MediaInfo, plan: Plan, workdir: Path, label: str
) -> tuple[list[Path], Path | None]:
    """Split locally as planned (parts.plan_parts): the chunk files, and the audio file if any."""
    parts_dir = workdir / "parts"
    parts_dir.mkdir()
    audio = workdir / "audio.m4a" if info.has_audio else None
    command = split_command(
        source, parts_dir, list(plan.chunk_starts), audio, info.audio_codec == "aac"
    )
    try:
        run_ffmpeg(command)
    except FFmpegError as exc:
        if exc.crashed:
            raise
        raise CorruptInputError(f"{label} could not be split: {exc.detail}") from exc
    chunks = sorted(parts_dir.iterdir())
    if len(chunks) != len(plan.chunk_starts):
        raise CorruptInputError(
            f"{label}: the video split into {len(chunks)} pieces at its keyframes, "
            f"{len(plan.chunk_starts)} were expected"
        )
    check_complete(label, info, sum(part.span for part in plan.parts))
    return chunks, audio


def first_parts(plan: Plan) -> list[int]:
    """Index of the first part of each chunk."""
    firsts: dict[int, int] = {}
    for index, part in enumerate(plan.parts):
        firsts.setdefault(part.chunk, index)
    return [firsts[chunk] for chunk in range(len(plan.chunk_starts))]


def check_locations(bucket: str, key: str, config: SplitConfig) -> None:
    """Refuse to convert our own results or work files: with the upload trigger on that bucket,
    each result would start another execution, without end."""
    for name, our_bucket, our_prefix in (
        ("OUTPUT", config.output_bucket, config.output_prefix),
        ("WORK", config.work_bucket, config.work_prefix),
    ):
        if bucket == our_bucket and key.startswith(our_prefix):
            raise ConfigurationError(
                f"s3://{bucket}/{key} is inside {name}_BUCKET/{name}_PREFIX "
                f"(s3://{our_bucket}/{our_prefix}); converting it would loop: give the "
                f"workflow's {name.lower()} files their own bucket or prefix"
            )


def check_complete(label: str, source: MediaInfo, read: float) -> None:
    """Stream copy ends quietly where a truncated Matroska file ends: compare the video split
    (`read` seconds) with the duration the container announced (when it announces one)."""
    announced = source.video_duration
    if announced and read < announced - TRUNCATION_TOLERANCE_FRAMES * source.frame_duration:
        raise CorruptInputError(
            f"{label} is truncated: it announces {announced:.3f} s of video, "
            f"only {read:.3f} s could be read"
        )
