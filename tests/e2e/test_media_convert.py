"""media-convert end to end on the local AWS: terraform applies the module (once per encoding
backend), an upload starts the state machine, the real functions split, encode (in Lambda, or as
MediaConvert jobs the local AWS runs with ffmpeg) and merge, and the outputs are measured."""

from __future__ import annotations

import io
import json
import time
import uuid

import load_suite
import pytest
from PIL import Image
from sample_media import (
    audio_md5,
    audio_stream,
    keyframe_times,
    make_vfr_video,
    make_video,
    measure,
)
from workflow_runs import wait_for_execution

from tests.support.alarms import AlarmInbox
from tests.support.asl_checks import assert_deployed_definition_is_sound
from tests.support.dead_letters import assert_failed_event_is_dead_lettered

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(deployments):
    """The root applied (tests/support/deployments.py applies every root at once)."""
    yield deployments.wait("media_convert")
    deployments.release("media_convert")


@pytest.fixture(scope="module")
def workflow(deployed):
    """The workflow on the ffmpeg backend."""
    root, outputs = deployed
    return root, outputs["media_convert"]


@pytest.fixture(scope="module")
def mediaconvert_workflow(deployed):
    """The same workflow on the MediaConvert backend."""
    root, outputs = deployed
    return root, outputs["media_convert_mediaconvert"]


@pytest.fixture(scope="module")
def distributed_workflow(deployed):
    """The ffmpeg backend with a Distributed Map: a child execution per part."""
    root, outputs = deployed
    return root, outputs["media_convert_distributed"]


def executions_for(local_aws, outputs: dict, key: str, timeout: float = 60) -> list[dict]:
    """Executions whose input names this key (the start function runs asynchronously)."""
    sfn = local_aws.client("stepfunctions")
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = []
        for summary in sfn.list_executions(stateMachineArn=outputs["state_machine_arn"])[
            "executions"
        ]:
            described = sfn.describe_execution(executionArn=summary["executionArn"])
            if json.loads(described["input"]).get("key") == key:
                found.append(described)
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no execution started for {key}")


def upload_and_wait(local_aws, outputs: dict, path, key: str) -> dict:
    local_aws.client("s3").upload_file(str(path), outputs["source_bucket"], key)
    (execution,) = executions_for(local_aws, outputs, key)
    return wait_for_execution(local_aws, execution["executionArn"], timeout=600)


def output_key(outputs: dict, key: str, extension: str) -> str:
    stem = key.removeprefix(outputs["source_prefix"]).rsplit(".", 1)[0]
    return f"{outputs['output_prefix']}{outputs['source_prefix']}{stem}{extension}"


@pytest.mark.parametrize(
    ("seconds", "audio", "size"),
    [(7, "aac", (1920, 1080)), (5, None, (640, 360)), (1.5, "aac", (320, 240))],
    ids=["1080p-audio-4-parts", "no-audio", "shorter-than-a-segment"],
)
def test_upload_is_converted_exactly(local_aws, workflow, tmp_path, seconds, audio, size):
    _, outputs = workflow
    assert_converted_exactly(local_aws, outputs, tmp_path, seconds, audio, size)


@pytest.mark.parametrize(
    ("seconds", "audio", "size"),
    [(7, "aac", (1920, 1080)), (1.5, None, (320, 240))],
    ids=["1080p-audio-4-parts", "no-audio-one-part"],
)
def test_mediaconvert_backend_converts_exactly(
    local_aws, mediaconvert_workflow, tmp_path, seconds, audio, size
):
    _, outputs = mediaconvert_workflow
    execution = assert_converted_exactly(local_aws, outputs, tmp_path, seconds, audio, size)
    # Every part went through a MediaConvert job (createJob.sync), one per Map iteration.
    events = local_aws.client("stepfunctions").get_execution_history(
        executionArn=execution["executionArn"], maxResults=1000
    )["events"]
    jobs = [
        e
        for e in events
        if e["type"] == "TaskSucceeded"
        and e["taskSucceededEventDetails"]["resourceType"] == "mediaconvert"
    ]
    iterations = [e for e in events if e["type"] == "MapIterationSucceeded"]
    assert len(jobs) == len(iterations) >= 1
    assert all(
        json.loads(e["taskSucceededEventDetails"]["output"])["Job"]["Status"] == "COMPLETE"
        for e in jobs
    )


