"""SplitVideoFile: checks and probes the upload, splits its video into keyframe-aligned parts
(stream copy), extracts the audio once and writes the job manifest."""

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
from media_common import job_keys
from media_common.errors import CorruptInputError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.input_size import check_input_size
from media_common.manifest import Manifest, Part, write_manifest
from media_common.probe import MediaInfo, probe
from media_common.settings import SplitConfig
from media_common.transcode import part_spans, read_segment_list, split_command

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
    s3.download_file(bucket, key, str(source))
    info = probe(source, label)
    logger.info("probed", extra={"media": asdict(info)})

    pieces, audio = cut(source, info, config.segment_duration, workdir, label)

    parts = []
    for index, (path, span, frames) in enumerate(pieces):
        parts.append(Part(index, job_keys.part_key(prefix, index), span, frames))
        s3.upload_file(str(path), config.work_bucket, parts[-1].key)
    audio_key = job_keys.audio_key(prefix) if audio else None
    if audio:
        s3.upload_file(str(audio), config.work_bucket, audio_key)
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
    )
    manifest_key = job_keys.manifest_key(prefix)
    write_manifest(s3, config.work_bucket, manifest_key, manifest)
    logger.info("split", extra={"parts": len(parts), "frames": manifest.frames})
    return {
        "bucket": config.work_bucket,
        "jobId": job,
        "manifest": manifest_key,
        "originalFileName": key,
        "parts": [{"index": part.index, "key": part.key} for part in parts],
    }


def cut(
    source: Path, info: MediaInfo, segment_seconds: int, workdir: Path, label: str
) -> tuple[list[tuple[Path, float, int]], Path | None]:
    """Split locally: [(part file, span in the source, frames)] and the audio file, if any."""
    parts_dir, segment_list = workdir / "parts", workdir / "parts.csv"
    parts_dir.mkdir()
    audio = workdir / "audio.m4a" if info.has_audio else None
    command = split_command(
        source, parts_dir, segment_list, segment_seconds, audio, info.audio_codec == "aac"
    )
    try:
        run_ffmpeg(command)
    except FFmpegError as exc:
        if exc.crashed:
            raise
        raise CorruptInputError(f"{label} could not be split: {exc.detail}") from exc
    listed = read_segment_list(segment_list)
    if not listed:
        raise CorruptInputError(f"{label}: no video frame could be read")
    paths = [parts_dir / name for name, _ in listed]
    probed = [probe(path, f"{label} (part {path.name})") for path in paths]
    spans = part_spans(
        [start for _, start in listed], [part.video_start for part in probed], probed[-1].duration
    )
    check_complete(label, info, sum(spans))
    return list(zip(paths, spans, [part.frames for part in probed], strict=True)), audio


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
