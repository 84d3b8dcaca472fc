"""The Map Run API and IAM of a Distributed Map on the local AWS: DescribeMapRun, ListMapRuns,
UpdateMapRun, ListExecutions(mapRunArn), a child execution's history and stop, and the role's
states:StartExecution on its own state machine ("IAM policies for using Distributed Map
states")."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from localaws import ACCOUNT

from tests.conformance.sfn_harness import StepFunctions, single
from tests.support.iam import service_role

LOGS = {
    "Effect": "Allow",
    "Action": ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:ListLogDeliveries"],
    "Resource": "*",
}


def distributed(states: dict, start: str, **fields) -> dict:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": start,
        "States": states,
    }
    return {"Type": "Map", "ItemProcessor": processor, **fields}


ECHO = distributed({"Echo": {"Type": "Pass", "End": True}}, "Echo")
# Waits a second when the item says so, fails for {"fail": true}.
SLOW_OR_FAIL = distributed(
    {
        "Check": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.fail", "IsPresent": True, "Next": "Boom"},
                {"Variable": "$.wait", "IsPresent": True, "Next": "Wait"},
            ],
            "Default": "Done",
        },
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
        "Boom": {"Type": "Fail", "Error": "Boom"},
        "Done": {"Type": "Pass", "End": True},
    },
    "Check",
    MaxConcurrency=1,
)


@pytest.fixture(scope="module")
def sfn(local_aws):
    return StepFunctions(local_aws)


def create(sfn, definition: dict, statements=None) -> str:
    """A state machine whose role has `statements` (everything without), its ARN built from
    its name as a module builds it."""
    name = f"dm-{uuid.uuid4().hex[:10]}"
    arn = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{name}"
    grants = [LOGS, *statements(arn)] if statements else None
    role = (
        sfn.role_arn
        if grants is None
        else service_role(sfn.local_aws, "states.amazonaws.com", grants)
    )
    sfn.client.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)
    return arn


def wait_for_map_run(sfn, execution_arn: str) -> str:
    for _ in range(200):
        runs = sfn.client.list_map_runs(executionArn=execution_arn)["mapRuns"]
        if runs:
            return runs[0]["mapRunArn"]
        time.sleep(0.02)
    raise AssertionError("no Map Run started")


def test_the_role_needs_start_execution_on_its_own_state_machine(sfn):
    def own(arn):
        return [
            {"Effect": "Allow", "Action": "states:StartExecution", "Resource": arn},
            {
                "Effect": "Allow",
                "Action": ["states:DescribeExecution", "states:StopExecution"],
                "Resource": arn.replace(":stateMachine:", ":execution:") + "/*",
            },
        ]

    granted = create(sfn, single(ECHO), own)
    assert sfn.wait(sfn.start(granted, [1, 2])).output == [1, 2]

    def another(arn):
        return [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": f"{arn}-other"}]

    denied = create(sfn, single(ECHO), another)
    outcome = sfn.wait(sfn.start(denied, [1, 2]))
    assert outcome.status == "FAILED"
    assert outcome.error == "States.Runtime"  # not caught, not retried
    assert (
        f"not authorized to perform: states:StartExecution on resource: {denied}" in outcome.cause
    )
    denials = sfn.local_aws.control("GET", "iam")["denied"]
    assert any(d["action"] == "states:StartExecution" and d["resource"] == denied for d in denials)


def test_item_reader_reads_with_the_role(sfn):
    bucket = f"dm-{uuid.uuid4().hex[:10]}"
    s3 = sfn.local_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="items.json", Body=b"[1,2]")
    state = {
        **ECHO,
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": bucket, "Key": "items.json"},
        },
    }

    def without_s3(arn):
        return [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": arn}]

    outcome = sfn.wait(sfn.start(create(sfn, single(state), without_s3)))
    assert outcome.error == "States.ItemReaderFailed"
    assert "AccessDenied" in outcome.cause

    def with_s3(arn):
        read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        return [*without_s3(arn), read]

    assert sfn.wait(sfn.start(create(sfn, single(state), with_s3))).output == [1, 2]


def test_describe_and_list_map_runs(sfn):
    state_machine = create(sfn, single({**ECHO, "Label": "Run", "ToleratedFailurePercentage": 10}))
    execution = sfn.start(state_machine, [1, 2, 3])
    assert sfn.wait(execution).status == "SUCCEEDED"
    (listed,) = sfn.client.list_map_runs(executionArn=execution)["mapRuns"]
    assert listed["executionArn"] == execution
    assert listed["stateMachineArn"] == f"{state_machine}/Run"
    run = sfn.client.describe_map_run(mapRunArn=listed["mapRunArn"])
    assert run["executionArn"] == execution
    assert run["status"] == "SUCCEEDED"
    assert run["toleratedFailurePercentage"] == 10
    assert run["stopDate"] >= run["startDate"]
    assert run["itemCounts"]["resultsWritten"] == 3
    with pytest.raises(sfn.client.exceptions.ResourceNotFound):
        sfn.client.describe_map_run(mapRunArn=listed["mapRunArn"] + "0")


def test_list_executions_of_a_map_run_filters_by_status(sfn):
    state_machine = create(sfn, single({**SLOW_OR_FAIL, "ToleratedFailureCount": 1}))
    execution = sfn.start(state_machine, [{}, {"fail": True}, {}])
    assert sfn.wait(execution).status == "SUCCEEDED"
    run_arn = sfn.client.list_map_runs(executionArn=execution)["mapRuns"][0]["mapRunArn"]
    every = sfn.client.list_executions(mapRunArn=run_arn)["executions"]
    assert len(every) == 3
    (failed,) = sfn.client.list_executions(mapRunArn=run_arn, statusFilter="FAILED")["executions"]
    described = sfn.client.describe_execution(executionArn=failed["executionArn"])
    assert (described["status"], described["error"]) == ("FAILED", "Boom")
    assert described["mapRunArn"] == run_arn
    assert described["stateMachineArn"].startswith(f"{state_machine}/")
    history = sfn.client.get_execution_history(executionArn=failed["executionArn"])["events"]
    assert history[0]["type"] == "ExecutionStarted"
    assert history[-1]["type"] == "ExecutionFailed"
    page = sfn.client.list_executions(mapRunArn=run_arn, maxResults=2)
    assert len(page["executions"]) == 2
    rest = sfn.client.list_executions(mapRunArn=run_arn, nextToken=page["nextToken"])
    assert len(rest["executions"]) == 1
    with pytest.raises(sfn.client.exceptions.ValidationException):
        sfn.client.list_executions(mapRunArn=run_arn, stateMachineArn=state_machine)


def test_update_map_run_changes_the_tolerance_of_a_running_map_run(sfn):
    # One child at a time: the first waits a second, the second fails. No failure is tolerated
    # until UpdateMapRun allows one while the first still waits.
    state_machine = create(sfn, single(SLOW_OR_FAIL))
    execution = sfn.start(state_machine, [{"wait": True}, {"fail": True}])
    run_arn = wait_for_map_run(sfn, execution)
    sfn.client.update_map_run(mapRunArn=run_arn, toleratedFailureCount=1, maxConcurrency=5)
    outcome = sfn.wait(execution)
    assert outcome.status == "SUCCEEDED"
    run = sfn.client.describe_map_run(mapRunArn=run_arn)
    assert (run["toleratedFailureCount"], run["maxConcurrency"]) == (1, 5)
    assert run["itemCounts"]["failed"] == 1


def test_stopping_a_child_execution_counts_as_a_failure(sfn):
    state_machine = create(sfn, single({**SLOW_OR_FAIL, "ToleratedFailureCount": 1}))
    execution = sfn.start(state_machine, [{"wait": True}, {}])
    run_arn = wait_for_map_run(sfn, execution)
    for _ in range(200):
        running = sfn.client.list_executions(mapRunArn=run_arn, statusFilter="RUNNING")[
            "executions"
        ]
        if running:
            break
        time.sleep(0.02)
    sfn.client.stop_execution(executionArn=running[0]["executionArn"])
    assert sfn.wait(execution).status == "SUCCEEDED"
    run = sfn.client.describe_map_run(mapRunArn=run_arn)
    assert run["executionCounts"]["aborted"] == 1
    assert run["executionCounts"]["succeeded"] == 1
