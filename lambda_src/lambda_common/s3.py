"""S3 operations shared by the functions."""

from __future__ import annotations


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
