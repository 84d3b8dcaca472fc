"""The photo itself: read from S3 within a size limit, then decoded and checked with Pillow."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from photo_common.errors import ImageTooLargeError, InvalidImageError
from photo_common.request import PhotoRequest, translate_client_error

PHOTO_FORMATS = ("JPEG", "PNG")  # what Rekognition accepts


def read_photo(s3, request: PhotoRequest, max_bytes: int) -> bytes:
    """The photo's bytes, refusing oversized objects before downloading them."""
    try:
        head = s3.head_object(Bucket=request.bucket, Key=request.key)
        if head["ContentLength"] == 0:
            raise InvalidImageError(f"{request.uri} is empty")
        if head["ContentLength"] > max_bytes:
            raise ImageTooLargeError(
                f"{request.uri} has {head['ContentLength']} bytes, more than {max_bytes}"
            )
        return s3.get_object(Bucket=request.bucket, Key=request.key)["Body"].read()
    except s3.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc


def open_photo(data: bytes, max_pixels: int, uri: str, draft_size: int | None = None):
    """Open and fully decode a JPEG/PNG as an RGB PIL image with EXIF orientation applied.

    The size is checked from the header, before decoding, so a small file that claims huge
    dimensions is refused without allocating them. JPEGs are decoded at the smallest scale
    (1/2..1/8) that is still at least `draft_size` pixels. Decoding everything is what reveals
    a truncated file.
    """
    Image.MAX_IMAGE_PIXELS = None  # our own limit below gives the clearer error
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise InvalidImageError(f"{uri} is not an image (expected JPEG or PNG)") from None
    if image.format not in PHOTO_FORMATS:
        raise InvalidImageError(f"{uri} is a {image.format} image; expected JPEG or PNG")
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLargeError(f"{uri} is {width}x{height} pixels, more than {max_pixels}")
    if draft_size and image.format == "JPEG":
        image.draft("RGB", (draft_size, draft_size))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's truncated / corrupt errors
        raise InvalidImageError(f"{uri} is a corrupt or truncated {image.format}: {exc}") from None
    return ImageOps.exif_transpose(image).convert("RGB")
