"""The local MediaConvert (scripts/localaws/mediaconvert.py): its API on the local AWS, the jobs
it runs with ffmpeg against the local S3, and Step Functions' createJob.sync integration running
the media-convert module's own Map iteration."""

from __future__ import annotations

import io
import json
import time
import uuid
from fractions import Fraction
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from localaws.mediaconvert import (
    SUPPORTED,
    BadRequest,
    Timeline,
    check_request,
    frame_capture_command,
    output_key,
    rate_arguments,
    unsupported,
)
from media_common import job_keys
from media_common.manifest import Manifest, Part, write_manifest
from PIL import Image
from sample_media import ffmpeg, make_vfr_video, make_video, measure

from tests.conformance.sfn_harness import StepFunctions, machine
from tests.support.iam import service_role
from tests.support.templates import INLINE_MAP, MEDIA_CONVERT, mediaconvert_job_template, render

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/mediaconvert"


@pytest.fixture(scope="module", autouse=True)
def service_roles(local_aws):
    """ROLE as the services of these tests may assume it (allowed everything: the tests are
    about the service, IAM is tested in test_iam_enforcement.py)."""
    service_role(
        local_aws, ["mediaconvert.amazonaws.com", "states.amazonaws.com"], name=ROLE.split("/")[-1]
    )


def video_output(**h264) -> dict:
    return {
        "ContainerSettings": {"Container": "MP4"},
        "VideoDescription": {
            "Width": 320,
            "Height": 180,
            "ScalingBehavior": "STRETCH_TO_OUTPUT",
            "CodecSettings": {
                "Codec": "H_264",
                "H264Settings": h264
                or {
                    "RateControlMode": "QVBR",
                    "MaxBitrate": 2_000_000,
                    "QvbrSettings": {"QvbrQualityLevel": 7},
                },
            },
        },
    }


def settings(file_input: str, destination: str, *outputs: dict, groups: tuple = ()) -> dict:
    return {
        "Inputs": [
            {
                "FileInput": file_input,
                "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}},
            }
        ],
        "OutputGroups": [
            {
                "Name": "File",
                "OutputGroupSettings": {
                    "Type": "FILE_GROUP_SETTINGS",
                    "FileGroupSettings": {"Destination": destination},
                },
                "Outputs": list(outputs),
            },
            *groups,
        ],
    }


def wait_for_job(client, job_id: str) -> dict:
    while True:  # the session's pytest timeout bounds this
        job = client.get_job(Id=job_id)["Job"]
        if job["Status"] not in ("SUBMITTED", "PROGRESSING"):
            return job
        time.sleep(0.1)


@pytest.fixture(scope="module")
def bucket(local_aws):
    name = f"mc-{uuid.uuid4().hex[:8]}"
    local_aws.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def mediaconvert(local_aws):
    return local_aws.client("mediaconvert")


@pytest.fixture(scope="module")
def clip(local_aws, bucket, tmp_path_factory) -> tuple[str, dict]:
    """A 2 s 640x360 clip with AAC audio in the local S3: (s3 URL, its measures)."""
    path = make_video(tmp_path_factory.mktemp("mc") / "clip.mp4", 2, "640x360")
    local_aws.client("s3").upload_file(str(path), bucket, "in/clip.mp4")
    return f"s3://{bucket}/in/clip.mp4", measure(path)


def download(local_aws, bucket: str, key: str, path: Path) -> Path:
    local_aws.client("s3").download_file(bucket, key, str(path))
    return path


# --- the API ----------------------------------------------------------------------------------


