"""sns-fanout end to end on the local AWS: terraform applies the module; uploads go through the
publisher, the topic and one queue per rendition to the transcoders; outputs are measured."""

from __future__ import annotations

import json
import time
import uuid

import load_suite
import pytest
from sample_media import make_video, measure
from workflow_runs import wait_for_object

from tests.support.dead_letters import assert_failed_event_is_dead_lettered

pytestmark = pytest.mark.e2e

HEIGHTS = {"240p": 240, "360p": 360}


@pytest.fixture(scope="module")
def fanout(deployments):
    """The root applied (tests/support/deployments.py applies every root at once)."""
    root, outputs = deployments.wait("sns_fanout")
    yield root, outputs["sns_fanout"]
    deployments.release("sns_fanout")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("fanout") / "clip.mp4", 2, "640x360")


def rendition_object(local_aws, outputs: dict, name: str, key: str, timeout: float = 120) -> bytes:
    rendition = outputs["renditions"][name]
    return wait_for_object(
        local_aws.client("s3"),
        rendition["output_bucket"],
        f"{rendition['output_prefix']}{key}",
        timeout,
    )


def dead_letters(local_aws, outputs: dict, name: str, wait: float) -> list[dict]:
    """Takes the messages off the rendition's dead-letter queue (so later tests see only theirs)."""
    sqs = local_aws.client("sqs")
    url = outputs["renditions"][name]["dead_letter_url"]
    deadline, found = time.time() + wait, []
    while time.time() < deadline and not found:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
    for message in found:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in found]


def test_upload_gives_every_rendition_at_its_height(local_aws, fanout, clip, tmp_path):
    _, outputs = fanout
    key = f"uploads/clip {uuid.uuid4().hex[:4]} ü.mp4"
    local_aws.client("s3").upload_file(str(clip), outputs["input_bucket"], key)
    source = measure(clip)
    for name, height in HEIGHTS.items():
        path = tmp_path / f"{name}.mp4"
        path.write_bytes(rendition_object(local_aws, outputs, name, key))
        result = measure(path)
        assert result["height"] == min(height, source["height"])
        assert result["width"] == round(640 * result["height"] / 360 / 2) * 2
        assert abs(result["duration"] - source["duration"]) <= source["frame"]
        assert result["audio_codec"] == "aac"


def test_other_suffixes_are_ignored(local_aws, fanout, clip):
    _, outputs = fanout
    s3 = local_aws.client("s3")
    publisher = outputs["publisher_function_name"]
    before = len(local_aws.invocations(publisher))
    s3.put_object(Bucket=outputs["input_bucket"], Key="notes.txt", Body=b"hello")
    # An .mp4 upload after it: once its publication is seen, the .txt had its chance too.
    marker = f"marker-{uuid.uuid4().hex[:6]}.mp4"
    s3.upload_file(str(clip), outputs["input_bucket"], marker)
    rendition_object(local_aws, outputs, "240p", marker)
    assert len(local_aws.invocations(publisher)) == before + 1


def test_corrupt_upload_lands_in_both_dead_letter_queues(local_aws, fanout, clip):
    _, outputs = fanout
    whole = clip.read_bytes()
    key = f"broken-{uuid.uuid4().hex[:6]}.mp4"
    local_aws.client("s3").put_object(
        Bucket=outputs["input_bucket"], Key=key, Body=whole[: len(whole) // 3]
    )
    for name in HEIGHTS:
        letters = dead_letters(local_aws, outputs, name, wait=150)
        assert [m["key"] for m in letters] == [key]
        rendition = outputs["renditions"][name]
        listing = local_aws.client("s3").list_objects_v2(
            Bucket=rendition["output_bucket"], Prefix=f"{rendition['output_prefix']}{key}"
        )
        assert listing.get("KeyCount", 0) == 0


def test_an_event_the_publisher_fails_on_is_kept(local_aws, fanout):
    _, outputs = fanout
    assert_failed_event_is_dead_lettered(
        local_aws, outputs["publisher_function_name"], outputs["publisher_dead_letter_queue_url"]
    )


def test_transient_failure_is_redelivered_and_succeeds(local_aws, fanout, clip):
    _, outputs = fanout
    function = outputs["renditions"]["240p"]["function_name"]
    local_aws.inject_fault(function, count=1, error_type="Sandbox.Timedout", timeout=True)
    key = f"retry-{uuid.uuid4().hex[:6]}.mp4"
    local_aws.client("s3").upload_file(str(clip), outputs["input_bucket"], key)
    rendition_object(local_aws, outputs, "240p", key, timeout=150)
    attempts = [i for i in local_aws.invocations(function) if i["injected"]]
    assert attempts, "the injected fault was not used"


def test_a_burst_of_twenty_uploads_is_accounted_for(local_aws, fanout, clip):
    """make load's burst (scripts/load_suite.py) at its default size: every upload gives every
    rendition, from that upload, once; and the functions kept within the sandbox cap."""
    _, outputs = fanout
    tallies = load_suite.fanout_burst(local_aws, outputs, clip, 20, uuid.uuid4().hex[:6], 300)
    assert all(t.ok and t.outputs == 20 for t in tallies), load_suite.table(tallies)
    assert not any(t.dead_letters for t in tallies), load_suite.table(tallies)
    within_cap, workers = load_suite.worker_check(local_aws)
    assert within_cap, workers
