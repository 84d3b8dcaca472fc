"""The GraphQL API's resolvers (lambda_src/graphql_resolvers): riders from a moto DynamoDB table,
workflow runs from a Step Functions stand-in answering as DescribeExecution and
GetExecutionHistory do, and the handler's routing of AppSync's direct Lambda events."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import boto3
import pytest
from graphql_resolvers import queries
from graphql_resolvers.queries import BadRequestError, NotFinishedError
from moto import mock_aws

RIDER_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:rp-riders"
MEDIA_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mc-media"
T0 = datetime.datetime(2026, 11, 29, 12, 0, 0, tzinfo=datetime.UTC)


def execution_arn(machine: str, name: str) -> str:
    return machine.replace(":stateMachine:", ":execution:") + f":{name}"


def item(user: str, **extra) -> dict:
    return {
        "userId": user,
        "faceId": f"face-{user}",
        "s3Bucket": "photos",
        "s3Key": f"{user}/selfie.jpg",
        "thumbnailS3Bucket": "thumbs",
        "thumbnailS3Key": f"{user}/selfie.jpg",
        "thumbnailWidth": Decimal(120),
        "thumbnailHeight": Decimal(90),
        "faceConfidence": Decimal("99.5"),
        "registeredAt": "2026-11-29T12:00:01.000Z",
        "registration": "registered",
        "execution": execution_arn(RIDER_MACHINE, f"run-{user}"),
        **extra,
    }


@pytest.fixture
def table():
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName="riders",
            KeySchema=[{"AttributeName": "userId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "userId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield table


class FakeStepFunctions:
    """Executions and histories as the Step Functions API returns them (boto3's shapes)."""

    def __init__(self) -> None:
        self.executions: dict[str, dict] = {}
        self.histories: dict[str, list[dict]] = {}

    def add(self, machine, name, status="SUCCEEDED", input=None, output=None, **extra):
        arn = execution_arn(machine, name)
        self.executions[arn] = {
            "executionArn": arn,
            "stateMachineArn": machine,
            "name": name,
            "status": status,
            "startDate": T0,
            "input": json.dumps(input or {}),
            **({"stopDate": T0 + datetime.timedelta(seconds=5)} if status != "RUNNING" else {}),
            **({"output": json.dumps(output)} if output is not None else {}),
            **extra,
        }
        return arn

    def describe_execution(self, executionArn):
        return self.executions[executionArn]

    def get_execution_history(self, executionArn, maxResults, nextToken=None):
        events = self.histories.get(executionArn, [])
        start = int(nextToken or 0)
        page = events[start : start + 2]  # small pages: the paging is exercised
        more = start + 2 < len(events)
        return {"events": page, **({"nextToken": str(start + 2)} if more else {})}

    def list_executions(self, stateMachineArn, maxResults, nextToken=None):
        arns = [a for a, e in self.executions.items() if e["stateMachineArn"] == stateMachineArn]
        start = int(nextToken or 0)
        page = arns[start : start + maxResults]
        more = start + maxResults < len(arns)
        return {
            "executions": [{"executionArn": a} for a in page],
            **({"nextToken": str(start + maxResults)} if more else {}),
        }


def event(kind: str, at: int, name: str | None = None) -> dict:
    entry = {"type": kind, "timestamp": T0 + datetime.timedelta(seconds=at)}
    if kind.endswith("StateEntered"):
        entry["stateEnteredEventDetails"] = {"name": name}
    if kind.endswith("StateExited"):
        entry["stateExitedEventDetails"] = {"name": name}
    return entry


def test_a_rider_is_its_item_and_pending_or_unknown_riders_are_null(table):
    table.put_item(Item=item("a"))
    table.put_item(Item=item("b", registration="pending"))
    rider = queries.get_rider(table, "a")
    assert rider == {
        "userId": "a",
        "faceId": "face-a",
        "photo": {"bucket": "photos", "key": "a/selfie.jpg"},
        "thumbnail": {"bucket": "thumbs", "key": "a/selfie.jpg", "width": 120, "height": 90},
        "faceConfidence": 99.5,
        "registeredAt": "2026-11-29T12:00:01.000Z",
        "executionArn": execution_arn(RIDER_MACHINE, "run-a"),
    }
    assert queries.get_rider(table, "b") is None
    assert queries.get_rider(table, "nobody") is None


def test_riders_are_paged_through_every_registered_one(table):
    for user in "abcde":
        table.put_item(Item=item(user))
    table.put_item(Item=item("pending", registration="pending"))
    legacy = item("legacy")
    del legacy["registration"]  # items written before `registration` existed count
    table.put_item(Item=legacy)
    seen, token, pages = [], None, 0
    while True:
        page = queries.list_riders(table, 2, token)
        assert len(page["items"]) <= 2
        seen += [r["userId"] for r in page["items"]]
        pages += 1
        token = page["nextToken"]
        if token is None:
            break
    assert sorted(seen) == ["a", "b", "c", "d", "e", "legacy"]
    assert pages >= 3


@pytest.mark.parametrize(
    ("limit", "token", "message"),
    [
        (0, None, "limit must be between 1 and 100"),
        (101, None, "limit must be between 1 and 100"),
        (5, "not base64 json!", "nextToken is not one this API returned"),
        (5, queries.encode_token({"other": "key"}), "nextToken is not one this API returned"),
    ],
)
def test_a_bad_page_request_is_refused_clearly(table, limit, token, message):
    with pytest.raises(BadRequestError, match=message):
        queries.list_riders(table, limit, token)


def test_a_run_has_its_status_dates_and_states_in_order():
    sfn = FakeStepFunctions()
    arn = sfn.add(RIDER_MACHINE, "run-a", status="FAILED", error="PhotoFailed", cause="bad")
    sfn.histories[arn] = [
        event("ExecutionStarted", 0),
        event("TaskStateEntered", 1, "FaceDetection"),
        event("TaskStateExited", 2, "FaceDetection"),
        event("ParallelStateEntered", 2, "ParallelProcessing"),
        event("TaskStateEntered", 3, "Thumbnail"),
        event("FailStateEntered", 4, "PhotoFailed"),
    ]
    run = queries.workflow_run(sfn, arn)
    assert (run["status"], run["error"], run["cause"]) == ("FAILED", "PhotoFailed", "bad")
    assert (run["startDate"], run["stopDate"]) == (
        "2026-11-29T12:00:00.000Z",
        "2026-11-29T12:00:05.000Z",
    )
    assert run["steps"] == [
        {
            "name": "FaceDetection",
            "type": "Task",
            "enteredAt": "2026-11-29T12:00:01.000Z",
            "exitedAt": "2026-11-29T12:00:02.000Z",
        },
        {
            "name": "ParallelProcessing",
            "type": "Parallel",
            "enteredAt": "2026-11-29T12:00:02.000Z",
            "exitedAt": None,
        },
        {
            "name": "Thumbnail",
            "type": "Task",
            "enteredAt": "2026-11-29T12:00:03.000Z",
            "exitedAt": None,
        },
        {
            "name": "PhotoFailed",
            "type": "Fail",
            "enteredAt": "2026-11-29T12:00:04.000Z",
            "exitedAt": None,
        },
    ]


@pytest.mark.parametrize(
    "arn",
    [
        execution_arn(MEDIA_MACHINE, "x"),  # another workflow's
        execution_arn(RIDER_MACHINE + "-other", "x"),  # a machine whose name starts the same
        execution_arn(RIDER_MACHINE, "parent/child:uuid"),  # a Distributed Map child
        execution_arn(RIDER_MACHINE, ""),
    ],
)
def test_only_the_configured_workflows_runs_are_answered(arn):
    with pytest.raises(BadRequestError, match="is not an execution of the rider-photo workflow"):
        queries.check_execution_of(arn, RIDER_MACHINE, "rider-photo")


def test_without_a_media_workflow_media_queries_are_refused():
    with pytest.raises(BadRequestError, match="serves no media workflow"):
        queries.list_media_jobs(FakeStepFunctions(), None, None, None)


def test_a_media_job_has_the_merge_outputs_and_is_paged():
    sfn = FakeStepFunctions()
    merged = {
        "output": {"bucket": "out", "key": "v/clip.mp4", "duration": 12.5, "width": 640},
        "thumbnail": {"bucket": "out", "key": "v/clip.jpg"},
    }
    done = sfn.add(MEDIA_MACHINE, "job1", input={"bucket": "in", "key": "clip.mov"}, output=merged)
    sfn.add(MEDIA_MACHINE, "job2", status="FAILED", error="InvalidMediaError", cause="not video")
    sfn.add(MEDIA_MACHINE, "job3", status="RUNNING")
    job = queries.media_job_finished(sfn, done, MEDIA_MACHINE)
    assert job["video"] == merged["output"] and job["thumbnail"] == merged["thumbnail"]
    assert job["source"] == {"bucket": "in", "key": "clip.mov"}
    with pytest.raises(NotFinishedError):
        queries.media_job_finished(sfn, execution_arn(MEDIA_MACHINE, "job3"), MEDIA_MACHINE)
    first = queries.list_media_jobs(sfn, MEDIA_MACHINE, 2, None)
    second = queries.list_media_jobs(sfn, MEDIA_MACHINE, 2, first["nextToken"])
    names = [j["name"] for j in first["items"] + second["items"]]
    assert names == ["job1", "job2", "job3"] and second["nextToken"] is None
    failed = first["items"][1]
    assert (failed["status"], failed["error"], failed["video"]) == (
        "FAILED",
        "InvalidMediaError",
        None,
    )


def test_a_succeeded_run_publishes_the_rider_it_registered_only(table):
    sfn = FakeStepFunctions()
    table.put_item(Item=item("a"))
    won = sfn.add(RIDER_MACHINE, "run-a", input={"userId": "a"})
    lost = sfn.add(RIDER_MACHINE, "run-a-second", input={"userId": "a"})  # refused duplicate
    refused = sfn.add(RIDER_MACHINE, "run-z", input={"userId": "z"})
    running = sfn.add(RIDER_MACHINE, "run-r", status="RUNNING", input={"userId": "a"})
    assert queries.rider_registered(table, sfn, won, RIDER_MACHINE)["userId"] == "a"
    assert queries.rider_registered(table, sfn, lost, RIDER_MACHINE) is None
    assert queries.rider_registered(table, sfn, refused, RIDER_MACHINE) is None
    with pytest.raises(NotFinishedError):
        queries.rider_registered(table, sfn, running, RIDER_MACHINE)


def appsync_event(type_name: str, field: str, arguments: dict, source=None) -> dict:
    """A direct Lambda resolver's event (AppSync Developer Guide, "Direct Lambda resolvers")."""
    return {
        "arguments": arguments,
        "identity": None,
        "source": source,
        "request": {"headers": {}},
        "info": {
            "parentTypeName": type_name,
            "fieldName": field,
            "variables": {},
            "selectionSetList": ["userId"],
        },
        "prev": None,
        "stash": {},
    }


def test_the_handler_routes_each_field_to_its_function(table, monkeypatch):
    from graphql_resolvers import handler

    sfn = FakeStepFunctions()
    table.put_item(Item=item("a"))
    arn = sfn.add(RIDER_MACHINE, "run-a", input={"userId": "a"})
    monkeypatch.setenv("RIDER_STATE_MACHINE_ARN", RIDER_MACHINE)
    monkeypatch.setattr(handler, "table", lambda: table)
    monkeypatch.setattr(handler, "sfn", lambda: sfn)
    rider = handler.app.resolve(appsync_event("Query", "rider", {"userId": "a"}), None)
    assert rider["userId"] == "a"
    page = handler.app.resolve(appsync_event("Query", "riders", {"limit": 5}), None)
    assert [r["userId"] for r in page["items"]] == ["a"]
    run = handler.app.resolve(appsync_event("Rider", "photoProcessing", {}, rider), None)
    assert run["executionArn"] == arn and run["steps"] == []
    with pytest.raises(BadRequestError):
        handler.app.resolve(
            appsync_event("Query", "photoProcessing", {"executionArn": "arn:aws:x"}), None
        )
