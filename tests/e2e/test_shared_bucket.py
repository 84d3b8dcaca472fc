"""Two toolkit workflows dropped into a platform team's root (tests/terraform/shared_bucket): on
its own bucket, which keeps its own notification (a queue) and its own EventBridge rule, with one
ffmpeg layer for both. Each workflow starts from its own prefix through its own rule, the owner's
notification and rule still fire, and nothing ping-pongs at the next plan."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import unquote_plus

import pytest
from sample_media import make_video, measure
from workflow_runs import wait_for_execution, wait_for_object

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shared(deployments):
    """The root applied (tests/support/deployments.py applies every root at once)."""
    yield deployments.wait("shared_bucket")
    deployments.release("shared_bucket")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """1.5 s at 320x240 with audio: one part, a second or two of encoding."""
    return make_video(tmp_path_factory.mktemp("shared") / "clip.mp4", 1.5, "320x240")


def execution_of(local_aws, state_machine_arn: str, key: str, timeout: float = 60) -> dict:
    sfn, deadline = local_aws.client("stepfunctions"), time.monotonic() + timeout
    while time.monotonic() < deadline:
        for summary in sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]:
            described = sfn.describe_execution(executionArn=summary["executionArn"])
            if json.loads(described["input"]).get("key") == key:
                return described
        time.sleep(0.3)
    raise AssertionError(f"no execution started for {key}")


def messages(local_aws, url: str, timeout: float = 30) -> list[dict]:
    """The queue's messages (taken off it), waiting until at least one arrives."""
    sqs, deadline, found = local_aws.client("sqs"), time.monotonic() + timeout, []
    while not found and time.monotonic() < deadline:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
    for message in found:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in found]


def test_both_workflows_run_from_uploads_to_the_shared_bucket(local_aws, shared, clip, tmp_path):
    _, outputs = shared
    media, fanout = outputs["media_convert"], outputs["sns_fanout"]
    assert media["source_bucket"] == fanout["source_bucket"] == outputs["bucket"]
    assert media["ffmpeg_layer_arn"] == fanout["ffmpeg_layer_arn"] == outputs["ffmpeg_layer_arn"]
    s3, tag = local_aws.client("s3"), uuid.uuid4().hex[:6]
    video_key, clip_key = f"videos/talk {tag}.mp4", f"clips/clip {tag}.mp4"
    s3.upload_file(str(clip), outputs["bucket"], video_key)
    s3.upload_file(str(clip), outputs["bucket"], clip_key)
    source = measure(clip)

    # media-convert: videos/ only (its rule), converted at 240p with the audio.
    started = execution_of(local_aws, media["state_machine_arn"], video_key)
    execution = wait_for_execution(local_aws, started["executionArn"], timeout=300)
    assert execution["status"] == "SUCCEEDED", execution
    stem = video_key.rsplit(".", 1)[0]
    converted = tmp_path / "converted.mp4"
    converted.write_bytes(
        wait_for_object(s3, media["output_bucket"], f"{media['output_prefix']}{stem}.mp4", 30)
    )
    got = measure(converted)
    assert (got["width"], got["height"]) == (320, 240)  # never upscaled past the source
    assert abs(got["duration"] - source["duration"]) <= source["frame"]
    assert got["frames"] == source["frames"] and got["audio_codec"] == "aac"

    # sns-fanout: clips/ only, its one 180p rendition.
    rendition = fanout["renditions"]["180p"]
    made = tmp_path / "180p.mp4"
    made.write_bytes(
        wait_for_object(
            s3, rendition["output_bucket"], f"{rendition['output_prefix']}{clip_key}", 120
        )
    )
    got = measure(made)
    assert (got["width"], got["height"]) == (240, 180)
    assert abs(got["duration"] - source["duration"]) <= source["frame"]

    # Neither picked up the other's upload.
    sfn = local_aws.client("stepfunctions")
    inputs = [
        json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])["key"]
        for e in sfn.list_executions(stateMachineArn=media["state_machine_arn"])["executions"]
    ]
    assert clip_key not in inputs
    missing = s3.list_objects_v2(Bucket=rendition["output_bucket"], Prefix="videos/")
    assert missing["KeyCount"] == 0


def test_the_owners_notification_and_rule_still_fire(local_aws, shared):
    _, outputs = shared
    s3, tag = local_aws.client("s3"), uuid.uuid4().hex[:6]
    s3.put_object(Bucket=outputs["bucket"], Key=f"reports/{tag}.csv", Body=b"a,b\n")
    s3.put_object(Bucket=outputs["bucket"], Key=f"audit/{tag}.log", Body=b"entry\n")

    # S3 also sent the queue an s3:TestEvent when the configuration was put (S3 User Guide,
    # "Event message structure"): the upload's is the one with Records.
    [notification] = [
        m for m in messages(local_aws, outputs["reports_queue_url"]) if "Records" in m
    ]
    [record] = notification["Records"]
    assert unquote_plus(record["s3"]["object"]["key"]) == f"reports/{tag}.csv"
    [event] = messages(local_aws, outputs["audit_queue_url"])
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["object"]["key"] == f"audit/{tag}.log"


def test_second_plan_shows_no_changes(shared):
    """Nothing owns the bucket's notification configuration but its owner: no ping-pong."""
    root, _ = shared
    changes = root.plan_changes()
    assert changes is None, changes[changes.find("Terraform will perform") :]