def test_distributed_map_encodes_each_part_in_a_child_execution(
    local_aws, distributed_workflow, tmp_path
):
    """A 7 s clip at SegmentDuration 2 is 4 parts and the audio item, run as 5 STANDARD child
    executions of the Map Run, 2 at a time (map_max_concurrency), and merged frame-exactly."""
    _, outputs = distributed_workflow
    execution = assert_converted_exactly(local_aws, outputs, tmp_path, 7, "aac", (640, 360))
    sfn = local_aws.client("stepfunctions")
    (run,) = sfn.list_map_runs(executionArn=execution["executionArn"])["mapRuns"]
    assert run["stateMachineArn"] == f"{outputs['state_machine_arn']}/Parts"
    described = sfn.describe_map_run(mapRunArn=run["mapRunArn"])
    assert described["status"] == "SUCCEEDED"
    assert described["maxConcurrency"] == 2
    assert described["executionCounts"]["succeeded"] == described["itemCounts"]["total"] == 5
    children = sfn.list_executions(mapRunArn=run["mapRunArn"])["executions"]
    assert len(children) == 5 and {c["status"] for c in children} == {"SUCCEEDED"}
    # Never more than two at once: each child started after all but one earlier start ended.
    spans = sorted((c["startDate"], c["stopDate"]) for c in children)
    for index, (start, _) in enumerate(spans):
        assert sum(1 for s, e in spans[:index] if e > start) <= 1


def assert_converted_exactly(local_aws, outputs, tmp_path, seconds, audio, size) -> dict:
    """Upload a generated clip; the execution succeeds and its MP4 matches the source: duration
    within a frame, every frame at its source time, the source audio whole; the thumbnail is a
    JPEG of the configured width."""
    source = make_video(tmp_path / "in.mp4", seconds, f"{size[0]}x{size[1]}", audio=audio)
    key = f"{outputs['source_prefix']}clip {uuid.uuid4().hex[:4]} ünï.mp4"
    execution = upload_and_wait(local_aws, outputs, source, key)
    assert execution["status"] == "SUCCEEDED", execution

    s3 = local_aws.client("s3")
    result = tmp_path / "out.mp4"
    s3.download_file(outputs["output_bucket"], output_key(outputs, key, ".mp4"), str(result))
    expected, got = measure(source), measure(result)
    frame = expected["frame"]
    assert abs(got["duration"] - expected["duration"]) <= frame
    assert got["frames"] == expected["frames"]
    # No frame moved at any join: each within half a frame of its source time.
    assert (
        max(abs(a - b) for a, b in zip(got["frame_times"], expected["frame_times"], strict=True))
        < frame / 2
    )
    assert got["height"] == min(360, size[1])
    assert got["width"] == round(size[0] * got["height"] / size[1] / 2) * 2
    assert got["video_codec"] == "h264"
    if audio:
        assert got["audio_codec"] == "aac"
        assert abs(got["audio_duration"] - expected["audio_duration"]) <= frame
        # Continuous: every audio packet of the source, none added or lost at the joins.
        assert audio_stream(result)["nb_frames"] == audio_stream(source)["nb_frames"]
        assert audio_md5(result) == audio_md5(source)  # bit-identical
    else:
        assert got["audio_codec"] is None

    thumbnail = s3.get_object(
        Bucket=outputs["output_bucket"], Key=output_key(outputs, key, ".jpg")
    )["Body"].read()
    image = Image.open(io.BytesIO(thumbnail))
    assert image.format == "JPEG"
    assert image.width == 160
    return execution


