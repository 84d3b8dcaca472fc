"""Foundation acceptance: the shared Lambda module and ffmpeg layer applied with terraform to the
local AWS, Retry/Catch on a real Lambda task, and an S3 upload triggering a function."""

from __future__ import annotations

import json
import time

import pytest
from workflow_runs import run_execution, wait_for_object

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def foundation(deployments):
    """The root applied (tests/support/deployments.py applies every root at once)."""
    yield deployments.wait("foundation")
    deployments.release("foundation")


def test_layer_puts_static_ffmpeg_and_ffprobe_on_path(local_aws, foundation):
    _, outputs = foundation
    response = local_aws.client("lambda").invoke(FunctionName=outputs["toolcheck_function"])
    assert "FunctionError" not in response
    tools = json.loads(response["Payload"].read())
    for name in ("ffmpeg", "ffprobe"):
        assert tools[name]["path"].endswith(f"/bin/{name}")
        assert tools[name]["version"].startswith(f"{name} version 7.0.2")


def test_second_plan_shows_no_changes(foundation):
    root, _ = foundation
    assert root.plan_changes() is None


def test_custom_error_is_caught_with_its_name_and_cause(local_aws, foundation):
    _, outputs = foundation
    execution = run_execution(local_aws, outputs["state_machine_arn"], {"reject": "too dark"})
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert output["status"] == "REJECTED"
    assert output["error"] == "ValidationFailedError"
    assert output["cause"]["errorMessage"] == "rejected: too dark"
    assert output["cause"]["errorType"] == "ValidationFailedError"


def test_transient_error_is_retried_and_succeeds_on_second_attempt(local_aws, foundation):
    _, outputs = foundation
    function = outputs["flaky_function"]
    before = len(local_aws.invocations(function))
    local_aws.inject_fault(function, count=1, error_type="TransientError")
    execution = run_execution(local_aws, outputs["state_machine_arn"], {"value": 42})
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["validation"]["result"] == {"accepted": 42}
    attempts = local_aws.invocations(function)[before:]
    assert [a["error_type"] for a in attempts] == ["TransientError", None]


def test_unretried_error_fails_the_execution(local_aws, foundation):
    _, outputs = foundation
    local_aws.inject_fault(outputs["flaky_function"], count=1, error_type="UnexpectedError")
    execution = run_execution(local_aws, outputs["state_machine_arn"], {"value": 1})
    assert execution["status"] == "FAILED"
    assert execution["error"] == "UnexpectedError"


@pytest.mark.parametrize("key", ["incoming/plain.txt", "incoming/with space/ünïcode ✓.txt"])
def test_s3_upload_triggers_the_function_through_a_terraform_notification(
    local_aws, foundation, key
):
    _, outputs = foundation
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=outputs["uploads_bucket"], Key=key, Body=b"12345")
    record = wait_for_object(s3, outputs["results_bucket"], f"received/{key}.json")
    assert json.loads(record) == {"key": key, "size": 5}


def test_upload_outside_the_prefix_triggers_nothing(local_aws, foundation):
    _, outputs = foundation
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=outputs["uploads_bucket"], Key="elsewhere/x.txt", Body=b"1")
    s3.put_object(Bucket=outputs["uploads_bucket"], Key="incoming/marker.txt", Body=b"1")
    wait_for_object(s3, outputs["results_bucket"], "received/incoming/marker.txt.json")
    time.sleep(1)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=outputs["results_bucket"])["Contents"]]
    assert "received/elsewhere/x.txt.json" not in keys
