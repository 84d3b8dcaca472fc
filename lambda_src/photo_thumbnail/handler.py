"""Thumbnail: a JPEG no larger than THUMBNAIL_MAX_SIZE on either side, upright (EXIF orientation
applied), written to the thumbnail bucket under the photo's key."""

from __future__ import annotations

import io
import posixpath
from dataclasses import dataclass

import boto3
from aws_lambda_powertools import Logger
from lambda_common.env import env_number, env_text
from photo_common.image import open_photo, read_photo
from photo_common.request import PhotoRequest
from PIL import Image

logger = Logger(service="photo_thumbnail")
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ThumbnailConfig:
    bucket: str
    max_size: int
    max_photo_bytes: int
    max_photo_pixels: int

    @classmethod
    def from_env(cls) -> ThumbnailConfig:
        return cls(
            bucket=env_text("THUMBNAIL_BUCKET"),
            max_size=int(env_number("THUMBNAIL_MAX_SIZE", 250, 16, 2000)),
            max_photo_bytes=int(
                env_number("MAX_PHOTO_BYTES", 15 * 1024 * 1024, 1, 15 * 1024 * 1024)
            ),
            max_photo_pixels=int(env_number("MAX_PHOTO_PIXELS", 40_000_000, 1, 500_000_000)),
        )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = ThumbnailConfig.from_env()
    request = PhotoRequest.from_event(event)
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    s3 = boto3.client("s3")
    data = read_photo(s3, request, config.max_photo_bytes)
    body, (width, height) = make_thumbnail(
        data, config.max_size, config.max_photo_pixels, request.uri
    )
    key = thumbnail_key(request.key)
    s3.put_object(
        Bucket=config.bucket,
        Key=key,
        Body=body,
        ContentType="image/jpeg",
        Metadata={"user-id": request.user_id, "source-key": request.key[:1024]},
    )
    logger.info("thumbnail written", extra={"key": key, "width": width, "height": height})
    return {
        "thumbnail": {"s3Bucket": config.bucket, "s3Key": key, "width": width, "height": height}
    }


def make_thumbnail(
    data: bytes, max_size: int, max_pixels: int, uri: str
) -> tuple[bytes, tuple[int, int]]:
    """JPEG bytes and size of the photo shrunk to fit max_size x max_size (never enlarged)."""
    # open_photo decodes a large JPEG at a reduced scale (draft) and rotates it upright first.
    image = open_photo(data, max_pixels, uri, draft_size=max_size)
    image.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), image.size


def thumbnail_key(photo_key: str) -> str:
    """`<userId>/selfie.png` -> `<userId>/selfie.jpg`: same place, JPEG extension."""
    stem, _ = posixpath.splitext(photo_key)
    return f"{stem or photo_key}.jpg"
