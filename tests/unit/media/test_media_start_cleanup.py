"""media_start (moto Step Functions) and media_cleanup (every shape of failed state)."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

import boto3
import pytest
from lambda_common import naming
from lambda_common.errors import ConfigurationError
from media_cleanup.handler import job_prefix_from_state
from media_cleanup.handler import lambda_handler as cleanup_handler
from media_common import job_keys
from media_start.handler import lambda_handler as start_handler
from media_testlib import WORK_BUCKET, keys
from moto import mock_aws


def s3_event(*objects: tuple[str, str]) -> dict:
    """An S3 notification for (key, eTag) pairs, keys URL-encoded as S3 sends them."""
    return {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": "uploads"},
                    "object": {"key": quote_plus(key), "size": 1234, "eTag": etag},
                },
            }
            for key, etag in objects
        ]
    }


@pytest.fixture
def state_machine(env, monkeypatch):
    with mock_aws():
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="media-convert",
            definition=json.dumps({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/states",
        )["stateMachineArn"]
        monkeypatch.setenv("STATE_MACHINE_ARN", arn)
        yield sfn


def test_starts_one_execution_per_object(state_machine, context):
    sfn = state_machine
    event = s3_event(("in/My clip ü.mp4", "e1"), ("in/b.mov", "e2"))
    result = start_handler(event, context)
    assert result["duplicates"] == 0
    assert len(result["started"]) == 2
    execution = sfn.describe_execution(executionArn=result["started"][0])
    assert execution["name"] == naming.execution_name("uploads", "in/My clip ü.mp4", "e1")
    assert json.loads(execution["input"]) == {
        "bucket": "uploads",
        "key": "in/My clip ü.mp4",  # decoded: "+" back to a space, %C3%BC back to ü
        "etag": "e1",
        "size": 1234,
        "requestId": context.aws_request_id,
    }


def test_a_redelivered_event_is_a_duplicate(state_machine, context):
    sfn = state_machine
    event = s3_event(("a.mp4", "e1"))
    (arn,) = start_handler(event, context)["started"]
    # S3 delivers at least once: the same event again, to another invocation, while the first
    # execution is still running and after it ended.
    assert start_handler(event, type(context)()) == {"started": [], "duplicates": 1}
    sfn.stop_execution(executionArn=arn)
    assert start_handler(event, type(context)()) == {"started": [], "duplicates": 1}
    # A new upload of the same key is a new object version: a new execution.
    assert len(start_handler(s3_event(("a.mp4", "e2")), context)["started"]) == 1


def test_an_s3_test_event_starts_nothing(state_machine, context):
    assert start_handler({"Event": "s3:TestEvent"}, context) == {"started": [], "duplicates": 0}


def test_start_needs_a_state_machine_arn(env, context, monkeypatch):
    monkeypatch.setenv("STATE_MACHINE_ARN", "media-convert")
    with pytest.raises(ConfigurationError, match="STATE_MACHINE_ARN='media-convert'"):
        start_handler(s3_event(("a.mp4", "e")), context)


JOB = job_keys.job_id("uploads", "in/a.mp4", "e1")


@pytest.mark.parametrize(
    "state",
    [
        {"source": {"bucket": "uploads", "key": "in/a.mp4", "etag": "e1"}, "error": {}},
        {"bucket": "uploads", "key": "in/a.mp4", "etag": "e1", "error": {}},
        {"bucket": "work", "jobId": JOB, "parts": [], "error": {}},  # the Map's input
        {"bucket": "work", "manifest": f"jobs/{JOB}/manifest.json", "error": {}},  # the merge's
        {"bucket": "work", "encodedParts": [f"jobs/{JOB}/encoded/00000.mp4"]},
    ],
    ids=["asl-source", "execution-input", "split-output", "merge-input", "seed-merge-input"],
)
def test_job_prefix_from_any_failed_state(state):
    assert job_prefix_from_state(state, "jobs/", lambda bucket, key: None) == f"jobs/{JOB}/"


def test_job_prefix_asks_s3_for_a_missing_etag():
    state = {"source": {"bucket": "uploads", "key": "in/a.mp4"}}
    assert job_prefix_from_state(state, "jobs/", lambda b, k: '"e1"') == f"jobs/{JOB}/"
    assert job_prefix_from_state(state, "jobs/", lambda b, k: None) is None


@pytest.mark.parametrize(
    "state",
    [
        {"error": {"Error": "States.Timeout"}},
        {"manifest": "other/abc/manifest.json"},  # outside WORK_PREFIX: never deleted
        {"manifest": "jobs/manifest.json"},  # would be the whole work area
    ],
)
def test_no_job_no_deletion(state):
    assert job_prefix_from_state(state, "jobs/", lambda b, k: "e") is None


def test_cleanup_deletes_the_job_and_nothing_else(s3, context):
    for key in (f"jobs/{JOB}/parts/00000.mp4", f"jobs/{JOB}/manifest.json", "jobs/other/x"):
        s3.put_object(Bucket=WORK_BUCKET, Key=key, Body=b"x")
    state = {"source": {"bucket": "uploads", "key": "in/a.mp4", "etag": "e1"}, "error": {}}
    assert cleanup_handler(state, context) == {"deleted": 2}
    assert keys(s3, WORK_BUCKET) == ["jobs/other/x"]
    assert cleanup_handler({"error": {}}, context) == {"deleted": 0}


def test_cleanup_off_deletes_nothing(s3, context, monkeypatch):
    monkeypatch.setenv("CLEANUP_INTERMEDIATE", "false")
    s3.put_object(Bucket=WORK_BUCKET, Key=f"jobs/{JOB}/manifest.json", Body=b"x")
    assert cleanup_handler({"jobId": JOB}, context) == {"deleted": 0}
    assert keys(s3, WORK_BUCKET) == [f"jobs/{JOB}/manifest.json"]
