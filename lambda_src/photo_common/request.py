"""The rider-photo execution input, and the AWS errors about its photo as named errors."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from photo_common.errors import (
    ImageTooLargeError,
    InvalidImageError,
    InvalidPhotoRequestError,
    TransientServiceError,
)

USER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")  # also a valid Rekognition ExternalImageId
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "ServiceUnavailableException",
        "RequestLimitExceeded",
    }
)


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

    @property
    def thumbnail_key(self) -> str:
        """`<userId>/selfie.png` -> `<userId>/selfie.jpg`: same place, JPEG extension."""
        stem, _ = posixpath.splitext(self.key)
        return f"{stem or self.key}.jpg"


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
