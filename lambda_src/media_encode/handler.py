"""ParallelMediaConvert: encodes one part to H.264 (video only), decoding its chunk (the split's
copy, or copied from the upload) from the keyframe it starts at and keeping the part's frames
only; part 0 also gives the thumbnail. The audio item extracts the upload's audio instead."""

from __future__ import annotations

import tempfile
from pathlib import Path

import boto3
from aws_lambda_powertools import Logger
from lambda_common.thumbnail import make_thumbnail
from media_common import job_keys
from media_common.errors import CorruptInputError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.manifest import Manifest, read_manifest
from media_common.probe import probe
from media_common.settings import EncodeConfig
from media_common.source import copy_chunk, extract_audio
from media_common.transcode import encode_command, frame_command, output_size
from PIL import Image

logger = Logger(service="media_encode")

THUMBNAIL_AT = 0.5  # seconds into the video, past a fade-in; the first frame of shorter parts


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = EncodeConfig.from_env()
    with tempfile.TemporaryDirectory(prefix="media-encode-") as tmp:
        return encode(event, config, boto3.client("s3"), Path(tmp))


def encode(event: dict, config: EncodeConfig, s3, workdir: Path) -> dict:
    bucket, index, key = event["bucket"], int(event["part"]["index"]), event["part"]["key"]
    # The Map item may carry the manifest key; if not, it sits next to the parts.
    manifest_key = event.get("manifest") or job_keys.manifest_key(job_keys.job_prefix_of(key))
    manifest = read_manifest(s3, bucket, manifest_key)
    logger.append_keys(jobId=manifest.job_id, part=index)
    if event["part"].get("audio"):
        return audio_item(event, manifest_key, manifest, s3, workdir)

    planned = manifest.parts[index]
    part, encoded = workdir / "part.mp4", workdir / "encoded.mp4"
    if planned.source:
        s3.download_file(bucket, planned.source, str(part))
    else:
        copy_chunk(s3, manifest, planned, part)
    size = output_size(
        manifest.width,
        manifest.height,
        config.output_height,
        manifest.sample_aspect_ratio,
        manifest.rotation,
    )
    try:
        run_ffmpeg(
            encode_command(
                part,
                encoded,
                size,
                config.preset,
                config.crf,
                config.bitrate,
                skip=planned.skip,
                frames=planned.frames,
            )
        )
    except FFmpegError as exc:
        if exc.crashed:
            raise
        raise CorruptInputError(
            f"part {index} of s3://{manifest.source_bucket}/{manifest.source_key} "
            f"could not be decoded and encoded: {exc.detail}"
        ) from exc
    got = probe(encoded, f"encoded part {index}").frames
    if got != planned.frames:
        raise CorruptInputError(
            f"part {index} of s3://{manifest.source_bucket}/{manifest.source_key}: "
            f"{got} of its {planned.frames} frames could be decoded"
        )
    encoded_key = job_keys.encoded_key_for(key)
    s3.upload_file(str(encoded), bucket, encoded_key)
    logger.info("encoded", extra={"key": encoded_key, "size": size})

    thumbnail = None
    if index == 0:
        at = THUMBNAIL_AT if manifest.parts[0].duration > THUMBNAIL_AT else 0
        frame = workdir / "frame.png"
        # The encoded frame is upright and square-pixel: THUMBNAIL_WIDTH wide, height to match.
        run_ffmpeg(frame_command(encoded, frame, at))
        with Image.open(frame) as image:
            jpeg, _ = make_thumbnail(image, config.thumbnail_width)
        thumbnail = manifest.thumbnail_key
        s3.put_object(
            Bucket=config.output_bucket, Key=thumbnail, Body=jpeg, ContentType="image/jpeg"
        )
    return result(bucket, manifest_key, manifest, encoded_key, thumbnail)


def audio_item(event: dict, manifest_key: str, manifest: Manifest, s3, workdir: Path) -> dict:
    """The Map's audio item (after the parts, when the split read only the upload's index):
    extracts the upload's audio to the manifest's audio key, alongside the parts' encodes."""
    audio = workdir / "audio.m4a"
    extract_audio(s3, manifest, audio)
    s3.upload_file(str(audio), event["bucket"], manifest.audio_key)
    logger.info("audio extracted", extra={"key": manifest.audio_key})
    return result(event["bucket"], manifest_key, manifest, manifest.audio_key)


def result(
    bucket: str, manifest_key: str, manifest: Manifest, key: str, thumbnail: str | None = None
) -> dict:
    """What the Map collects of an item; the merge takes the keys in item order."""
    return {
        "status": "SUCCEEDED",
        "data": {
            "encodedPart": key,
            "originalFileName": manifest.source_key,
            "bucket": bucket,
            "manifest": manifest_key,
            "thumbnail": thumbnail,
        },
    }
