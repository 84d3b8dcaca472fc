"""PrepareMediaConvertJob: the CreateJob request of one part, for the ParallelMediaConvert state
(which submits it and waits for the job with the .sync integration)."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from media_common import job_keys
from media_common.manifest import read_manifest
from media_common.settings import JobConfig

from media_job.settings import build_job

logger = Logger(service="media_job")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    return prepare(event, JobConfig.from_env(), boto3.client("s3"))


def prepare(event: dict, config: JobConfig, s3) -> dict:
    bucket, index = event["bucket"], int(event["part"]["index"])
    manifest_key = event.get("manifest") or job_keys.manifest_key(
        job_keys.job_prefix_of(event["part"]["key"])
    )
    manifest = read_manifest(s3, bucket, manifest_key)
    logger.append_keys(jobId=manifest.job_id, part=index)
    part = manifest.parts[index]
    job = build_job(
        event["template"], manifest, part, bucket, config.output_height, config.thumbnail_width
    )
    logger.info("job prepared", extra={"input": job["Settings"]["Inputs"][0]["FileInput"]})
    return {
        "job": job,
        "data": {
            "encodedPart": job_keys.encoded_key_for(part.key),
            "originalFileName": manifest.source_key,
            "bucket": bucket,
            "manifest": manifest_key,
        },
    }
