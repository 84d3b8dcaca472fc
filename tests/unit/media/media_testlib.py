"""Helpers of the media-convert tests: bucket names, listing S3 keys (media: sample_media)."""

from __future__ import annotations

SOURCE_BUCKET, WORK_BUCKET, OUTPUT_BUCKET = "uploads", "work", "published"


def keys(s3, bucket: str, prefix: str = "") -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]