def split_output(local_aws, execution: dict) -> dict:
    """What SplitVideoFile returned (its parts), from the execution's history."""
    events = local_aws.client("stepfunctions").get_execution_history(
        executionArn=execution["executionArn"], maxResults=1000
    )["events"]
    (exited,) = [
        e
        for e in events
        if e["type"] == "TaskStateExited"
        and e["stateExitedEventDetails"]["name"] == "SplitVideoFile"
    ]
    return json.loads(exited["stateExitedEventDetails"]["output"])


@pytest.fixture(scope="module")
def single_keyframe_source(tmp_path_factory):
    """12 s of 1080p30 with audio and one keyframe, made once for both backends."""
    source = make_video(
        tmp_path_factory.mktemp("one-keyframe") / "one-keyframe.mp4", 12, "1920x1080", gop=None
    )
    assert keyframe_times(source) == [0.0]
    return source


@pytest.fixture(scope="module")
def vfr_source(tmp_path_factory):
    """4 s, 30 fps then 15 fps (sample_media.make_vfr_video), one keyframe, with audio."""
    return make_vfr_video(tmp_path_factory.mktemp("vfr") / "vfr.mp4", 4, gop=None)


@pytest.mark.parametrize("backend", ["workflow", "mediaconvert_workflow"])
def test_a_single_keyframe_source_is_still_cut_every_segment(
    local_aws, request, tmp_path, backend, single_keyframe_source
):
    """Issue 14's acceptance: 12 s of 1080p with audio and one keyframe, SegmentDuration 2 (the
    root's): six parts, each decoded from the keyframe at 0 and trimmed to its own frames
    (MediaConvert: an input clip), merged with exactly the source's frames at their times and
    its audio bit for bit. The test root encodes at a test-friendly preset (x264 ultrafast,
    MediaConvert SINGLE_PASS) to 360p. With ffmpeg, the encoders copy their chunk from the MP4
    upload and the audio is a seventh Map item."""
    _, outputs = request.getfixturevalue(backend)
    source = single_keyframe_source
    execution, result = convert(local_aws, outputs, source, tmp_path)
    items = split_output(local_aws, execution)["parts"]
    assert [item.get("audio", False) for item in items] == [False] * 6 + (
        [True] if backend == "workflow" else []
    )
    expected, got = measure(source), measure(result)
    assert got["frames"] == expected["frames"] == 360
    assert got["frame_times"] == pytest.approx(expected["frame_times"], abs=expected["frame"] / 2)
    assert audio_md5(result) == audio_md5(source)


def test_a_variable_frame_rate_source_keeps_every_frame_with_ffmpeg(
    local_aws, workflow, tmp_path, vfr_source
):
    """30 fps then 15 fps, one keyframe: the ffmpeg backend keeps every frame at its time."""
    _, outputs = workflow
    source = vfr_source
    _, result = convert(local_aws, outputs, source, tmp_path)
    expected, got = measure(source), measure(result)
    assert got["frames"] == expected["frames"] == 90
    assert got["frame_times"] == pytest.approx(expected["frame_times"], abs=1e-3)
    assert audio_md5(result) == audio_md5(source)


def test_a_variable_frame_rate_source_is_retimed_by_mediaconvert(
    local_aws, mediaconvert_workflow, tmp_path, vfr_source
):
    """MediaConvert makes variable-frame-rate input constant-rate, at the average rounded to
    its rates ("Using variable frame rate inputs"): 22.7 fps on average -> 24 fps, so about 96
    frames where the source has 90, which the merge accepts for such a source only."""
    _, outputs = mediaconvert_workflow
    source = vfr_source
    _, result = convert(local_aws, outputs, source, tmp_path)
    got = measure(result)
    assert got["fps"] == "24/1"
    assert abs(got["frames"] - 96) <= 2  # a frame either way at each of the 2 parts' ends
    assert abs(got["duration"] - measure(source)["duration"]) <= 1 / 24 + 1 / 22.5
    assert audio_md5(result) == audio_md5(source)


