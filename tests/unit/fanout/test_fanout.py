"""sns-fanout functions against moto in-process: publishing uploads, transcoding a rendition,
idempotency on redelivery, and per-message failures for bad inputs."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import boto3
import pytest
from botocore.stub import Stubber
from fanout_publish.handler import publish_uploads
from fanout_transcode import handler as transcode
from lambda_common.errors import ConfigurationError, MissingPermissionError
from media_common.errors import EmptyInputError, NotAVideoError
from media_common.settings import RenditionConfig
from moto import mock_aws
from sample_media import make_video, measure

INPUT, OUTPUT = "videoconverter-input", "videoconverter-output-720p"
RENDITION_ENV = {
    "RENDITION": "720p",
    "OUTPUT_BUCKET": OUTPUT,
    "OUTPUT_PREFIX": "",
    "OUTPUT_HEIGHT": "240",
    "VIDEO_CRF": "30",
    "AUDIO_BITRATE": "96k",
    "X264_PRESET": "ultrafast",
    "ALLOW_UPSCALE": "false",
}


@dataclass
class Context:
    function_name: str = "videoconverter-transcode-720p"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:transcode"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name, value in RENDITION_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=INPUT)
        s3.create_bucket(Bucket=OUTPUT)
        yield s3


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("fanout") / "clip.mp4", 2, "640x360")


def upload(s3, path, key: str) -> dict:
    s3.upload_file(str(path), INPUT, key)
    head = s3.head_object(Bucket=INPUT, Key=key)
    return {
        "bucket": INPUT,
        "key": key,
        "etag": head["ETag"].strip('"'),
        "size": head["ContentLength"],
    }


def sqs_event(*messages: dict) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": json.dumps(message),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, message in enumerate(messages)
        ]
    }


def test_publisher_sends_one_message_per_object_with_decoded_key(aws):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="videoconverter-topic")["TopicArn"]
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    event = {
        "Records": [
            {
                "s3": {
                    "bucket": {"name": INPUT},
                    "object": {"key": "my+clip+%C3%BC.mp4", "size": 5, "eTag": "abc"},
                }
            }
        ]
    }
    assert publish_uploads(event, topic, sns)["published"] == 1
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(message["Body"]) == {
        "bucket": INPUT,
        "key": "my clip ü.mp4",
        "etag": "abc",
        "size": 5,
    }


def test_transcodes_to_the_rendition_height_keeping_aspect_and_duration(aws, clip, tmp_path):
    message = upload(aws, clip, "in/clip one.mp4")
    response = transcode.lambda_handler(sqs_event(message), Context())
    assert response == {"batchItemFailures": []}
    aws.download_file(OUTPUT, "in/clip one.mp4", str(tmp_path / "out.mp4"))
    source, result = measure(clip), measure(tmp_path / "out.mp4")
    assert (result["width"], result["height"]) == (426, 240)
    assert result["frames"] == source["frames"]
    assert abs(result["duration"] - source["duration"]) <= source["frame"]
    assert result["video_codec"] == "h264"
    assert result["audio_codec"] == "aac"
    head = aws.head_object(Bucket=OUTPUT, Key="in/clip one.mp4")
    assert head["Metadata"][transcode.SOURCE_ETAG] == message["etag"]


def test_never_upscales_unless_asked(aws, clip, monkeypatch, tmp_path):
    monkeypatch.setenv("OUTPUT_HEIGHT", "720")
    transcode.lambda_handler(sqs_event(upload(aws, clip, "small.mp4")), Context())
    aws.download_file(OUTPUT, "small.mp4", str(tmp_path / "out.mp4"))
    assert measure(tmp_path / "out.mp4")["height"] == 360


def test_redelivered_message_keeps_the_existing_output(aws, clip):
    message = upload(aws, clip, "dup.mp4")
    transcode.lambda_handler(sqs_event(message), Context())
    first = aws.head_object(Bucket=OUTPUT, Key="dup.mp4")
    config = RenditionConfig.from_env()
    assert transcode.transcode_message(message, config, aws)["skipped"] is True
    assert aws.head_object(Bucket=OUTPUT, Key="dup.mp4")["LastModified"] == first["LastModified"]


def test_bad_messages_fail_alone_and_leave_no_output(aws, clip, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 50)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    good, bad, zero = (
        upload(aws, clip, "good.mp4"),
        upload(aws, text, "notes.mp4"),
        upload(aws, empty, "empty.mp4"),
    )
    response = transcode.lambda_handler(sqs_event(good, bad, zero), Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    keys = [o["Key"] for o in aws.list_objects_v2(Bucket=OUTPUT)["Contents"]]
    assert keys == ["good.mp4"]


def test_named_errors_for_bad_inputs(aws, tmp_path):
    config = RenditionConfig.from_env()
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(EmptyInputError, match="0 bytes"):
        transcode.transcode_message(upload(aws, tmp_path / "empty.mp4", "e.mp4"), config, aws)
    (tmp_path / "t.mp4").write_text("hello\n" * 100)
    with pytest.raises(NotAVideoError):
        transcode.transcode_message(upload(aws, tmp_path / "t.mp4", "t.mp4"), config, aws)


def test_missing_setting_names_the_variable(monkeypatch):
    for name, value in RENDITION_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OUTPUT_BUCKET")
    with pytest.raises(ConfigurationError, match="OUTPUT_BUCKET"):
        RenditionConfig.from_env()


def head_refused(status: int, code: str):
    """An S3 client whose next HeadObject fails the way S3 answers it (no body: code = status)."""
    s3 = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(s3)
    stubber.add_client_error("head_object", service_error_code=code, http_status_code=status)
    stubber.activate()
    return s3


def test_a_missing_output_is_no_output_when_the_role_may_list():
    # With s3:ListBucket, S3 answers the HEAD of a missing key with 404 (HeadObject, S3 API Ref).
    assert transcode.existing_output_etag(head_refused(404, "404"), OUTPUT, "a.mp4") is None


def test_a_refused_output_check_names_the_missing_permission():
    # Without s3:ListBucket, S3 answers the same HEAD with 403: every first transcode would fail
    # with a bare "Forbidden"; the error says which grant is missing instead.
    with pytest.raises(MissingPermissionError, match=r"s3:ListBucket on videoconverter-output"):
        transcode.existing_output_etag(head_refused(403, "403"), OUTPUT, "a.mp4")


def test_a_refused_source_names_the_permission(tmp_path):
    with pytest.raises(MissingPermissionError, match=r"s3://videoconverter-input/a.mp4 was denied"):
        transcode.fetch_source(head_refused(403, "403"), INPUT, "a.mp4", tmp_path / "source")
