"""MergeVideoFile: concatenates the encoded parts, adds the source audio once, verifies the
result against the source and publishes it to its final key."""

from __future__ import annotations

import tempfile
from pathlib import Path

import boto3
from aws_lambda_powertools import Logger
from lambda_common.metrics import MetricUnit, workflow_metrics
from lambda_common.s3 import delete_prefix, transfer
from media_common import job_keys
from media_common.errors import MergeVerificationError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.manifest import Manifest, read_manifest
from media_common.parts import MEDIACONVERT_VFR_RATES
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
    if manifest.audio_in_map:  # the Map's last item extracted the audio
        *encoded_keys, audio_key = encoded_keys or [None]
        if audio_key != manifest.audio_key:
            raise MergeVerificationError(
                f"{label}: the Map's last item gave {audio_key}, not the audio {manifest.audio_key}"
            )
    if len(encoded_keys) != len(manifest.parts):
        raise MergeVerificationError(
            f"{label}: got {len(encoded_keys)} encoded parts for {len(manifest.parts)} split parts"
        )

    # In the order given: the Map keeps part order.
    parts = [workdir / f"{index:05d}.mp4" for index in range(len(encoded_keys))]
    audio = workdir / "audio.m4a" if manifest.audio_key else None
    downloads = [(bucket, key, path) for key, path in zip(encoded_keys, parts, strict=True)]
    if audio:
        downloads.append((bucket, manifest.audio_key, audio))
    transfer(s3, downloads=downloads)
    # MediaConvert makes a variable-frame-rate input constant-rate, dropping or repeating
    # frames: each part is then checked on its own, and the merge against the parts.
    retimed = config.transcoder == "mediaconvert" and manifest.variable_frame_rate
    expected_frames = manifest.frames
    if retimed:
        probed = [probe(path, f"{label} (part {n})") for n, path in enumerate(parts)]
        expected_frames = check_retimed_parts(label, probed, manifest)
    concat_list = workdir / "parts.txt"
    write_concat_list(concat_list, parts, [part.duration for part in manifest.parts])
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
    verify_output(label, output, manifest, expected_frames, retimed)

    if config.transcoder == "mediaconvert":
        publish_frame_capture(s3, bucket, prefix, config.output_bucket, manifest.thumbnail_key)
    # Straight to the final key: S3 adds an object whole or not at all (one PutObject, or a
    # multipart upload's CompleteMultipartUpload), so no reader sees a partial video.
    extra = {"ContentType": "video/mp4"}
    transfer(s3, uploads=[(merged, config.output_bucket, manifest.output_key, extra)])
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


def check_retimed_parts(label: str, encoded: list[MediaInfo], manifest: Manifest) -> int:
    """The frames of parts MediaConvert may have retimed: each has its own frames exactly, or
    is constant-rate at one of MediaConvert's rates for variable-frame-rate input with a frame
    per 1/rate of its span (one more or fewer where it starts or ends). Returns their sum."""
    total = 0
    for part, info in zip(manifest.parts, encoded, strict=True):
        frames = info.frames or 0
        expected = part.duration * float(info.fps)
        if frames != part.frames and not (
            info.fps in MEDIACONVERT_VFR_RATES and abs(frames - expected) <= 1
        ):
            raise MergeVerificationError(
                f"{label}: part {part.index} has {frames} frames at {info.fps} fps; the source "
                f"part has {part.frames} over {part.duration:.6f} s"
            )
        total += frames
    return total


def verify_output(
    label: str, output: MediaInfo, manifest: Manifest, frames: int, retimed: bool = False
) -> None:
    """The merged video must last as long as the source (within one frame; a retimed one,
    within a frame of each rate), have exactly `frames` frames (the source's, or the retimed
    parts'), and carry audio if and only if the source did."""
    problems = []
    tolerance = manifest.frame_duration + (output.frame_duration if retimed else 0)
    if abs(output.duration - manifest.duration) > tolerance + PROBE_PRECISION:
        problems.append(
            f"lasts {output.duration:.6f} s, the source {manifest.duration:.6f} s "
            f"(more than {tolerance:.6f} s apart)"
        )
    if output.frames != frames:
        source = "the source" if frames == manifest.frames else "its encoded parts"
        problems.append(f"has {output.frames} frames, {source} {frames}")
    if output.has_audio != manifest.has_audio:
        problems.append("has no audio" if manifest.has_audio else "has audio the source lacks")
    if problems:
        raise MergeVerificationError(f"{label} does not match its source: {'; '.join(problems)}")
