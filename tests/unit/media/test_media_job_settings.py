"""The MediaConvert backend's functions: PrepareMediaConvertJob fills the module's job template in
per part, checked against botocore's MediaConvert model (the request Step Functions sends to
CreateJob); the merge publishes the frame capture as the thumbnail."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import boto3
import pytest
from botocore.stub import Stubber
from lambda_common.errors import ConfigurationError
from media_common import job_keys
from media_common.errors import JobSettingsError, MergeVerificationError
from media_common.manifest import Manifest, Part, write_manifest
from media_common.settings import JobConfig, MergeConfig
from media_job.handler import prepare
from media_job.settings import build_job, timecode
from media_merge.handler import publish_frame_capture
from media_testlib import OUTPUT_BUCKET, WORK_BUCKET

from tests.support.templates import INLINE_MAP, MEDIA_CONVERT, mediaconvert_job_template, render

PREFIX = job_keys.job_prefix("jobs/", "0123456789abcdef")


def manifest(width=1920, height=1080, durations=(2.0, 2.0, 1.5), sar="1:1", rotation=0):
    parts = tuple(
        Part(
            i,
            job_keys.part_key(PREFIX, i),
            duration,
            round(duration * 30),
            job_keys.part_key(PREFIX, i),
        )
        for i, duration in enumerate(durations)
    )
    return Manifest(
        job_id="0123456789abcdef",
        source_bucket="uploads",
        source_key="incoming/clip.mp4",
        source_etag="etag",
        duration=sum(durations),
        fps="30",
        frames=sum(part.frames for part in parts),
        width=width,
        height=height,
        sar=sar,
        rotation=rotation,
        has_audio=True,
        audio_key=job_keys.audio_key(PREFIX),
        video_offset=0.0,
        audio_offset=0.0,
        output_key="converted/incoming/clip.mp4",
        thumbnail_key="converted/incoming/clip.jpg",
        parts=parts,
    )


def build(index=0, source=None, height=360, thumbnail=160):
    source = source or manifest()
    return build_job(
        mediaconvert_job_template(), source, source.parts[index], WORK_BUCKET, height, thumbnail
    )


def groups(job):
    return {group["Name"]: group for group in job["Settings"]["OutputGroups"]}


def accepted_by_create_job(job: dict) -> None:
    """botocore's Stubber checks the parameters against the real MediaConvert model."""
    client = boto3.client("mediaconvert", region_name="us-east-1")
    with Stubber(client) as stubber:
        response = {"Job": {"Id": "1", "Role": job["Role"], "Settings": job["Settings"]}}
        stubber.add_response("create_job", response, job)
        client.create_job(**job)


def test_first_part_encodes_to_its_encoded_key_and_captures_the_thumbnail():
    job = build(0)
    accepted_by_create_job(job)
    assert (
        job["Settings"]["Inputs"][0]["FileInput"] == f"s3://{WORK_BUCKET}/{PREFIX}parts/00000.mp4"
    )
    part = groups(job)["Part"]
    destination = part["OutputGroupSettings"]["FileGroupSettings"]["Destination"]
    # MediaConvert appends the extension (mp4): the file lands on the encoded part's key.
    assert destination == f"s3://{WORK_BUCKET}/{PREFIX}encoded/00000"
    video = part["Outputs"][0]["VideoDescription"]
    assert (video["Width"], video["Height"]) == (640, 360)
    h264 = video["CodecSettings"]["H264Settings"]
    assert h264["RateControlMode"] == "QVBR"
    assert (h264["QvbrSettings"]["QvbrQualityLevel"], h264["MaxBitrate"]) == (7, 5000000)
    assert "AudioDescriptions" not in part["Outputs"][0]  # audio is muxed once, at the merge

    thumbnail = groups(job)["Thumbnail"]
    destination = thumbnail["OutputGroupSettings"]["FileGroupSettings"]["Destination"]
    assert destination == f"s3://{WORK_BUCKET}/{PREFIX}thumbnail/frame"
    video = thumbnail["Outputs"][0]["VideoDescription"]
    assert (video["Width"], video["Height"]) == (160, 90)
    capture = video["CodecSettings"]["FrameCaptureSettings"]
    assert capture["MaxCaptures"] / capture["FramerateNumerator"] * capture[
        "FramerateDenominator"
    ] == pytest.approx(1.0)  # frames at 0 and 0.5 s: the last one is the thumbnail
    assert job["UserMetadata"] == {"workflow": "mc-test", "jobId": "0123456789abcdef", "part": "0"}


