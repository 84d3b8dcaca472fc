"""Each function's settings, read from environment variables and validated in one place.

A missing or invalid setting raises ConfigurationError naming the variable, on the first
invocation, before any work is done.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

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
TRUE = ("true", "1", "yes")
FALSE = ("false", "0", "no")


def env_text(name: str, default: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    value = env.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ConfigurationError(f"environment variable {name} is not set")
    return default


def env_optional(name: str, env: Mapping[str, str] = os.environ) -> str | None:
    return env.get(name, "").strip() or None


def env_number(
    name: str,
    default: float,
    minimum: float,
    maximum: float,
    env: Mapping[str, str] = os.environ,
) -> float:
    raw = env_text(name, str(default), env)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(f"{name}={raw} must be between {minimum:g} and {maximum:g}")
    return value


def env_bool(name: str, default: bool, env: Mapping[str, str] = os.environ) -> bool:
    raw = env_text(name, "true" if default else "false", env).lower()
    if raw not in TRUE + FALSE:
        raise ConfigurationError(f"{name}={raw!r} must be true or false")
    return raw in TRUE


def _int(
    env: Mapping[str, str],
    name: str,
    *,
    default: int | None = None,
    minimum: int = 1,
    maximum: int | None = None,
) -> int:
    raw = env_text(name, None if default is None else str(default), env)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not an integer") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ConfigurationError(f"{name}={value} must be {bounds}")
    return value


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    return _int(env, name) if env.get(name, "").strip() else None


def _bitrate(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip() or None
    if value is not None and not BITRATE.fullmatch(value):
        raise ConfigurationError(f"{name}={value!r} must look like 3M or 2500k")
    return value


def _preset(env: Mapping[str, str]) -> str:
    preset = env_text("X264_PRESET", "veryfast", env)
    if preset not in X264_PRESETS:
        raise ConfigurationError(f"X264_PRESET={preset!r} must be one of {X264_PRESETS}")
    return preset


def _prefix(env: Mapping[str, str], name: str) -> str:
    """An S3 key prefix: "" (bucket root) or "dir/" (a missing trailing slash is added)."""
    value = env.get(name, "").strip().strip("/")
    return f"{value}/" if value else ""


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SplitConfig:
        return cls(
            work_bucket=env_text("WORK_BUCKET", env=env),
            work_prefix=_prefix(env, "WORK_PREFIX"),
            output_bucket=env_text("OUTPUT_BUCKET", env=env),
            output_prefix=_prefix(env, "OUTPUT_PREFIX"),
            segment_duration=_int(env, "SEGMENT_DURATION"),
            max_input_bytes=_optional_int(env, "MAX_INPUT_BYTES"),
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
            output_height=_int(env, "OUTPUT_HEIGHT", minimum=2),
            crf=_int(env, "VIDEO_CRF", default=23, minimum=0, maximum=51),
            bitrate=_bitrate(env, "VIDEO_BITRATE"),
            preset=_preset(env),
            thumbnail_width=_int(env, "THUMBNAIL_WIDTH", minimum=16),
        )


@dataclass(frozen=True)
class JobConfig:
    output_height: int
    thumbnail_width: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> JobConfig:
        # MediaConvert's smallest output side is 32 pixels.
        return cls(
            output_height=_int(env, "OUTPUT_HEIGHT", minimum=32),
            thumbnail_width=_int(env, "THUMBNAIL_WIDTH", minimum=32),
        )


@dataclass(frozen=True)
class MergeConfig:
    output_bucket: str
    cleanup_intermediate: bool
    transcoder: str = "ffmpeg"  # "mediaconvert": the thumbnail is a frame capture to publish

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> MergeConfig:
        transcoder = env_text("TRANSCODER", "ffmpeg", env)
        if transcoder not in TRANSCODERS:
            raise ConfigurationError(f"TRANSCODER={transcoder!r} must be one of {TRANSCODERS}")
        return cls(
            output_bucket=env_text("OUTPUT_BUCKET", env=env),
            cleanup_intermediate=env_bool("CLEANUP_INTERMEDIATE", True, env),
            transcoder=transcoder,
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
            work_prefix=_prefix(env, "WORK_PREFIX"),
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RenditionConfig:
        return cls(
            name=env_text("RENDITION", env=env),
            output_bucket=env_text("OUTPUT_BUCKET", env=env),
            output_prefix=_prefix(env, "OUTPUT_PREFIX"),
            output_height=_int(env, "OUTPUT_HEIGHT", minimum=2),
            crf=_int(env, "VIDEO_CRF", default=23, minimum=0, maximum=51),
            bitrate=_bitrate(env, "VIDEO_BITRATE"),
            audio_bitrate=_bitrate(env, "AUDIO_BITRATE") or "128k",
            preset=_preset(env),
            allow_upscale=env_bool("ALLOW_UPSCALE", False, env),
        )
