"""The S3 keys of a media-convert job, and its id.

Work layout in WORK_BUCKET, all under one job prefix so a job is deleted with one prefix::

    <WORK_PREFIX><jobId>/manifest.json
    <WORK_PREFIX><jobId>/audio.m4a
    <WORK_PREFIX><jobId>/parts/00000.mp4      split: stream copies of the video from keyframes,
                                              each named after the first part decoded from it
    <WORK_PREFIX><jobId>/encoded/00000.mp4    encoded parts
    <WORK_PREFIX><jobId>/thumbnail/           frame captures of a MediaConvert job (part 0)
"""

from __future__ import annotations

import posixpath

from lambda_common.naming import object_digest

PARTS_DIR = "parts"
ENCODED_DIR = "encoded"
THUMBNAIL_DIR = "thumbnail"


def job_id(bucket: str, key: str, etag: str) -> str:
    """Same object content at the same place gives the same job (and the same work prefix)."""
    return object_digest(bucket, key, etag)


def job_prefix(work_prefix: str, job: str) -> str:
    return f"{work_prefix}{job}/"


def manifest_key(prefix: str) -> str:
    return f"{prefix}manifest.json"


def audio_key(prefix: str) -> str:
    return f"{prefix}audio.m4a"


def part_key(prefix: str, index: int) -> str:
    return f"{prefix}{PARTS_DIR}/{index:05d}.mp4"


def thumbnail_prefix(prefix: str) -> str:
    return f"{prefix}{THUMBNAIL_DIR}/"


def encoded_key_for(part: str) -> str:
    """`<job>/parts/00003.mp4` -> `<job>/encoded/00003.mp4`."""
    prefix, name = part.rsplit(f"/{PARTS_DIR}/", 1)
    return f"{prefix}/{ENCODED_DIR}/{name}"


def job_prefix_of(job_key: str) -> str:
    """The job prefix of a key inside it: `<job>/manifest.json`, `<job>/parts/00003.mp4` or
    `<job>/encoded/00003.mp4` -> `<job>/`."""
    head = job_key.rpartition("/")[0]
    parent, _, folder = head.rpartition("/")
    return f"{parent}/" if folder in (PARTS_DIR, ENCODED_DIR) else f"{head}/"


def output_keys(output_prefix: str, source_key: str) -> tuple[str, str]:
    """Final video and thumbnail keys: the source key without its extension, under the prefix."""
    stem = posixpath.splitext(source_key)[0]
    return f"{output_prefix}{stem}.mp4", f"{output_prefix}{stem}.jpg"