def test_later_parts_only_encode():
    job = build(2)
    accepted_by_create_job(job)
    assert set(groups(job)) == {"Part"}
    assert job["UserMetadata"]["part"] == "2"
    assert job["Settings"]["Inputs"][0]["FileInput"].endswith("parts/00002.mp4")


def single_keyframe(fps="30", vfr=False) -> Manifest:
    """12 s with one keyframe at SegmentDuration 2: six parts, all decoded from chunk 0."""
    rate = float(Fraction(fps))
    chunk = job_keys.part_key(PREFIX, 0)
    parts = tuple(
        Part(
            i,
            job_keys.part_key(PREFIX, i),
            2.0,
            round(2 * rate),
            chunk,
            round(2 * rate) * i,
            2.0 * i,
        )
        for i in range(6)
    )
    return replace(manifest(), parts=parts, fps=fps, variable_frame_rate=vfr)


def test_parts_sharing_a_chunk_read_it_and_keep_their_own_frames():
    """ZEROBASED timecodes of the chunk: part 1 is frames 60 to 119, both included."""
    source = single_keyframe()
    first, second = build(0, source), build(1, source)
    for job in (first, second):
        accepted_by_create_job(job)
        assert job["Settings"]["Inputs"][0]["FileInput"].endswith("parts/00000.mp4")
        assert job["Settings"]["Inputs"][0]["TimecodeSource"] == "ZEROBASED"
    assert first["Settings"]["Inputs"][0]["InputClippings"] == [
        {"StartTimecode": "00:00:00:00", "EndTimecode": "00:00:01:29"}
    ]
    assert second["Settings"]["Inputs"][0]["InputClippings"] == [
        {"StartTimecode": "00:00:02:00", "EndTimecode": "00:00:03:29"}
    ]
    assert groups(second)["Part"]["OutputGroupSettings"]["FileGroupSettings"][
        "Destination"
    ].endswith("encoded/00001")
    assert "InputClippings" not in build(1)["Settings"]["Inputs"][0]  # a chunk of its own


@pytest.mark.parametrize(
    ("fps", "vfr", "clip"),
    [
        # 29.97 fps: timecode seconds of 30 frames (non-drop-frame), counted frame by frame.
        ("30000/1001", False, {"StartTimecode": "00:00:02:00", "EndTimecode": "00:00:03:29"}),
        # Variable: MediaConvert reads it at 24 fps (average 22.7), the clip placed by time.
        ("2700/119", True, {"StartTimecode": "00:00:02:00", "EndTimecode": "00:00:03:23"}),
    ],
)
def test_input_clips_count_frames_at_the_rate_mediaconvert_reads(fps, vfr, clip):
    job = build(1, single_keyframe(fps, vfr))
    assert job["Settings"]["Inputs"][0]["InputClippings"] == [clip]


def test_timecodes():
    assert timecode(0, 30) == "00:00:00:00"
    assert timecode(30 * 3661 + 7, 30) == "01:01:01:07"
    assert timecode(59, 60) == "00:00:00:59"


def test_a_first_part_shorter_than_the_capture_interval_captures_one_frame():
    job = build(0, manifest(durations=(0.4,)))
    video = groups(job)["Thumbnail"]["Outputs"][0]["VideoDescription"]
    assert video["CodecSettings"]["FrameCaptureSettings"]["MaxCaptures"] == 1


