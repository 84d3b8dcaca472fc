"""Deterministic names: the Step Functions execution started for an uploaded object."""

from __future__ import annotations

import hashlib
import re
import unicodedata

HASH_CHARS = 16  # 64 bits: collisions between distinct uploads are not a practical concern
EXECUTION_NAME_MAX = 80  # Step Functions' limit
UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def normalise_etag(etag: str) -> str:
    """S3 events give the ETag bare, HeadObject gives it quoted: compare them unquoted."""
    return etag.strip('"')


def digest(*fields: str) -> str:
    return hashlib.sha256("\0".join(fields).encode()).hexdigest()[:HASH_CHARS]


def object_digest(bucket: str, key: str, etag: str) -> str:
    """Same object content at the same place gives the same digest."""
    return digest(bucket, key, normalise_etag(etag))


def execution_name(bucket: str, key: str, etag: str, version_id: str | None = None) -> str:
    """`<slug of the key>-<hash>`: readable in the console, unique per object version.

    Without a version id the hash is object_digest(), which is also the media job id, so an
    execution and its work prefix match.
    """
    fields = [bucket, key, normalise_etag(etag)] + ([version_id] if version_id else [])
    hashed = digest(*fields)
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    slug = UNSAFE.sub("-", ascii_key).strip("-_")
    # Keep the end of the key: the file name says more than the folders.
    slug = slug[-(EXECUTION_NAME_MAX - len(hashed) - 1) :].lstrip("-_") or "object"
    return f"{slug}-{hashed}"