def test_job_encodes_h264_aac_mp4_and_frame_captures(
    local_aws, mediaconvert, bucket, clip, tmp_path
):
    url, source = clip
    output = video_output()
    output["AudioDescriptions"] = [
        {
            "CodecSettings": {
                "Codec": "AAC",
                "AacSettings": {
                    "Bitrate": 96000,
                    "SampleRate": 48000,
                    "CodingMode": "CODING_MODE_2_0",
                },
            }
        }
    ]
    capture = {
        "Name": "Frames",
        "OutputGroupSettings": {
            "Type": "FILE_GROUP_SETTINGS",
            "FileGroupSettings": {"Destination": f"s3://{bucket}/frames/f"},
        },
        "Outputs": [
            {
                "ContainerSettings": {"Container": "RAW"},
                "VideoDescription": {
                    "Width": 160,
                    "Height": 90,
                    "CodecSettings": {
                        "Codec": "FRAME_CAPTURE",
                        "FrameCaptureSettings": {
                            "FramerateNumerator": 2,
                            "FramerateDenominator": 1,
                            "MaxCaptures": 3,
                            "Quality": 80,
                        },
                    },
                },
            }
        ],
    }
    created = mediaconvert.create_job(
        Role=ROLE,
        Settings=settings(url, f"s3://{bucket}/out/", output, groups=(capture,)),
        UserMetadata={"k": "v"},
    )["Job"]
    assert created["Status"] == "SUBMITTED"
    assert created["Arn"].endswith(f":jobs/{created['Id']}")
    job = wait_for_job(mediaconvert, created["Id"])
    assert job["Status"] == "COMPLETE", job.get("ErrorMessage")
    assert job["UserMetadata"] == {"k": "v"}
    assert job["Timing"]["SubmitTime"] <= job["Timing"]["StartTime"] <= job["Timing"]["FinishTime"]

    # The destination ends in "/": the input's base name, the container's extension.
    got = measure(download(local_aws, bucket, "out/clip.mp4", tmp_path / "out.mp4"))
    assert (got["width"], got["height"], got["video_codec"]) == (320, 180, "h264")
    assert got["frames"] == source["frames"]
    assert got["audio_codec"] == "aac"
    video_detail = job["OutputGroupDetails"][0]["OutputDetails"][0]
    assert video_detail["VideoDetails"] == {"WidthInPx": 320, "HeightInPx": 180}
    assert abs(video_detail["DurationInMs"] - source["duration"] * 1000) < 100

    # Frame captures at 0, 0.5 and 1 s, named <base name>.<7-digit counter>.jpg.
    listed = local_aws.client("s3").list_objects_v2(Bucket=bucket, Prefix="frames/")
    keys = [item["Key"] for item in listed["Contents"]]
    assert keys == [f"frames/f.{n:07d}.jpg" for n in range(3)]
    body = local_aws.client("s3").get_object(Bucket=bucket, Key=keys[0])
    assert body["ContentType"] == "image/jpeg"
    image = Image.open(io.BytesIO(body["Body"].read()))
    assert (image.format, image.size) == ("JPEG", (160, 90))


def test_name_modifier_and_letterboxing(local_aws, mediaconvert, bucket, clip, tmp_path):
    url, _ = clip
    output = video_output(RateControlMode="CBR", Bitrate=500_000)
    output["NameModifier"] = "_square"
    output["VideoDescription"].update(Width=240, Height=240, ScalingBehavior="DEFAULT")
    job_id = mediaconvert.create_job(
        Role=ROLE, Settings=settings(url, f"s3://{bucket}/boxed/name", output)
    )["Job"]["Id"]
    assert wait_for_job(mediaconvert, job_id)["Status"] == "COMPLETE"
    got = measure(download(local_aws, bucket, "boxed/name_square.mp4", tmp_path / "b.mp4"))
    assert (got["width"], got["height"], got["audio_codec"]) == (240, 240, None)


def test_missing_input_ends_the_job_in_error_1010(mediaconvert, bucket):
    url = f"s3://{bucket}/in/missing.mp4"
    job_id = mediaconvert.create_job(
        Role=ROLE, Settings=settings(url, f"s3://{bucket}/out/", video_output())
    )["Job"]["Id"]
    job = wait_for_job(mediaconvert, job_id)
    assert (job["Status"], job["ErrorCode"]) == ("ERROR", 1010)
    assert job["ErrorMessage"].startswith(f"Unable to open input file [{url}]")


def test_a_setting_not_implemented_is_refused_by_name(mediaconvert, bucket, clip):
    url, _ = clip
    output = video_output()
    output["VideoDescription"]["CodecSettings"]["H264Settings"]["GopSize"] = 48
    job_settings = settings(url, f"s3://{bucket}/out/", output)
    job_settings["Inputs"][0]["Crop"] = {"Height": 100, "Width": 100, "X": 0, "Y": 0}
    with pytest.raises(ClientError) as refused:
        mediaconvert.create_job(Role=ROLE, Settings=job_settings)
    error = refused.value.response["Error"]
    assert error["Code"] == "BadRequestException"
    assert "Settings.Inputs[0].Crop" in error["Message"]
    assert "H264Settings.GopSize" in error["Message"]


def test_an_invalid_request_is_refused_as_the_model_says(local_aws, bucket, clip):
    # Skip the SDK's own check to see the service's: MediaConvert validates against its model.
    client = boto3.client(
        "mediaconvert", config=Config(parameter_validation=False), **local_aws.client_kwargs()
    )
    output = video_output()
    output["VideoDescription"]["Width"] = 16
    with pytest.raises(ClientError) as refused:
        client.create_job(Role=ROLE, Settings=settings(clip[0], f"s3://{bucket}/o/", output))
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert "Width" in refused.value.response["Error"]["Message"]