def convert(local_aws, outputs: dict, source, tmp_path) -> tuple[dict, object]:
    """Upload `source`, wait for the execution to succeed: the execution and its MP4."""
    key = f"{outputs['source_prefix']}{source.stem}-{uuid.uuid4().hex[:6]}.mp4"
    execution = upload_and_wait(local_aws, outputs, source, key)
    assert execution["status"] == "SUCCEEDED", (execution.get("error"), execution.get("cause"))
    result = tmp_path / "out.mp4"
    local_aws.client("s3").download_file(
        outputs["output_bucket"], output_key(outputs, key, ".mp4"), str(result)
    )
    return execution, result


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "EmptyInputError"),
        (b"this is not a video at all\n" * 100, "NotAVideoError"),
    ],
    ids=["zero-bytes", "text-named-mp4"],
)
def test_bad_input_fails_with_a_named_error_and_no_output(
    local_aws, workflow, tmp_path, content, error
):
    _, outputs = workflow
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    key = f"{outputs['source_prefix']}bad-{uuid.uuid4().hex[:6]}.mp4"
    execution = upload_and_wait(local_aws, outputs, path, key)
    assert execution["status"] == "FAILED"
    assert execution["error"] == error
    assert execution["cause"]
    assert_no_output(local_aws, outputs, key)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda path: path.write_bytes(b"this is not a video at all\n" * 100), "NotAVideoError"),
        # MediaConvert's outputs are at least 32 pixels high: the job cannot be built.
        (lambda path: make_video(path, 1, "640x16", audio=None), "JobSettingsError"),
    ],
    ids=["text-named-mp4", "too-flat-for-mediaconvert"],
)
def test_mediaconvert_backend_bad_input_fails_with_a_named_error(
    local_aws, mediaconvert_workflow, tmp_path, make, error
):
    _, outputs = mediaconvert_workflow
    path = tmp_path / "bad.mp4"
    make(path)
    key = f"{outputs['source_prefix']}bad-{uuid.uuid4().hex[:6]}.mp4"
    execution = upload_and_wait(local_aws, outputs, path, key)
    assert execution["status"] == "FAILED"
    assert execution["error"] == error
    assert execution["cause"]
    assert_no_output(local_aws, outputs, key)


