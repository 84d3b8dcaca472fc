"""Named errors. Step Functions sees the class name as the error name (Retry/Catch match it)."""

from __future__ import annotations

import signal


class MediaConvertError(Exception):
    """An input or configuration problem: retrying the same task will not fix it."""


class ConfigurationError(MediaConvertError):
    """An environment variable is missing or invalid."""


class EmptyInputError(MediaConvertError):
    """The uploaded object has no bytes."""


class InputTooLargeError(MediaConvertError):
    """The object exceeds MAX_INPUT_BYTES or the function's temporary storage."""


class NotAVideoError(MediaConvertError):
    """Not a media file ffprobe recognises, or one without a video stream."""


class CorruptInputError(MediaConvertError):
    """A media file that is truncated or cannot be read or decoded."""


class UnsupportedCodecError(MediaConvertError):
    """A video codec (or container) this pipeline cannot split and re-encode."""


class JobSettingsError(MediaConvertError):
    """The MediaConvert job built for a part is invalid (its template, or a size out of range)."""


class MergeVerificationError(MediaConvertError):
    """The merged output does not match the source (duration, frames, audio, part count)."""


class MissingPermissionError(MediaConvertError):
    """AWS refused a call (403 AccessDenied): the function's role lacks a permission it needs."""


def is_access_denied(exc: Exception) -> bool:
    """Whether a botocore ClientError is S3's or another service's 403 AccessDenied."""
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("403", "AccessDenied", "AccessDeniedException", "Forbidden") or status == 403


class FFmpegError(Exception):
    """ffmpeg or ffprobe failed; callers turn it into one of the named errors when they can."""

    STDERR_TAIL_LINES = 8  # enough to see why; Step Functions keeps at most 32 KB of Cause

    def __init__(self, tool: str, returncode: int, stderr: str):
        self.tool = tool
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"{tool} {self.status}: {self.detail}")

    @property
    def crashed(self) -> bool:
        return self.returncode < 0

    @property
    def status(self) -> str:
        if not self.crashed:
            return f"exited with status {self.returncode}"
        try:
            return f"was killed by {signal.Signals(-self.returncode).name}"
        except ValueError:
            return f"was killed by signal {-self.returncode}"

    @property
    def detail(self) -> str:
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        return " | ".join(lines[-self.STDERR_TAIL_LINES :]) or "no error output"