def test_cancel_and_unknown_jobs(local_aws, mediaconvert, bucket, tmp_path):
    path = make_video(tmp_path / "long.mp4", 20, "1920x1080", audio=None)
    local_aws.client("s3").upload_file(str(path), bucket, "in/long.mp4")
    output = video_output()
    output["VideoDescription"]["CodecSettings"]["H264Settings"]["QualityTuningLevel"] = (
        "MULTI_PASS_HQ"
    )
    job_id = mediaconvert.create_job(
        Role=ROLE, Settings=settings(f"s3://{bucket}/in/long.mp4", f"s3://{bucket}/c/", output)
    )["Job"]["Id"]
    mediaconvert.cancel_job(Id=job_id)
    assert wait_for_job(mediaconvert, job_id)["Status"] == "CANCELED"
    with pytest.raises(ClientError) as again:
        mediaconvert.cancel_job(Id=job_id)
    assert again.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as missing:
        mediaconvert.get_job(Id="0000-nosuch")
    assert missing.value.response["Error"]["Code"] == "NotFoundException"


def test_create_job_is_idempotent_per_client_request_token(mediaconvert, bucket, clip):
    request = {
        "Role": ROLE,
        "ClientRequestToken": uuid.uuid4().hex,
        "Settings": settings(clip[0], f"s3://{bucket}/idem/", video_output()),
    }
    first = mediaconvert.create_job(**request)["Job"]["Id"]
    assert mediaconvert.create_job(**request)["Job"]["Id"] == first


def test_describe_endpoints_names_the_local_server(local_aws, mediaconvert):
    endpoints = mediaconvert.describe_endpoints()["Endpoints"]
    assert endpoints == [{"Url": local_aws.endpoint}]


def test_an_input_clip_keeps_its_first_and_last_frame(
    local_aws, mediaconvert, bucket, clip, tmp_path
):
    """ZEROBASED timecodes at 30 fps: 00:00:00:10 to 00:00:01:05 are frames 10 to 35, both
    kept (MediaConvert API reference, InputClipping), at their times from the first."""
    url, source = clip
    job_settings = settings(url, f"s3://{bucket}/clipped/", video_output())
    del job_settings["Inputs"][0]["AudioSelectors"]
    job_settings["Inputs"][0].update(
        TimecodeSource="ZEROBASED",
        InputClippings=[{"StartTimecode": "00:00:00:10", "EndTimecode": "00:00:01:05"}],
    )
    job = mediaconvert.create_job(Role=ROLE, Settings=job_settings)["Job"]
    assert wait_for_job(mediaconvert, job["Id"])["Status"] == "COMPLETE"
    got = measure(download(local_aws, bucket, "clipped/clip.mp4", tmp_path / "c.mp4"))
    assert got["frames"] == 26
    wanted = [t - source["frame_times"][10] for t in source["frame_times"][10:36]]
    assert got["frame_times"] == pytest.approx(wanted, abs=2e-6)


def test_a_variable_frame_rate_input_comes_out_at_a_constant_rate(
    local_aws, mediaconvert, bucket, tmp_path
):
    """30 fps then 15 fps over 4 s: 90 frames, 22.7 fps on average, so 24 fps out (the nearest
    of MediaConvert's rates for VFR input, "Using variable frame rate inputs"): 4 s of frames
    1/24 s apart (the last one's length rounds to 95 or 96), some repeated, some dropped."""
    path = make_vfr_video(tmp_path / "vfr.mp4", 4, audio=None)
    local_aws.client("s3").upload_file(str(path), bucket, "in/vfr.mp4")
    job_settings = settings(f"s3://{bucket}/in/vfr.mp4", f"s3://{bucket}/cfr/", video_output())
    del job_settings["Inputs"][0]["AudioSelectors"]
    job = mediaconvert.create_job(Role=ROLE, Settings=job_settings)["Job"]
    assert wait_for_job(mediaconvert, job["Id"])["Status"] == "COMPLETE"
    got = measure(download(local_aws, bucket, "cfr/vfr.mp4", tmp_path / "cfr.mp4"))
    assert measure(path)["frames"] == 90
    assert got["fps"] == "24/1" and abs(got["frames"] - 96) <= 1
    assert got["frame_times"] == pytest.approx([n / 24 for n in range(got["frames"])], abs=2e-6)


# --- pure parts -------------------------------------------------------------------------------


