"""S3 operations shared by the functions."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from boto3.s3.transfer import TransferConfig, create_transfer_manager

MB = 1024 * 1024
# Objects of 100 MB or more move in parts (multipart uploads, ranged GETs), 16 MiB each; below
# that one request each ("when your object size reaches 100 MB, you should consider using
# multipart uploads", S3 User Guide, Uploading and copying objects using multipart upload). Ten
# requests at a time, across all the files of one transfer() call.
TRANSFER_CONFIG = TransferConfig(multipart_threshold=100 * MB, multipart_chunksize=16 * MB)


def transfer(
    s3,
    uploads: Iterable[tuple[Path, str, str, dict]] = (),
    downloads: Iterable[tuple[str, str, Path]] = (),
    config: TransferConfig = TRANSFER_CONFIG,
) -> None:
    """Upload (file, bucket, key, extra args) and download (bucket, key, file) side by side,
    instead of one file after another; raises the first failure (the rest are cancelled). A
    multipart upload is completed only once all its parts are in: the key never holds part of
    a file, so a result can go straight to its final key."""
    with create_transfer_manager(s3, config) as manager:
        futures = [
            manager.upload(str(path), bucket, key, extra_args=extra or None)
            for path, bucket, key, extra in uploads
        ]
        futures += [manager.download(bucket, key, str(path)) for bucket, key, path in downloads]
        for future in futures:
            future.result()


def read_range(s3, bucket: str, key: str, start: int, end: int, etag: str) -> bytes:
    """Bytes [start, end) of the object, if it still has this ETag (else S3 answers 412
    PreconditionFailed: the object was replaced)."""
    response = s3.get_object(
        Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}", IfMatch=f'"{etag}"'
    )
    return response["Body"].read()


def download_ranges(
    s3,
    bucket: str,
    key: str,
    etag: str,
    ranges: Iterable[tuple[int, int]],
    path: Path,
    size: int | None = None,
) -> None:
    """Write the object's byte `ranges` ([start, end)) into the file at `path`, each at its
    offset; with `size` (the object's), first make the file anew as a sparse file of that
    size: what no range covers is then a hole (no disk space, reads as zeros). Ranges move in
    pieces of at most TRANSFER_CONFIG's chunk size, ten at a time, from the object with this
    ETag only (read_range)."""
    step = TRANSFER_CONFIG.multipart_chunksize
    pieces = [
        (offset, min(offset + step, end))
        for start, end in ranges
        for offset in range(start, end, step)
    ]
    with path.open("wb" if size is not None else "r+b") as file:
        if size is not None:
            file.truncate(size)
        fd = file.fileno()

        def fetch(piece: tuple[int, int]) -> None:
            os.pwrite(fd, read_range(s3, bucket, key, *piece, etag), piece[0])

        with ThreadPoolExecutor(max_workers=TRANSFER_CONFIG.max_request_concurrency) as pool:
            list(pool.map(fetch, pieces))


def delete_prefix(s3, bucket: str, prefix: str) -> int:
    """Delete every object under `prefix` (a page of at most 1000 keys per request); return how
    many were deleted."""
    if not prefix.endswith("/"):
        raise ValueError(f"refusing to delete {prefix!r}: a job prefix ends with '/'")
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if not keys:
            continue
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        if response.get("Errors"):
            first = response["Errors"][0]
            raise RuntimeError(
                f"could not delete {len(response['Errors'])} object(s) under s3://{bucket}/"
                f"{prefix}, e.g. {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
            )
        deleted += len(keys)
    return deleted
