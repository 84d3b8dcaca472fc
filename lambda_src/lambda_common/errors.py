"""Named errors of any workflow. Step Functions sees the class name as the error name
(Retry/Catch match it); each workflow's own errors are in media_common and photo_common."""

from __future__ import annotations


class ConfigurationError(Exception):
    """An environment variable is missing or invalid: retrying the same task will not fix it."""


class MissingPermissionError(Exception):
    """AWS refused a call (403 AccessDenied): the function's role lacks a permission it needs."""


def is_access_denied(exc: Exception) -> bool:
    """Whether a botocore ClientError is S3's or another service's 403 AccessDenied."""
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("403", "AccessDenied", "AccessDeniedException", "Forbidden") or status == 403
