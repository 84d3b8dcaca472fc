"""Thumbnail: a JPEG no larger than THUMBNAIL_MAX_SIZE on either side, upright (EXIF orientation
applied), written to the thumbnail bucket under the photo's key."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from lambda_common.thumbnail import make_thumbnail
from photo_common.image import open_photo, read_photo
from photo_common.request import PhotoRequest
from photo_common.settings import ThumbnailConfig

logger = Logger(service="photo_thumbnail")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    return write_thumbnail(event, ThumbnailConfig.from_env(), boto3.client("s3"))


def write_thumbnail(event: dict, config: ThumbnailConfig, s3) -> dict:
    request = PhotoRequest.from_event(event)
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    data = read_photo(s3, request, config.max_photo_bytes)
    # A large JPEG is decoded at a reduced scale (draft), and the photo is turned upright.
    image = open_photo(data, config.max_photo_pixels, request.uri, draft_size=config.max_size)
    body, (width, height) = make_thumbnail(image, config.max_size, config.max_size)
    key = request.thumbnail_key
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