def test_timeline_of_a_constant_rate_input_only_clips():
    times = list(range(0, 3003 * 60, 3003))  # 29.97 fps in 1/90000 s ticks
    clip = {"InputClippings": [{"StartTimecode": "00:00:01:00", "EndTimecode": "00:00:01:29"}]}
    timeline = Timeline.of(times, Fraction(1, 90000), clip)
    assert not timeline.retimed and round(timeline.rate) == 30
    assert timeline.clip == (30, 59)  # non-drop-frame: 30 frames a timecode second
    assert timeline.filters() == ["trim=start_frame=30:end_frame=60", "setpts=PTS-STARTPTS"]
    assert Timeline.of(times, Fraction(1, 90000), {}).filters() == []


def test_timeline_of_a_variable_rate_input_retimes_then_clips():
    times = [0, 3000, 6000, 12000, 18000, 21000, 24000]  # 30, 15, 30 fps in 1/90000 s ticks
    timeline = Timeline.of(
        times, Fraction(1, 90000), {"InputClippings": [{"EndTimecode": "00:00:00:04"}]}
    )
    assert timeline.retimed and timeline.rate == 24  # 7 frames over 0.3 s: 23.3 fps
    assert timeline.filters() == ["fps=24", "trim=start_frame=0:end_frame=5", "setpts=PTS-STARTPTS"]


@pytest.mark.parametrize(
    ("clips", "audio", "message"),
    [
        ([{"StartTimecode": "00:00:01;00"}], False, "is not a timecode HH:MM:SS:FF"),
        ([{"StartTimecode": "00:00:01:00"}] * 2, False, "one input clip"),
        ([{"StartTimecode": "00:00:01:00"}], True, "with audio outputs"),
    ],
)
def test_clipping_outside_the_implemented_subset_is_refused(clips, audio, message):
    output = video_output()
    if audio:
        output["AudioDescriptions"] = [{"CodecSettings": {"Codec": "AAC"}}]
    request = {"Role": ROLE, "Settings": settings("s3://b/in.mp4", "s3://b/out/", output)}
    request["Settings"]["Inputs"][0]["InputClippings"] = clips
    with pytest.raises(BadRequest, match=message):
        check_request(request)


def test_unsupported_names_every_path_outside_the_implemented_subset():
    request = {
        "Role": "r",
        "AccelerationSettings": {"Mode": "ENABLED"},
        "Settings": {
            "Inputs": [{"FileInput": "s3://b/k", "VideoSelector": {"Rotate": "DEGREES_90"}}],
            "OutputGroups": [],
        },
    }
    assert unsupported(request, SUPPORTED) == [
        "AccelerationSettings",
        "Settings.Inputs[0].VideoSelector.Rotate=DEGREES_90 (implemented: ['AUTO', 'DEGREE_0'])",
    ]


@pytest.mark.parametrize(
    ("destination", "output", "expected"),
    [
        ("s3://b/out/", {}, ("b", "out/clip", "mp4")),
        (
            "s3://b/out/name",
            {"NameModifier": "_hd", "Extension": "m4v"},
            ("b", "out/name_hd", "m4v"),
        ),
        ("s3://b", {}, ("b", "clip", "mp4")),
    ],
)
def test_output_names_follow_mediaconvert(destination, output, expected):
    assert output_key(destination, "in/clip.mov", output, "mp4") == expected


def test_rate_control_maps_onto_x264():
    qvbr = {
        "RateControlMode": "QVBR",
        "QvbrSettings": {"QvbrQualityLevel": 9},
        "MaxBitrate": 3_000_000,
    }
    assert rate_arguments(qvbr) == ["-crf", "20", "-maxrate", "3000000", "-bufsize", "6000000"]
    assert rate_arguments({"RateControlMode": "VBR", "Bitrate": 1000}) == ["-b:v", "1000"]
    cbr = rate_arguments({"RateControlMode": "CBR", "Bitrate": 1000})
    assert cbr[cbr.index("-minrate") + 1] == cbr[cbr.index("-maxrate") + 1] == "1000"


def test_frame_capture_quality_maps_onto_jpeg_qscale():
    output = {
        "VideoDescription": {
            "CodecSettings": {
                "FrameCaptureSettings": {
                    "FramerateNumerator": 1,
                    "FramerateDenominator": 3,
                    "MaxCaptures": 5,
                    "Quality": 100,
                }
            }
        }
    }
    args = frame_capture_command(Path("in"), output, Path("out.%07d.jpg"), rotate=True)
    assert args[args.index("-q:v") + 1] == "2"
    assert args[args.index("-frames:v") + 1] == "5"
    assert "fps=1/3" in args[args.index("-vf") + 1]


# --- Step Functions: the module's Map iteration on the local AWS --------------------------------


