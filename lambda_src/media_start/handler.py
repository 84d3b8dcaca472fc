"""Starts one media-convert execution per object of an S3 event (an S3 notification, or an
EventBridge "Object Created" event of the module's rule)."""

from __future__ import annotations

import json

import boto3
from aws_lambda_powertools import Logger
from lambda_common.naming import execution_name
from lambda_common.s3_events import created_objects
from media_common.settings import StartConfig

logger = Logger(service="media_start")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = StartConfig.from_env()
    sfn = boto3.client("stepfunctions")
    return start_executions(event, config.state_machine_arn, sfn, context.aws_request_id)


def start_executions(event: dict, state_machine_arn: str, sfn, request_id: str) -> dict:
    """Start an execution per created object, named after the object version, so a redelivered
    event gets ExecutionAlreadyExists instead of converting the file twice.

    The input carries the id of the invocation that started it (`requestId`): besides tracing,
    it makes a redelivery's input differ, because StartExecution with the same name *and* input
    as a running execution succeeds silently, and the duplicate would go unnoticed.
    """
    started, duplicates = [], 0
    for obj in created_objects(event):
        name = execution_name(obj.bucket, obj.key, obj.etag, obj.version_id)
        payload = {**obj.as_message(), "requestId": request_id}
        try:
            response = sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            duplicates += 1
            logger.info(
                "duplicate event, execution exists", extra={"execution": name, "key": obj.key}
            )
            continue
        started.append(response["executionArn"])
        logger.info("execution started", extra={"arn": response["executionArn"], "key": obj.key})
    return {"started": started, "duplicates": duplicates}
