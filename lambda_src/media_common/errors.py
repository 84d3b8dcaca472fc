"""Named errors of the media functions. Step Functions sees the class name as the error name
(Retry/Catch match it); ConfigurationError and MissingPermissionError are in lambda_common."""

from __future__ import annotations


class MediaConvertError(Exception):
    """An input problem: retrying the same task will not fix it."""


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


class SourceChangedError(MediaConvertError):
    """The upload was replaced or deleted while its conversion read it (a new upload has a
    conversion of its own)."""


class JobSettingsError(MediaConvertError):
    """The MediaConvert job built for a part is invalid (its template, or a size out of range)."""


class MergeVerificationError(MediaConvertError):
    """The merged output does not match the source (duration, frames, audio, part count)."""


class InvalidMessageError(MediaConvertError):
    """A queued message that does not announce an upload (not JSON, or a field missing)."""
