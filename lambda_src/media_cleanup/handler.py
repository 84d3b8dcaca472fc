"""Deletes the work files of a failed media-convert job (called from the Catch branch)."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from lambda_common.s3 import delete_prefix
from media_common import job_keys
from media_common.settings import CleanupConfig

logger = Logger(service="media_cleanup")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = CleanupConfig.from_env()
    return cleanup(event, config, boto3.client("s3"))


def cleanup(state: dict, config: CleanupConfig, s3) -> dict:
    logger.info("cleaning up a failed job", extra={"error": state.get("error")})
    if not config.cleanup_intermediate:
        logger.info("CLEANUP_INTERMEDIATE=false: work files kept")
        return {"deleted": 0}

    def etag_of(bucket: str, key: str) -> str | None:
        try:
            return s3.head_object(Bucket=bucket, Key=key)["ETag"]
        except ClientError:
            return None  # the source is gone: its job cannot be named

    prefix = job_prefix_from_state(state, config.work_prefix, etag_of)
    if prefix is None:
        logger.warning("the state names no job: nothing deleted", extra={"fields": sorted(state)})
        return {"deleted": 0}
    deleted = delete_prefix(s3, config.work_bucket, prefix)
    logger.info("work files deleted", extra={"prefix": prefix, "deleted": deleted})
    return {"deleted": deleted}


def job_prefix_from_state(state: dict, work_prefix: str, etag_of) -> str | None:
    """The job's work prefix from whatever the Catch passed on: the split's output (jobId), the
    merge's input (manifest or encoded part keys), or the execution input, at the top level or
    under "source" (the source object, named as the split names it). None if nothing fits."""
    if state.get("jobId"):
        return job_keys.job_prefix(work_prefix, state["jobId"])
    for job_key in [state.get("manifest"), *(state.get("encodedParts") or [])[:1]]:
        if job_key:
            prefix = job_keys.job_prefix_of(job_key)
            # Never delete outside the work area, whatever the state says.
            return prefix if prefix.startswith(work_prefix) and prefix != work_prefix else None
    source = state.get("source") or state
    bucket, key = source.get("bucket"), source.get("key")
    if not (bucket and key):
        return None
    etag = source.get("etag") or etag_of(bucket, key)
    return job_keys.job_prefix(work_prefix, job_keys.job_id(bucket, key, etag)) if etag else None
