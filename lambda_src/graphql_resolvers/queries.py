"""What the GraphQL API's fields answer, from the riders table and the workflows' executions.

Each function takes its clients (a DynamoDB Table, a Step Functions client) and returns the
GraphQL type as a dict, field names as in the module's schema.graphql. A request the API cannot
answer as asked (a bad nextToken, a limit out of range, an execution of another state machine)
raises BadRequestError, which AppSync returns as the field's error with that type.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal

MAX_PAGE = 100
DEFAULT_PAGE = 20
REGISTERED = "registered"  # photo_common.claims: a rider whose photo went through
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class BadRequestError(Exception):
    """The request asks for something the API does not answer (AppSync's errorType is the name)."""


class NotFinishedError(Exception):
    """A finished-workflow event was published for an execution still running."""


def page_size(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequestError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    return limit


def encode_token(key: Mapping | str) -> str:
    """An opaque nextToken for a DynamoDB LastEvaluatedKey or a Step Functions nextToken."""
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_token(token: str | None):
    if token is None:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequestError("nextToken is not one this API returned") from None


def iso(value) -> str | None:
    """An AWSDateTime (ISO 8601 in UTC, with Z) from boto3's datetime or an ISO string."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return value.replace("+00:00", "Z")


def _number(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def rider_from_item(item: Mapping) -> dict:
    """The Rider type from a riders-table item (rider-photo's README: "The rider item")."""
    thumbnail = None
    if "thumbnailS3Key" in item:
        thumbnail = {
            "bucket": item.get("thumbnailS3Bucket"),
            "key": item["thumbnailS3Key"],
            "width": _number(item.get("thumbnailWidth")),
            "height": _number(item.get("thumbnailHeight")),
        }
    return {
        "userId": item["userId"],
        "faceId": item.get("faceId"),
        "photo": {"bucket": item.get("s3Bucket"), "key": item.get("s3Key")},
        "thumbnail": thumbnail,
        "faceConfidence": _number(item.get("faceConfidence")),
        "registeredAt": item.get("registeredAt"),
        "executionArn": item.get("execution"),
    }


def is_registered(item: Mapping) -> bool:
    # Items written before `registration` existed count as registered (rider-photo's README).
    return item.get("registration", REGISTERED) == REGISTERED


def get_rider(table, user_id: str) -> dict | None:
    """The registered rider, or None (unknown, or a photo still being processed)."""
    item = table.get_item(Key={"userId": user_id}, ConsistentRead=True).get("Item")
    return rider_from_item(item) if item and is_registered(item) else None


def list_riders(table, limit: int | None, next_token: str | None) -> dict:
    """One page of registered riders (a Scan page: it may hold fewer than `limit` when claims
    in progress are filtered out; nextToken is null on the last page)."""
    arguments = {
        "Limit": page_size(limit),
        "FilterExpression": "attribute_not_exists(#registration) OR #registration = :registered",
        "ExpressionAttributeNames": {"#registration": "registration"},
        "ExpressionAttributeValues": {":registered": REGISTERED},
    }
    start = decode_token(next_token)
    if start is not None:
        if not isinstance(start, dict) or set(start) != {"userId"}:
            raise BadRequestError("nextToken is not one this API returned")
        arguments["ExclusiveStartKey"] = start
    page = table.scan(**arguments)
    last = page.get("LastEvaluatedKey")
    return {
        "items": [rider_from_item(item) for item in page.get("Items", [])],
        "nextToken": encode_token(last) if last else None,
    }


def check_execution_of(execution_arn: str, state_machine_arn: str | None, workflow: str) -> None:
    """An execution ARN is arn:...:execution:<state machine name>:<name> (Step Functions API
    reference, DescribeExecution); only the configured workflow's executions are answered."""
    if not state_machine_arn:
        raise BadRequestError(f"this API serves no {workflow} workflow")
    prefix = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":"
    name = execution_arn.removeprefix(prefix)
    if not execution_arn.startswith(prefix) or not name or ":" in name or "/" in name:
        raise BadRequestError(f"{execution_arn!r} is not an execution of the {workflow} workflow")


def history(sfn, execution_arn: str) -> Iterator[dict]:
    arguments = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**arguments)
        yield from page["events"]
        if not page.get("nextToken"):
            return
        arguments["nextToken"] = page["nextToken"]


def steps_from_history(events) -> list[dict]:
    """The states the execution entered, in order, with when each was entered and exited."""
    steps: list[dict] = []
    open_steps: dict[str, dict] = {}
    for event in events:
        if "stateEnteredEventDetails" in event:
            step = {
                "name": event["stateEnteredEventDetails"]["name"],
                "type": event["type"].removesuffix("StateEntered"),
                "enteredAt": iso(event["timestamp"]),
                "exitedAt": None,
            }
            steps.append(step)
            open_steps[step["name"]] = step
        elif "stateExitedEventDetails" in event:
            step = open_steps.pop(event["stateExitedEventDetails"]["name"], None)
            if step is not None:
                step["exitedAt"] = iso(event["timestamp"])
    return steps


def workflow_run(sfn, execution_arn: str, with_steps: bool = True) -> dict:
    """The WorkflowRun type: DescribeExecution, and the states from GetExecutionHistory."""
    execution = sfn.describe_execution(executionArn=execution_arn)
    run = {
        "executionArn": execution["executionArn"],
        "name": execution["name"],
        "stateMachineArn": execution["stateMachineArn"],
        "status": execution["status"],
        "startDate": iso(execution.get("startDate")),
        "stopDate": iso(execution.get("stopDate")),
        "error": execution.get("error"),
        "cause": execution.get("cause"),
        "input": execution.get("input"),
        "output": execution.get("output"),
    }
    if with_steps:
        run["steps"] = steps_from_history(history(sfn, execution_arn))
    return run


def media_job(run: Mapping) -> dict:
    """The MediaJob type: a media-convert run and what its MergeVideoFile state returned
    (`output` and `thumbnail`, media_merge's result)."""
    result = json.loads(run["output"]) if run.get("output") else {}
    output = result.get("output") if isinstance(result, dict) else None
    thumbnail = result.get("thumbnail") if isinstance(result, dict) else None
    source = json.loads(run["input"]) if run.get("input") else {}
    return {
        **run,
        "source": {"bucket": source.get("bucket"), "key": source.get("key")}
        if isinstance(source, dict) and source.get("key")
        else None,
        "video": output,
        "thumbnail": thumbnail,
    }


def list_media_jobs(sfn, state_machine_arn: str | None, limit, next_token) -> dict:
    if not state_machine_arn:
        raise BadRequestError("this API serves no media workflow")
    arguments = {"stateMachineArn": state_machine_arn, "maxResults": page_size(limit)}
    token = decode_token(next_token)
    if token is not None:
        if not isinstance(token, str):
            raise BadRequestError("nextToken is not one this API returned")
        arguments["nextToken"] = token
    page = sfn.list_executions(**arguments)
    return {
        "items": [
            media_job(workflow_run(sfn, e["executionArn"], with_steps=False))
            for e in page["executions"]
        ],
        "nextToken": encode_token(page["nextToken"]) if page.get("nextToken") else None,
    }


def rider_registered(table, sfn, execution_arn: str, state_machine_arn: str) -> dict | None:
    """publishRiderRegistered: the rider a finished rider-photo execution registered, or None
    (a refused or failed photo registers nobody: no subscriber is told)."""
    check_execution_of(execution_arn, state_machine_arn, "rider-photo")
    execution = sfn.describe_execution(executionArn=execution_arn)
    if execution["status"] not in FINISHED:
        raise NotFinishedError(f"{execution_arn} is {execution['status']}")
    if execution["status"] != "SUCCEEDED":
        return None
    user_id = json.loads(execution["input"]).get("userId")
    rider = get_rider(table, user_id) if user_id else None
    if rider is None or rider["executionArn"] != execution_arn:
        return None  # refused, or registered by another photo
    return rider


def media_job_finished(sfn, execution_arn: str, state_machine_arn: str | None) -> dict:
    check_execution_of(execution_arn, state_machine_arn, "media")
    run = workflow_run(sfn, execution_arn, with_steps=False)
    if run["status"] not in FINISHED:
        raise NotFinishedError(f"{execution_arn} is {run['status']}")
    return media_job(run)
