"""Each rider-photo function's settings, read from environment variables and validated in one
place (as media_common.settings does for the media functions).

A missing or invalid setting raises ConfigurationError naming the variable, on the first
invocation, before any work is done.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambda_common.env import env_bool, env_choice, env_number, env_optional, env_text

MAX_PHOTO_BYTES = 15 * 1024 * 1024  # Rekognition's limit for an image in S3
USER_ID_SOURCES = ("key", "metadata")
QUALITY_FILTERS = ("NONE", "AUTO", "LOW", "MEDIUM", "HIGH")


def _max_photo_bytes(env: Mapping[str, str]) -> int:
    return int(env_number("MAX_PHOTO_BYTES", MAX_PHOTO_BYTES, 1, MAX_PHOTO_BYTES, env))


def _max_photo_pixels(env: Mapping[str, str]) -> int:
    return int(env_number("MAX_PHOTO_PIXELS", 40_000_000, 1, 500_000_000, env))


def _threshold(env: Mapping[str, str]) -> float:
    return env_number("FACE_MATCH_THRESHOLD", 80, 0, 100, env)


@dataclass(frozen=True)
class StartConfig:
    state_machine_arn: str
    user_id_source: str  # "key": the first folder after the upload prefix; "metadata": user-id
    upload_prefix: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> StartConfig:
        return cls(
            state_machine_arn=env_text("STATE_MACHINE_ARN", env=env),
            user_id_source=env_choice("USER_ID_SOURCE", "key", USER_ID_SOURCES, env),
            upload_prefix=env_optional("UPLOAD_PREFIX", env) or "",
        )


@dataclass(frozen=True)
class DetectionConfig:
    max_photo_bytes: int
    max_photo_pixels: int
    min_face_confidence: float
    require_eyes_open: bool
    attribute_confidence: float  # sunglasses and closed eyes refuse a photo from this confidence

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DetectionConfig:
        return cls(
            max_photo_bytes=_max_photo_bytes(env),
            max_photo_pixels=_max_photo_pixels(env),
            min_face_confidence=env_number("MIN_FACE_CONFIDENCE", 90, 0, 100, env),
            require_eyes_open=env_bool("REQUIRE_EYES_OPEN", True, env),
            attribute_confidence=env_number("FACE_ATTRIBUTE_CONFIDENCE", 99, 50, 100, env),
        )


@dataclass(frozen=True)
class SearchConfig:
    collection_id: str
    table_name: str
    threshold: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SearchConfig:
        return cls(
            collection_id=env_text("COLLECTION_ID", env=env),
            table_name=env_text("RIDER_TABLE", env=env),
            threshold=_threshold(env),
        )


@dataclass(frozen=True)
class IndexConfig:
    collection_id: str
    quality_filter: str
    table_name: str
    threshold: float  # as CheckFaceDuplicate's: matches at or above it are the same face

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> IndexConfig:
        return cls(
            collection_id=env_text("COLLECTION_ID", env=env),
            quality_filter=env_choice("QUALITY_FILTER", "AUTO", QUALITY_FILTERS, env),
            table_name=env_text("RIDER_TABLE", env=env),
            threshold=_threshold(env),
        )


@dataclass(frozen=True)
class ThumbnailConfig:
    bucket: str
    max_size: int
    max_photo_bytes: int
    max_photo_pixels: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ThumbnailConfig:
        return cls(
            bucket=env_text("THUMBNAIL_BUCKET", env=env),
            max_size=int(env_number("THUMBNAIL_MAX_SIZE", 250, 16, 2000, env)),
            max_photo_bytes=_max_photo_bytes(env),
            max_photo_pixels=_max_photo_pixels(env),
        )


@dataclass(frozen=True)
class PersistConfig:
    table_name: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> PersistConfig:
        return cls(env_text("RIDER_TABLE", env=env))


@dataclass(frozen=True)
class CleanupConfig:
    collection_id: str
    table_name: str
    thumbnail_bucket: str
    threshold: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CleanupConfig:
        return cls(
            collection_id=env_text("COLLECTION_ID", env=env),
            table_name=env_text("RIDER_TABLE", env=env),
            thumbnail_bucket=env_text("THUMBNAIL_BUCKET", env=env),
            threshold=_threshold(env),
        )


@dataclass(frozen=True)
class NotificationConfig:
    sender_email: str | None  # SES email when set (and the rider's address is known)
    topic_arn: str | None  # else an SNS message when set; else the log only

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> NotificationConfig:
        return cls(env_optional("SENDER_EMAIL", env), env_optional("TOPIC_ARN", env))