def test_truncated_video_fails_as_corrupt(local_aws, workflow, tmp_path):
    _, outputs = workflow
    whole = make_video(tmp_path / "whole.mp4", 4).read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(whole[: len(whole) // 2])
    key = f"{outputs['source_prefix']}truncated-{uuid.uuid4().hex[:6]}.mp4"
    execution = upload_and_wait(local_aws, outputs, path, key)
    assert execution["status"] == "FAILED"
    assert execution["error"] == "CorruptInputError"
    assert_no_output(local_aws, outputs, key)


def assert_no_output(local_aws, outputs: dict, key: str) -> None:
    s3 = local_aws.client("s3")
    listing = s3.list_objects_v2(
        Bucket=outputs["output_bucket"], Prefix=output_key(outputs, key, "")
    )
    assert listing.get("KeyCount", 0) == 0
    jobs = s3.list_objects_v2(Bucket=outputs["work_bucket"], Prefix="jobs/")
    leftover = [o["Key"] for o in jobs.get("Contents", [])]
    assert not leftover, f"intermediate files left behind: {leftover}"


def test_duplicate_event_starts_one_execution(local_aws, workflow, tmp_path):
    _, outputs = workflow
    source = make_video(tmp_path / "dup.mp4", 1)
    key = f"{outputs['source_prefix']}dup-{uuid.uuid4().hex[:6]}.mp4"
    s3 = local_aws.client("s3")
    s3.upload_file(str(source), outputs["source_bucket"], key)
    (first,) = executions_for(local_aws, outputs, key)
    # S3 delivers events at least once: replay the same event to the start function.
    head = s3.head_object(Bucket=outputs["source_bucket"], Key=key)
    event = {
        "Records": [
            {
                "s3": {
                    "bucket": {"name": outputs["source_bucket"]},
                    "object": {
                        "key": key.replace(" ", "+"),
                        "size": head["ContentLength"],
                        "eTag": head["ETag"].strip('"'),
                    },
                }
            }
        ]
    }
    response = local_aws.client("lambda").invoke(
        FunctionName=outputs["function_names"]["start"], Payload=json.dumps(event)
    )
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["duplicates"] == 1
    wait_for_execution(local_aws, first["executionArn"], timeout=300)
    assert len(executions_for(local_aws, outputs, key)) == 1


def test_an_event_the_start_function_fails_on_is_kept(local_aws, workflow):
    _, outputs = workflow
    assert_failed_event_is_dead_lettered(
        local_aws, outputs["function_names"]["start"], outputs["start_dead_letter_queue_url"]
    )


def test_deployed_state_machines_are_valid_and_every_task_retries(
    local_aws, workflow, mediaconvert_workflow, distributed_workflow
):
    for _, outputs in (workflow, mediaconvert_workflow, distributed_workflow):
        assert_deployed_definition_is_sound(local_aws, outputs["state_machine_arn"])


def test_a_burst_of_uploads_is_accounted_for(local_aws, workflow, tmp_path):
    """make load's burst (scripts/load_suite.py) at a small size: two clips and a file that is
    not a video at once; the clips converted once each, the other a failed execution."""
    _, outputs = workflow
    clip = make_video(tmp_path / "clip.mp4", 2, "320x180")
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video\n" * 50)
    tally = load_suite.media_burst(local_aws, outputs, clip, bad, 2, uuid.uuid4().hex[:6], 300)
    assert tally.ok and tally.outputs == 2, load_suite.table([tally])
    [(key, reason)] = tally.dead_letters.items()
    assert key.endswith("not-a-video.mp4") and reason.startswith("NotAVideoError"), reason
    within_cap, workers = load_suite.worker_check(local_aws)
    assert within_cap, workers


def test_a_failed_execution_raises_the_alarm_and_is_restarted_to_completion(
    local_aws, workflow, tmp_path
):
    """The split function fails with an error no Retry absorbs: the execution cleans up and
    fails (ConversionFailed), the ExecutionsFailed alarm notifies the module's topic. Once fixed,
    scripts/redrive.py starts it anew with its input (--restart: a redrive would resume at the
    Fail state) and the upload is converted. Earlier tests fail executions too: the alarm is set
    back to OK first (SetAlarmState), so that it changes, and notifies, again."""
    import redrive

    _, outputs = workflow
    alarm = outputs["alarm_names"]["main-executions-failed"]
    inbox = AlarmInbox(local_aws, outputs["alarm_topic_arn"])
    local_aws.client("cloudwatch").set_alarm_state(
        AlarmName=alarm, StateValue="OK", StateReason="the test starts from OK"
    )
    local_aws.inject_fault(outputs["function_names"]["split"], count=1, error_type="RuntimeError")
    key = f"{outputs['source_prefix']}alarm-{uuid.uuid4().hex[:6]}.mp4"
    failed = upload_and_wait(local_aws, outputs, make_video(tmp_path / "a.mp4", 2, "320x240"), key)
    assert (failed["status"], failed["error"]) == ("FAILED", "RuntimeError"), failed

    notice = inbox.wait(alarm, "ALARM")
    assert notice["Trigger"]["MetricName"] == "ExecutionsFailed"

    lines: list[str] = []
    arguments = ["executions", "--state-machine", outputs["state_machine_arn"], "--restart"]
    arguments += ["--execution", failed["executionArn"], "--wait", "300"]
    assert redrive.main(arguments, client_factory=local_aws.client, out=lines.append) == 0, lines
    assert lines[-1].startswith("SUCCEEDED"), lines
    s3 = local_aws.client("s3")
    assert s3.head_object(Bucket=outputs["output_bucket"], Key=output_key(outputs, key, ".mp4"))