@pytest.fixture(scope="module")
def prepare_function(local_aws):
    """The module's PrepareMediaConvertJob function, from `make package`."""
    zipped = ROOT / "build" / "lambda" / "media_job.zip"
    if not zipped.exists():
        pytest.fail("build/lambda/media_job.zip is missing: run 'make package'")
    name = f"prepare-{uuid.uuid4().hex[:8]}"
    role = service_role(local_aws, "lambda.amazonaws.com", name=name)
    return local_aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Timeout=60,
        Handler="media_job.handler.lambda_handler",
        Code={"ZipFile": zipped.read_bytes()},
        Environment={"Variables": {"OUTPUT_HEIGHT": "360", "THUMBNAIL_WIDTH": "160"}},
    )["FunctionArn"]


def iteration_machine(prepare_arn: str) -> dict:
    processor = json.loads(
        render(
            MEDIA_CONVERT / "item_processor.mediaconvert.asl.json",
            prepare_function_arn=prepare_arn,
            job_template=json.dumps(mediaconvert_job_template(ROLE)),
            processor_config=INLINE_MAP,
        )
    )
    return machine(
        (
            "Map",
            {
                "Type": "Map",
                "ItemProcessor": processor,
                "ItemsPath": "$.parts",
                "ItemSelector": {
                    "bucket.$": "$.bucket",
                    "part.$": "$$.Map.Item.Value",
                    "manifest.$": "$.manifest",
                },
            },
        )
    )


def job_files(local_aws, bucket: str, seconds: float, upload: bool, tmp_path) -> dict:
    """A one-part job as the split leaves it (manifest, video-only part): the Map's input."""
    prefix = job_keys.job_prefix("jobs/", uuid.uuid4().hex[:16])
    key = job_keys.part_key(prefix, 0)
    part = Part(0, key, seconds, int(seconds * 30), key)
    manifest = Manifest(
        job_id=prefix.split("/")[1],
        source_bucket=bucket,
        source_key="in/clip.mp4",
        source_etag="e",
        duration=seconds,
        fps="30",
        frames=part.frames,
        width=640,
        height=360,
        sar="1:1",
        rotation=0,
        has_audio=False,
        audio_key=None,
        video_offset=0.0,
        audio_offset=0.0,
        output_key="out/clip.mp4",
        thumbnail_key="out/clip.jpg",
        parts=(part,),
    )
    s3 = local_aws.client("s3")
    write_manifest(s3, bucket, job_keys.manifest_key(prefix), manifest)
    if upload:
        source = make_video(tmp_path / "src.mp4", seconds, "640x360", audio=None)
        ffmpeg("-i", str(source), "-c", "copy", "-an", str(tmp_path / "part.mp4"))
        s3.upload_file(str(tmp_path / "part.mp4"), bucket, part.key)
    return {
        "bucket": bucket,
        "manifest": job_keys.manifest_key(prefix),
        "parts": [{"index": 0, "key": part.key}],
    }


def test_map_iteration_runs_a_mediaconvert_job_per_part(
    local_aws, bucket, prepare_function, tmp_path
):
    execution_input = job_files(local_aws, bucket, 1.5, True, tmp_path)
    outcome = StepFunctions(local_aws).run(
        iteration_machine(prepare_function), execution_input, timeout=120
    )
    assert outcome.status == "SUCCEEDED", outcome.cause
    (data,) = outcome.output
    prefix = job_keys.job_prefix_of(execution_input["manifest"])
    assert data["encodedPart"] == f"{prefix}encoded/00000.mp4"
    got = measure(download(local_aws, bucket, data["encodedPart"], tmp_path / "enc.mp4"))
    assert (got["width"], got["height"], got["frames"]) == (640, 360, 45)
    listed = local_aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"{prefix}thumbnail/")
    assert [item["Key"] for item in listed["Contents"]] == [
        f"{prefix}thumbnail/frame.0000000.jpg",
        f"{prefix}thumbnail/frame.0000001.jpg",
    ]


def test_a_failed_job_fails_the_iteration_with_its_error_message(
    local_aws, bucket, prepare_function, tmp_path
):
    execution_input = job_files(local_aws, bucket, 1.0, False, tmp_path)  # the part is missing
    outcome = StepFunctions(local_aws).run(
        iteration_machine(prepare_function), execution_input, timeout=120
    )
    assert (outcome.status, outcome.error) == ("FAILED", "MediaConvertJobError")
    job = json.loads(outcome.cause)
    assert (job["Status"], job["ErrorCode"]) == ("ERROR", 1010)
    assert job["ErrorMessage"].startswith("Unable to open input file")
    assert job["UserMetadata"]["part"] == "0"
