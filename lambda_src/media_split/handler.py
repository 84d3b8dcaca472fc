"""SplitVideoFile: checks and probes the upload, plans parts of SegmentDuration (each decoded from
a chunk of the video stream-copied from a keyframe, trimmed where keyframes are sparse) and
writes the job manifest.

An MP4 or QuickTime upload (with the ffmpeg encoders) is not downloaded: the split reads its
index only (isobmff), and each encoder copies its chunk from the upload's bytes; the audio is
extracted by a Map item of its own. Any other upload is downloaded and cut into chunks here,
with the audio extracted once.
"""

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
from media_common.parts import Plan, SourceChunk, plan_parts, source_chunks
from media_common.probe import MediaInfo, probe_with_packets
from media_common.settings import SplitConfig
from media_common.source import copy_index, unchanged
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
    parts = [item for item in result["parts"] if not item.get("audio")]
    metrics.add_metric(name="PartsPerJob", unit=MetricUnit.Count, value=len(parts))
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

    size, etag = head["ContentLength"], naming.normalise_etag(head["ETag"])
    source = workdir / "source"  # no extension: see probe()
    with unchanged(label, etag):
        layout = None
        if config.transcoder == "ffmpeg":
            layout = copy_index(s3, bucket, key, etag, size, source)
        if not layout:
            transfer(s3, downloads=[(bucket, key, source)])
    info, time_base, packets = probe_with_packets(source, label, index_only=layout is not None)
    logger.info("probed", extra={"media": asdict(info), "indexOnly": layout is not None})

    plan = plan_parts(packets, time_base, config.segment_duration)
    in_source = layout and source_chunks(packets, time_base, plan.chunk_starts)
    if in_source and not layout.holds([(c.first_byte, c.end_byte) for c in in_source]):
        in_source = None  # the index points outside the media data: cut from a full copy
        with unchanged(label, etag):
            transfer(s3, downloads=[(bucket, key, source)])
    audio_key = job_keys.audio_key(prefix) if info.has_audio else None
    if in_source:
        check_complete(label, info, sum(part.span for part in plan.parts))
        parts = planned_parts(plan, prefix, in_source=in_source, start=info.start)
    else:
        chunks, audio = cut(source, info, plan, workdir, label)
        # A chunk is stored under the name of the first part decoded from it.
        chunk_keys = [job_keys.part_key(prefix, first) for first in first_parts(plan)]
        parts = planned_parts(plan, prefix, chunk_keys)
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
        source_etag=etag,
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
        source_size=size if in_source else 0,
        source_index=layout.index if in_source else (),
        audio_in_map=bool(in_source and audio_key),
        audio_codec=info.audio_codec,
    )
    manifest_key = job_keys.manifest_key(prefix)
    write_manifest(s3, config.work_bucket, manifest_key, manifest)
    logger.info(
        "split",
        extra={
            "parts": len(parts),
            "chunks": len(plan.chunk_starts),
            "chunksInSource": bool(in_source),
            "frames": manifest.frames,
        },
    )
    items = [{"index": part.index, "key": part.key} for part in parts]
    if manifest.audio_in_map:  # the Map's last item (media_encode.handler.audio_item)
        items.append({"index": len(parts), "key": audio_key, "audio": True})
    return {
        "bucket": config.work_bucket,
        "jobId": job,
        "manifest": manifest_key,
        "originalFileName": key,
        "parts": items,
    }


def planned_parts(
    plan: Plan,
    prefix: str,
    chunk_keys: list[str] | None = None,
    in_source: list[SourceChunk] | None = None,
    start: float = 0.0,
) -> list[Part]:
    """The manifest's parts: each decoded from its chunk, the split's copy at chunk_keys[i] or
    the upload's bytes in_source[i] (seek times made relative to the file's `start`)."""
    parts = []
    for index, planned in enumerate(plan.parts):
        where: dict = {"source": chunk_keys[planned.chunk] if chunk_keys else None}
        if in_source:
            chunk = in_source[planned.chunk]
            where |= {
                "byte_range": (chunk.first_byte, chunk.end_byte),
                "seek": None if chunk.seek is None else round(chunk.seek - start, 6),
                "chunk_packets": chunk.packets,
            }
        parts.append(
            Part(
                index=index,
                key=job_keys.part_key(prefix, index),
                duration=planned.span,
                frames=planned.frames,
                skip=planned.skip,
                offset=planned.offset,
                **where,
            )
        )
    return parts


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
