"""MergeVideoFile: concatenates the encoded parts, adds the source audio once, verifies the
result against the source and publishes it to its final key."""

from __future__ import annotations

import tempfile
from pathlib import Path

import boto3
from aws_lambda_powertools import Logger
from lambda_common.metrics import MetricUnit, workflow_metrics
from lambda_common.s3 import delete_prefix
from media_common import job_keys
from media_common.errors import MergeVerificationError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.manifest import Manifest, read_manifest
from media_common.probe import MediaInfo, probe
from media_common.settings import MergeConfig
from media_common.transcode import merge_command, write_concat_list

logger = Logger(service="media_merge")
metrics = workflow_metrics("media_merge")

PROBE_PRECISION = 1e-6  # ffprobe prints durations in microseconds


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = MergeConfig.from_env()
    with tempfile.TemporaryDirectory(prefix="media-merge-") as tmp:
        result = merge(event, config, boto3.client("s3"), Path(tmp))
    seconds = result["output"]["duration"]
    metrics.add_metric(name="SecondsEncoded", unit=MetricUnit.Seconds, value=seconds)
    return result


def merge(event: dict, config: MergeConfig, s3, workdir: Path) -> dict:
    bucket, encoded_keys = event["bucket"], event["encodedParts"]
    manifest_key = event.get("manifest") or job_keys.manifest_key(
        job_keys.job_prefix_of(encoded_keys[0])
    )
    manifest = read_manifest(s3, bucket, manifest_key)
    prefix = job_keys.job_prefix_of(manifest_key)
    label = f"s3://{config.output_bucket}/{manifest.output_key}"
    logger.append_keys(jobId=manifest.job_id, output=label)
    if len(encoded_keys) != len(manifest.parts):
        raise MergeVerificationError(
            f"{label}: got {len(encoded_keys)} encoded parts for {len(manifest.parts)} split parts"
        )

    parts = []
    for index, key in enumerate(encoded_keys):  # in the order given: the Map keeps part order
        parts.append(workdir / f"{index:05d}.mp4")
        s3.download_file(bucket, key, str(parts[-1]))
    concat_list = workdir / "parts.txt"
    write_concat_list(concat_list, parts, [part.duration for part in manifest.parts])
    audio = workdir / "audio.m4a" if manifest.audio_key else None
    if audio:
        s3.download_file(bucket, manifest.audio_key, str(audio))
    merged = workdir / "output.mp4"
    try:
        run_ffmpeg(
            merge_command(concat_list, merged, audio, manifest.video_offset, manifest.audio_offset)
        )
    except FFmpegError as exc:
        if exc.crashed:
            raise
        raise MergeVerificationError(
            f"{label}: the parts could not be merged: {exc.detail}"
        ) from exc
    output = probe(merged, label)
    verify_output(label, output, manifest)

    if config.transcoder == "mediaconvert":
        publish_frame_capture(s3, bucket, prefix, config.output_bucket, manifest.thumbnail_key)
    # Upload beside the work files, then copy server-side: the final key never holds a
    # partial object, and a failed upload leaves nothing there.
    temp_key = job_keys.merged_key(prefix)
    s3.upload_file(str(merged), bucket, temp_key)
    s3.copy(
        {"Bucket": bucket, "Key": temp_key},
        config.output_bucket,
        manifest.output_key,
        ExtraArgs={"ContentType": "video/mp4", "MetadataDirective": "REPLACE"},
    )
    logger.info("published", extra={"duration": output.duration, "frames": output.frames})
    if config.cleanup_intermediate:
        logger.info("work files deleted", extra={"deleted": delete_prefix(s3, bucket, prefix)})
    return {
        "output": {
            "bucket": config.output_bucket,
            "key": manifest.output_key,
            "duration": output.duration,
            "width": output.width,
            "height": output.height,
            "frames": output.frames,
            "hasAudio": output.has_audio,
        },
        "thumbnail": {"bucket": config.output_bucket, "key": manifest.thumbnail_key},
    }


def publish_frame_capture(s3, bucket: str, prefix: str, output_bucket: str, key: str) -> None:
    """Copy the last frame MediaConvert captured from the first part (numbered .0000000.jpg
    on, the last one is where the template aims) to the thumbnail's key."""
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=job_keys.thumbnail_prefix(prefix))
    captures = sorted(item["Key"] for item in listing.get("Contents", []))
    if not captures:
        raise MergeVerificationError(f"s3://{bucket}/{prefix}: MediaConvert captured no thumbnail")
    s3.copy(
        {"Bucket": bucket, "Key": captures[-1]},
        output_bucket,
        key,
        ExtraArgs={"ContentType": "image/jpeg", "MetadataDirective": "REPLACE"},
    )


def verify_output(label: str, output: MediaInfo, manifest: Manifest) -> None:
    """The merged video must last as long as the source (within one frame), have exactly its
    frames, and carry audio if and only if the source did."""
    problems = []
    if abs(output.duration - manifest.duration) > manifest.frame_duration + PROBE_PRECISION:
        problems.append(
            f"lasts {output.duration:.6f} s, the source {manifest.duration:.6f} s "
            f"(more than one frame, {manifest.frame_duration:.6f} s, apart)"
        )
    if output.frames != manifest.frames:
        problems.append(f"has {output.frames} frames, the source {manifest.frames}")
    if output.has_audio != manifest.has_audio:
        problems.append("has no audio" if manifest.has_audio else "has audio the source lacks")
    if problems:
        raise MergeVerificationError(f"{label} does not match its source: {'; '.join(problems)}")
