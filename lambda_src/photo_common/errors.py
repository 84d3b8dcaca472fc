"""Named errors of the rider-photo functions.

Step Functions sees an exception's class name as the error name, so the state machine's Catch
and Retry match the classes below (PhotoDoesNotMeetRequirementError, TransientServiceError...).
"""

from __future__ import annotations


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


class ClaimLostError(PhotoError):
    """The rider's claim this execution held is gone or changed (removed by hand?): it stops
    rather than write for a claim it no longer holds."""


class TransientServiceError(Exception):
    """Throttling or a server error from an AWS service: the state machine retries it."""