@pytest.mark.parametrize(
    ("source", "size"),
    [
        (manifest(320, 240), (320, 240)),  # never upscaled
        (manifest(720, 576, sar="16:15"), (480, 360)),  # anamorphic: square pixels out
        (manifest(1920, 1080, rotation=90), (202, 360)),  # displayed upright
    ],
    ids=["small", "anamorphic", "rotated"],
)
def test_output_size_is_the_ffmpeg_backends(source, size):
    video = groups(build(0, source))["Part"]["Outputs"][0]["VideoDescription"]
    assert (video["Width"], video["Height"]) == size


def test_an_output_below_mediaconverts_minimum_is_a_named_error():
    with pytest.raises(JobSettingsError, match="Height"):
        build(0, manifest(640, 16))


def test_a_template_without_the_expected_groups_is_refused():
    template = mediaconvert_job_template()
    template["Settings"]["OutputGroups"].pop()
    source = manifest()
    with pytest.raises(JobSettingsError, match="Thumbnail"):
        build_job(template, source, source.parts[0], WORK_BUCKET, 360, 160)


def test_the_state_machine_passes_on_every_field_of_the_template():
    asl = json.loads(
        render(
            MEDIA_CONVERT / "item_processor.mediaconvert.asl.json",
            prepare_function_arn="arn:aws:lambda:us-east-1:123456789012:function:prepare",
            job_template=json.dumps(mediaconvert_job_template()),
            processor_config=INLINE_MAP,
        )
    )
    parameters = asl["States"]["ParallelMediaConvert"]["Parameters"]
    assert {name.removesuffix(".$") for name in parameters} == set(mediaconvert_job_template())


def test_handler_reads_the_manifest_and_returns_the_job_and_the_parts_data(s3, env):
    source = manifest()
    key = job_keys.manifest_key(PREFIX)
    write_manifest(s3, WORK_BUCKET, key, source)
    event = {
        "bucket": WORK_BUCKET,
        "part": {"index": 1, "key": source.parts[1].key},
        "manifest": key,
        "template": mediaconvert_job_template(),
    }
    result = prepare(event, JobConfig.from_env(), s3)
    assert result["data"] == {
        "encodedPart": f"{PREFIX}encoded/00001.mp4",
        "originalFileName": "incoming/clip.mp4",
        "bucket": WORK_BUCKET,
        "manifest": key,
    }
    accepted_by_create_job(result["job"])


def test_config_refuses_a_thumbnail_narrower_than_mediaconvert_allows(env):
    with pytest.raises(ConfigurationError, match="THUMBNAIL_WIDTH"):
        JobConfig.from_env({**env, "THUMBNAIL_WIDTH": "16"})


def test_merge_publishes_the_last_frame_capture_as_the_thumbnail(s3):
    for n, body in enumerate([b"at 0 s", b"at 0.5 s"]):
        s3.put_object(Bucket=WORK_BUCKET, Key=f"{PREFIX}thumbnail/frame.{n:07d}.jpg", Body=body)
    publish_frame_capture(s3, WORK_BUCKET, PREFIX, OUTPUT_BUCKET, "converted/clip.jpg")
    published = s3.get_object(Bucket=OUTPUT_BUCKET, Key="converted/clip.jpg")
    assert (published["Body"].read(), published["ContentType"]) == (b"at 0.5 s", "image/jpeg")


def test_merge_without_a_frame_capture_is_a_named_error(s3):
    with pytest.raises(MergeVerificationError, match="no thumbnail"):
        publish_frame_capture(s3, WORK_BUCKET, PREFIX, OUTPUT_BUCKET, "converted/clip.jpg")


def test_merge_config_names_the_backend(env):
    assert MergeConfig.from_env({**env, "TRANSCODER": "mediaconvert"}).transcoder == "mediaconvert"
    assert MergeConfig.from_env(env).transcoder == "ffmpeg"
    with pytest.raises(ConfigurationError, match="TRANSCODER"):
        MergeConfig.from_env({**env, "TRANSCODER": "elastictranscoder"})
