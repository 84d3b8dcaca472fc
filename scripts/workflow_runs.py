"""Waiting for what asynchronous workflows produce: executions, objects."""

from __future__ import annotations

import json
import time


def run_execution(
    local_aws, state_machine_arn: str, payload: dict, timeout: float = 300, name: str | None = None
) -> dict:
    sfn = local_aws.client("stepfunctions")
    kwargs = {"name": name} if name else {}
    arn = sfn.start_execution(
        stateMachineArn=state_machine_arn, input=json.dumps(payload), **kwargs
    )["executionArn"]
    return wait_for_execution(local_aws, arn, timeout)


def wait_for_execution(local_aws, execution_arn: str, timeout: float = 300) -> dict:
    sfn = local_aws.client("stepfunctions")
    deadline = time.time() + timeout
    while time.time() < deadline:
        execution = sfn.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING":
            return execution
        time.sleep(0.5)
    raise AssertionError(f"{execution_arn} still RUNNING after {timeout}s")


def wait_for_object(s3, bucket: str, key: str, timeout: float = 60) -> bytes:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            time.sleep(0.3)
    raise AssertionError(f"s3://{bucket}/{key} did not appear within {timeout}s")
