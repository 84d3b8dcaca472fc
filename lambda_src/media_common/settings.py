"""Each media function's settings, read from environment variables and validated in one place.

A missing or invalid setting raises ConfigurationError naming the variable, on the first
invocation, before any work is done.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lambda_common.env import (
    env_bool,
    env_choice,
    env_int,
    env_optional_int,
    env_prefix,
    env_text,
)
from lambda_common.errors import ConfigurationError

X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
BITRATE = re.compile(r"[1-9][0-9]*(\.[0-9]+)?[kKM]?")
TRANSCODERS = ("ffmpeg", "mediaconvert")


def _bitrate(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip() or None
    if value is not None and not BITRATE.fullmatch(value):
        raise ConfigurationError(f"{name}={value!r} must look like 3M or 2500k")
    return value


def _preset(env: Mapping[str, str]) -> str:
    return env_choice("X264_PRESET", "veryfast", X264_PRESETS, env)


@dataclass(frozen=True)
class StartConfig:
    state_machine_arn: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> StartConfig:
        arn = env_text("STATE_MACHINE_ARN", env=env)
        if not arn.startswith("arn:") or ":stateMachine:" not in arn:
            raise ConfigurationError(f"STATE_MACHINE_ARN={arn!r} is not a state machine ARN")
        return cls(arn)


@dataclass(frozen=True)
class SplitConfig:
    work_bucket: str
    work_prefix: str
    output_bucket: str
    output_prefix: str
    segment_duration: int
    max_input_bytes: int | None
    # "ffmpeg": the encoders can read their chunks from an MP4/QuickTime upload themselves;
    # MediaConvert jobs read the split's chunks.
    transcoder: str = "ffmpeg"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SplitConfig:
        return cls(
            work_bucket=env_text("WORK_BUCKET", env=env),
            work_prefix=env_prefix("WORK_PREFIX", env),
            output_bucket=env_text("OUTPUT_BUCKET", env=env),
            output_prefix=env_prefix("OUTPUT_PREFIX", env),
            segment_duration=env_int("SEGMENT_DURATION", env=env),
            max_input_bytes=env_optional_int("MAX_INPUT_BYTES", env),
            transcoder=env_choice("TRANSCODER", "ffmpeg", TRANSCODERS, env),
        )


@dataclass(frozen=True)
class EncodeConfig:
    output_bucket: str
    output_height: int
    crf: int
    bitrate: str | None  # when set, used instead of the CRF
    preset: str
    thumbnail_width: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> EncodeConfig:
        return cls(
            output_bucket=env_text("OUTPUT_BUCKET", env=env),
            output_height=env_int("OUTPUT_HEIGHT", minimum=2, env=env),
            crf=env_int("VIDEO_CRF", default=23, minimum=0, maximum=51, env=env),
            bitrate=_bitrate(env, "VIDEO_BITRATE"),
            preset=_preset(env),
            thumbnail_width=env_int("THUMBNAIL_WIDTH", minimum=16, env=env),
        )


@dataclass(frozen=True)
class JobConfig:
    output_height: int
    thumbnail_width: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> JobConfig:
        # MediaConvert's smallest output side is 32 pixels.
        return cls(
            output_height=env_int("OUTPUT_HEIGHT", minimum=32, env=env),
            thumbnail_width=env_int("THUMBNAIL_WIDTH", minimum=32, env=env),
        )


@dataclass(frozen=True)
class MergeConfig:
    output_bucket: str
    cleanup_intermediate: bool
    transcoder: str = "ffmpeg"  # "mediaconvert": the thumbnail is a frame capture to publish

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> MergeConfig:
        return cls(
            output_bucket=env_text("OUTPUT_BUCKET", env=env),
            cleanup_intermediate=env_bool("CLEANUP_INTERMEDIATE", True, env),
            transcoder=env_choice("TRANSCODER", "ffmpeg", TRANSCODERS, env),
        )


@dataclass(frozen=True)
class CleanupConfig:
    work_bucket: str
    work_prefix: str
    cleanup_intermediate: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CleanupConfig:
        return cls(
            work_bucket=env_text("WORK_BUCKET", env=env),
            work_prefix=env_prefix("WORK_PREFIX", env),
            cleanup_intermediate=env_bool("CLEANUP_INTERMEDIATE", True, env),
        )


@dataclass(frozen=True)
class PublishConfig:
    topic_arn: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> PublishConfig:
        arn = env_text("TOPIC_ARN", env=env)
        if not arn.startswith("arn:") or ":sns:" not in arn:
            raise ConfigurationError(f"TOPIC_ARN={arn!r} is not an SNS topic ARN")
        return cls(arn)


@dataclass(frozen=True)
class RenditionConfig:
    name: str
    output_bucket: str
    output_prefix: str
    output_height: int
    crf: int
    bitrate: str | None  # when set, used instead of the CRF
    audio_bitrate: str
    preset: str
    allow_upscale: bool
    # The queue's dead-letter queue and maxReceiveCount: the last failed receive sends the message
    # there itself, with the reason attached (SQS's own move would carry only the message).
    dead_letter_queue_url: str
    max_receive_count: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RenditionConfig:
        return cls(
            name=env_text("RENDITION", env=env),
            output_bucket=env_text("OUTPUT_BUCKET", env=env),
            output_prefix=env_prefix("OUTPUT_PREFIX", env),
            output_height=env_int("OUTPUT_HEIGHT", minimum=2, env=env),
            crf=env_int("VIDEO_CRF", default=23, minimum=0, maximum=51, env=env),
            bitrate=_bitrate(env, "VIDEO_BITRATE"),
            audio_bitrate=_bitrate(env, "AUDIO_BITRATE") or "128k",
            preset=_preset(env),
            allow_upscale=env_bool("ALLOW_UPSCALE", False, env),
            dead_letter_queue_url=env_text("DEAD_LETTER_QUEUE_URL", env=env),
            max_receive_count=env_int("MAX_RECEIVE_COUNT", minimum=1, maximum=1000, env=env),
        )
