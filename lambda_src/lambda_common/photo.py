"""Shared by the rider-photo functions (lambda_src/photo_*): the execution input, named errors,
settings, Rekognition error mapping and the checks that reject a bad photo before any write.

Step Functions sees an exception's class name as the error name, so the state machine's Catch
and Retry match the classes below (PhotoDoesNotMeetRequirementError, TransientServiceError...).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

USER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")  # also a valid Rekognition ExternalImageId
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHOTO_FORMATS = ("JPEG", "PNG")  # what Rekognition accepts
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "ServiceUnavailableException",
        "RequestLimitExceeded",
    }
)


class PhotoError(Exception):
    """A problem with the photo or the request: retrying the same task will not fix it."""


class InvalidPhotoRequestError(PhotoError):
    """The execution input is malformed, or the photo it names cannot be read."""


class InvalidImageError(PhotoError):
    """Not a JPEG or PNG, or a truncated or corrupt one."""


class ImageTooLargeError(PhotoError):
    """More bytes or pixels than the configured limits (decompression bombs included)."""


class PhotoDoesNotMeetRequirementError(PhotoError):
    """No face, several faces, sunglasses or closed eyes (the spec's caught error)."""


class FaceAlreadyExistsError(PhotoError):
    """The face is already indexed for a rider (the spec's caught error)."""


class RiderAlreadyRegisteredError(PhotoError):
    """The user id already has a registered photo; a new one would orphan the old face."""


class TransientServiceError(Exception):
    """Throttling or a server error from an AWS service: the state machine retries it."""


@dataclass(frozen=True)
class PhotoRequest:
    """The execution input: `{"userId", "s3Bucket", "s3Key"}` plus an optional `email`."""

    user_id: str
    bucket: str
    key: str
    email: str | None = None

    @classmethod
    def from_event(cls, event: object) -> PhotoRequest:
        if not isinstance(event, Mapping):
            raise InvalidPhotoRequestError(f"expected a JSON object, got {type(event).__name__}")
        user_id, bucket, key = event.get("userId"), event.get("s3Bucket"), event.get("s3Key")
        if not isinstance(user_id, str) or not USER_ID.fullmatch(user_id):
            raise InvalidPhotoRequestError(
                f"userId {user_id!r} must be 1-128 letters, digits or '_', '.', ':', '-'"
            )
        for name, value in (("s3Bucket", bucket), ("s3Key", key)):
            if not isinstance(value, str) or not value:
                raise InvalidPhotoRequestError(f"{name} must be a non-empty string")
        email = event.get("email") or None
        if email is not None and (not isinstance(email, str) or not EMAIL.fullmatch(email)):
            raise InvalidPhotoRequestError(f"email {email!r} is not an email address")
        return cls(user_id, bucket, key, email)

    @property
    def s3_object(self) -> dict:
        """The photo as Rekognition's Image parameter."""
        return {"S3Object": {"Bucket": self.bucket, "Name": self.key}}

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


# --- AWS errors --------------------------------------------------------------------------------


def translate_client_error(exc: Exception, request: PhotoRequest) -> Exception:
    """A botocore ClientError as the named error the workflow handles (or itself)."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    message = getattr(exc, "response", {}).get("Error", {}).get("Message", str(exc))
    if code in RETRYABLE_CODES:
        return TransientServiceError(f"{code}: {message}")
    if code == "InvalidImageFormatException":
        return InvalidImageError(f"{request.uri} is not a readable JPEG or PNG ({message})")
    if code == "ImageTooLargeException":
        return ImageTooLargeError(f"{request.uri} is too large for face analysis ({message})")
    if code in ("InvalidS3ObjectException", "NoSuchKey", "404", "NoSuchBucket"):
        return InvalidPhotoRequestError(f"cannot read {request.uri}: {code} {message}")
    if code in ("403", "AccessDenied"):
        # S3 answers a missing key with 403, not 404, to a caller without s3:ListBucket on the
        # bucket (HeadObject/GetObject, Amazon S3 API Reference): say both possible causes.
        return InvalidPhotoRequestError(
            f"cannot read {request.uri}: access denied (403). Either the photo does not exist"
            f" and the function's role lacks s3:ListBucket on {request.bucket}, or the photo is"
            " outside what the role may read (s3:GetObject on the photo bucket's upload prefix)"
        )
    return exc


# --- the photo itself --------------------------------------------------------------------------


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
    from PIL import Image, ImageOps, UnidentifiedImageError

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
