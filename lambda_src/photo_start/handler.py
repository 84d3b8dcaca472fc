"""Starts one rider-photo execution per photo uploaded to the photo bucket.

The rider's user id is the key's first folder after UPLOAD_PREFIX (`<userId>/<file>`), or with
USER_ID_SOURCE=metadata the object's `user-id` metadata; an optional `email` metadata entry is
passed on for the notification. Uploads without a usable user id are logged and skipped.
"""

from __future__ import annotations

import json

import boto3
from aws_lambda_powertools import Logger
from lambda_common.naming import execution_name
from lambda_common.s3_events import created_objects
from photo_common.request import EMAIL, USER_ID
from photo_common.settings import StartConfig

logger = Logger(service="photo_start")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = StartConfig.from_env()
    return start_executions(event, config, boto3.client("s3"), boto3.client("stepfunctions"))


def start_executions(event: dict, config: StartConfig, s3, sfn) -> dict:
    """One execution per photo with a usable user id, named after the object version, so a
    redelivered event gets ExecutionAlreadyExists instead of a second registration."""
    started, skipped, duplicates = [], [], 0
    for photo in created_objects(event):
        bucket, key = photo.bucket, photo.key
        try:
            metadata = s3.head_object(Bucket=bucket, Key=key).get("Metadata", {})
        except s3.exceptions.ClientError as exc:  # e.g. deleted before this event arrived
            logger.warning("photo unreadable, not started", extra={"key": key, "error": str(exc)})
            skipped.append(key)
            continue
        payload = execution_input(
            bucket, key, config.upload_prefix, config.user_id_source, metadata
        )
        if payload is None:
            logger.warning("no usable user id, not started", extra={"bucket": bucket, "key": key})
            skipped.append(key)
            continue
        name = execution_name(bucket, key, photo.etag, photo.version_id)
        try:
            response = sfn.start_execution(
                stateMachineArn=config.state_machine_arn, name=name, input=json.dumps(payload)
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            duplicates += 1  # S3 delivers at least once; the name makes a redelivery a no-op
            logger.info("duplicate event", extra={"execution": name, "key": key})
            continue
        started.append(response["executionArn"])
        logger.info("execution started", extra={"arn": response["executionArn"], "key": key})
    return {"started": started, "skipped": skipped, "duplicates": duplicates}


def execution_input(bucket: str, key: str, prefix: str, source: str, metadata: dict) -> dict | None:
    """The spec's input `{"userId", "s3Bucket", "s3Key"}` (+ `email`), or None without a user id."""
    if source == "metadata":
        user_id = metadata.get("user-id", "")
    else:
        rest = key.removeprefix(prefix) if key.startswith(prefix) else ""
        user_id = rest.split("/", 1)[0] if "/" in rest else ""
    if not USER_ID.fullmatch(user_id):
        return None
    payload = {"userId": user_id, "s3Bucket": bucket, "s3Key": key}
    email = metadata.get("email", "")
    if EMAIL.fullmatch(email):
        payload["email"] = email
    return payload
