"""Settings read from environment variables, validated where they are read.

A missing or invalid setting raises ConfigurationError naming the variable. Each workflow's
settings classes (media_common.settings, photo_common.settings) are built from these readers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from lambda_common.errors import ConfigurationError

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


def env_int(
    name: str,
    default: int | None = None,
    minimum: int = 1,
    maximum: int | None = None,
    env: Mapping[str, str] = os.environ,
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


def env_optional_int(name: str, env: Mapping[str, str] = os.environ) -> int | None:
    return env_int(name, env=env) if env.get(name, "").strip() else None


def env_bool(name: str, default: bool, env: Mapping[str, str] = os.environ) -> bool:
    raw = env_text(name, "true" if default else "false", env).lower()
    if raw not in TRUE + FALSE:
        raise ConfigurationError(f"{name}={raw!r} must be true or false")
    return raw in TRUE


def env_choice(
    name: str, default: str, choices: tuple[str, ...], env: Mapping[str, str] = os.environ
) -> str:
    value = env_text(name, default, env)
    if value not in choices:
        raise ConfigurationError(f"{name}={value!r} must be one of {choices}")
    return value


def env_prefix(name: str, env: Mapping[str, str] = os.environ) -> str:
    """An S3 key prefix: "" (bucket root) or "dir/" (a missing trailing slash is added)."""
    value = env.get(name, "").strip().strip("/")
    return f"{value}/" if value else ""
