"""The rider-photo functions' own logic: face rules, duplicate check, index result, thumbnail,
rider item and its conditional write, the notification and the start function's input."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass
from decimal import Decimal

import boto3
import pytest
import sample_photos as samples
from moto import mock_aws
from photo_common.errors import (
    FaceAlreadyExistsError,
    ImageTooLargeError,
    InvalidPhotoRequestError,
    PhotoDoesNotMeetRequirementError,
)
from photo_common.request import PhotoRequest
from photo_common.settings import ThumbnailConfig
from photo_face_detection.handler import the_one_face
from photo_face_search.handler import check_no_match
from photo_index_face.handler import indexed_face
from photo_notification import handler as notification
from photo_persist_metadata.handler import rider_item
from photo_start.handler import execution_input
from photo_thumbnail.handler import write_thumbnail
from PIL import Image

REQUEST = PhotoRequest("user_a", "photos", "user_a/1_happy_face.jpg")


def face(confidence=99.9, sunglasses=False, eyes_open=True, sure=99.5) -> dict:
    """A FaceDetail; `sure`: the Confidence of its Sunglasses and EyesOpen."""
    return {
        "BoundingBox": {"Width": 0.2, "Height": 0.2, "Left": 0.3, "Top": 0.1},
        "Confidence": confidence,
        "Landmarks": [{"Type": "nose", "X": 0.4, "Y": 0.2}],
        "Sunglasses": {"Value": sunglasses, "Confidence": sure},
        "EyesOpen": {"Value": eyes_open, "Confidence": sure},
    }


# --- FaceDetection ------------------------------------------------------------------------------


def test_one_clear_face_passes_without_its_landmarks():
    result = the_one_face([face()], 90, True, 99)
    assert "Landmarks" not in result
    assert result["Confidence"] == 99.9
    # A faint background detection does not count as a second face.
    assert the_one_face([face(), face(confidence=60)], 90, True, 99)["Confidence"] == 99.9


@pytest.mark.parametrize(
    ("faces", "reason"),
    [
        ([], "No face was detected"),
        ([face(confidence=50)], "No face was detected"),
        ([face(), face()], "Detected 2 faces in the photo; it must show exactly one."),
        ([face(sunglasses=True)], "Face is wearing sunglasses."),
        ([face(eyes_open=False)], "Eyes are closed"),
    ],
    ids=["none", "faint", "two", "sunglasses", "eyes-closed"],
)
def test_photos_that_do_not_meet_the_requirements(faces, reason):
    with pytest.raises(PhotoDoesNotMeetRequirementError, match=reason):
        the_one_face(faces, 90, True, 99)


def test_closed_eyes_can_be_allowed():
    assert the_one_face([face(eyes_open=False)], 90, False, 99)["EyesOpen"]["Value"] is False


@pytest.mark.parametrize(
    ("finding", "reason"),
    [
        ({"sunglasses": True}, "Face is wearing sunglasses."),
        ({"eyes_open": False}, "Eyes are closed"),
    ],
    ids=["sunglasses", "eyes-closed"],
)
def test_only_a_sure_finding_refuses_the_photo(finding, reason):
    """Below the confidence threshold the Value alone does not turn the rider away (a smiling
    rider's open eyes once came back closed with confidence 52)."""
    assert the_one_face([face(**finding, sure=98.9)], 90, True, 99)["Confidence"] == 99.9
    with pytest.raises(PhotoDoesNotMeetRequirementError, match=reason):
        the_one_face([face(**finding, sure=99.0)], 90, True, 99)
    with pytest.raises(PhotoDoesNotMeetRequirementError, match=reason):
        the_one_face([face(**finding, sure=70.0)], 90, True, 60)


def test_attributes_rekognition_did_not_return_refuse_nothing():
    bare = {k: v for k, v in face().items() if k not in ("Sunglasses", "EyesOpen")}
    assert the_one_face([bare], 90, True, 99) == {k: v for k, v in bare.items() if k != "Landmarks"}


# --- CheckFaceDuplicate and AddFaceToIndex ------------------------------------------------------


def test_a_match_is_a_duplicate_naming_its_rider():
    check_no_match([], "user_a")
    matches = [
        {"Similarity": 85.0, "Face": {"FaceId": "f1", "ExternalImageId": "user_x"}},
        {"Similarity": 99.2, "Face": {"FaceId": "f2", "ExternalImageId": "user_y"}},
        {"Similarity": 99.9, "Face": {"FaceId": "f3", "ExternalImageId": "user_a"}},
    ]
    with pytest.raises(FaceAlreadyExistsError, match=r"rider user_y, similarity 99\.2%"):
        check_no_match(matches, "user_a")
    check_no_match(matches[2:], "user_a")  # the rider's own leftover is not a duplicate


def test_indexed_face_or_why_not():
    record = {"FaceId": "f1", "ImageId": "i1", "ExternalImageId": "user_a", "Confidence": 99.8}
    assert indexed_face({"FaceRecords": [{"Face": record, "FaceDetail": {}}]}) == record
    unindexed = {"FaceRecords": [], "UnindexedFaces": [{"Reasons": ["LOW_CONFIDENCE"]}]}
    with pytest.raises(PhotoDoesNotMeetRequirementError, match="LOW_CONFIDENCE"):
        indexed_face(unindexed)


# --- Thumbnail ----------------------------------------------------------------------------------


def jpeg_size(data: bytes) -> tuple[str, tuple[int, int]]:
    image = Image.open(io.BytesIO(data))
    return image.format, image.size


THUMBNAILS = ThumbnailConfig("thumbs", 250, 15 * 1024 * 1024, 10**7)


@pytest.fixture
def photo_buckets():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in ("photos", "thumbs"):
            s3.create_bucket(Bucket=bucket)
        yield s3


def thumbnail_of(s3, photo: bytes, config: ThumbnailConfig = THUMBNAILS) -> tuple[dict, bytes]:
    """write_thumbnail's result for `photo` uploaded as user_a/selfie.png, and the JPEG written."""
    s3.put_object(Bucket="photos", Key="user_a/selfie.png", Body=photo)
    event = {"userId": "user_a", "s3Bucket": "photos", "s3Key": "user_a/selfie.png"}
    result = write_thumbnail(event, config, s3)["thumbnail"]
    written = s3.get_object(Bucket=result["s3Bucket"], Key=result["s3Key"])
    assert written["ContentType"] == "image/jpeg"
    assert written["Metadata"] == {"user-id": "user_a", "source-key": "user_a/selfie.png"}
    return result, written["Body"].read()


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((512, 512), (250, 250)),
        ((1000, 500), (250, 125)),
        ((300, 1200), (62, 250)),
        ((100, 50), (100, 50)),
    ],
    ids=["square", "landscape", "portrait", "small-is-not-enlarged"],
)
def test_thumbnail_fits_the_box_keeping_the_aspect(photo_buckets, size, expected):
    photo = samples.jpeg(samples.astronaut().resize(size))
    result, body = thumbnail_of(photo_buckets, photo)
    assert result == {
        "s3Bucket": "thumbs",
        "s3Key": "user_a/selfie.jpg",
        "width": expected[0],
        "height": expected[1],
    }
    assert jpeg_size(body) == ("JPEG", expected)


def test_thumbnail_is_upright_per_exif(photo_buckets):
    landscape = samples.astronaut().resize((400, 200))
    config = ThumbnailConfig("thumbs", 100, THUMBNAILS.max_photo_bytes, 10**7)
    _, body = thumbnail_of(photo_buckets, samples.rotated_exif(landscape), config)
    assert jpeg_size(body) == ("JPEG", (100, 50))


def test_thumbnail_of_a_large_jpeg_uses_a_reduced_decode(photo_buckets):
    big = samples.jpeg(samples.astronaut().resize((4000, 4000)))
    config = ThumbnailConfig("thumbs", 120, THUMBNAILS.max_photo_bytes, 10**8)
    _, body = thumbnail_of(photo_buckets, big, config)
    assert jpeg_size(body) == ("JPEG", (120, 120))


def test_thumbnail_refuses_a_decompression_bomb(photo_buckets):
    config = ThumbnailConfig("thumbs", 120, THUMBNAILS.max_photo_bytes, 40_000_000)
    with pytest.raises(ImageTooLargeError):
        thumbnail_of(photo_buckets, samples.huge_dimensions(), config)
    assert "Contents" not in photo_buckets.list_objects_v2(Bucket="thumbs")


def test_thumbnail_key_keeps_the_place_with_a_jpeg_extension():
    for key, thumbnail in [
        ("user_a/1_happy_face.jpg", "user_a/1_happy_face.jpg"),
        ("user_a/selfie.PNG", "user_a/selfie.jpg"),
        ("user_a/no-extension", "user_a/no-extension.jpg"),
    ]:
        assert PhotoRequest("user_a", "photos", key).thumbnail_key == thumbnail


# --- PersistMetadata ----------------------------------------------------------------------------

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
THUMBNAIL = {"s3Bucket": "thumbs", "s3Key": "user_a/1_happy_face.jpg", "width": 250, "height": 250}


def state(face_id="face-1") -> dict:
    return {
        "userId": "user_a",
        "s3Bucket": "photos",
        "s3Key": "user_a/1_happy_face.jpg",
        "detectedFaceDetails": {"Confidence": 99.84},
        "parallelResult": [{"FaceId": face_id}, {"thumbnail": THUMBNAIL}],
    }


def test_rider_item_from_the_state():
    item = rider_item(state(), REQUEST, NOW)
    assert item == {
        "userId": "user_a",
        "faceId": "face-1",
        "s3Bucket": "photos",
        "s3Key": "user_a/1_happy_face.jpg",
        "thumbnailS3Bucket": "thumbs",
        "thumbnailS3Key": "user_a/1_happy_face.jpg",
        "thumbnailWidth": 250,
        "thumbnailHeight": 250,
        "registeredAt": "2026-11-23T10:00:00.000Z",
        "faceConfidence": Decimal("99.84"),
    }


def test_rider_item_needs_the_parallel_results():
    broken = {**state(), "parallelResult": [{"FaceId": "f"}]}
    with pytest.raises(InvalidPhotoRequestError, match="parallel results"):
        rider_item(broken, REQUEST, NOW)


# --- PhotoDoesNotMeetRequirement ----------------------------------------------------------------

CAUGHT = {
    "Error": "PhotoDoesNotMeetRequirementError",
    "Cause": json.dumps(
        {
            "errorMessage": "Face is wearing sunglasses.",
            "errorType": "PhotoDoesNotMeetRequirementError",
            "stackTrace": ["..."],
        }
    ),
}


def test_rejection_notice_reads_the_caught_error():
    assert notification.rejection_notice(REQUEST, CAUGHT) == {
        "userId": "user_a",
        "s3Bucket": "photos",
        "s3Key": "user_a/1_happy_face.jpg",
        "error": "PhotoDoesNotMeetRequirementError",
        "reason": "Face is wearing sunglasses.",
    }
    plain = notification.rejection_notice(
        REQUEST, {"Error": "InvalidImageError", "Cause": "not json"}
    )
    assert plain["reason"] == "not json"
    unknown = notification.rejection_notice(REQUEST, None)
    assert (unknown["error"], unknown["reason"]) == (
        "Unknown",
        "The photo does not meet the requirements.",
    )
    text = notification.email_text(notification.rejection_notice(REQUEST, CAUGHT))
    assert "user_a/1_happy_face.jpg" in text and "Face is wearing sunglasses." in text


@dataclass
class Context:
    function_name: str = "photo_notification"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:photo_notification"
    aws_request_id: str = "req-1"


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_notification_by_email_when_a_sender_and_address_are_known(aws, monkeypatch):
    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress="photos@example.com")
    monkeypatch.setenv("SENDER_EMAIL", "photos@example.com")
    event = {
        "userId": "user_a",
        "s3Bucket": "photos",
        "s3Key": REQUEST.key,
        "email": "r@x.io",
        "errorInfo": CAUGHT,
    }
    result = notification.lambda_handler(event, Context())
    assert result["channel"] == "ses" and result["messageId"]
    assert ses.get_send_quota()["SentLast24Hours"] == 1


def test_notification_on_sns_without_an_address(aws, monkeypatch):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="refused")["TopicArn"]
    queue = sqs.create_queue(QueueName="refused")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    monkeypatch.setenv("SENDER_EMAIL", "photos@example.com")  # but the rider gave no address
    monkeypatch.setenv("TOPIC_ARN", topic)
    event = {"userId": "user_a", "s3Bucket": "photos", "s3Key": REQUEST.key, "errorInfo": CAUGHT}
    result = notification.lambda_handler(event, Context())
    assert result["channel"] == "sns"
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(message["Body"])["reason"] == "Face is wearing sunglasses."


def test_notification_is_only_logged_without_a_channel(aws, monkeypatch):
    monkeypatch.delenv("SENDER_EMAIL", raising=False)
    monkeypatch.delenv("TOPIC_ARN", raising=False)
    event = {"userId": "user_a", "s3Bucket": "photos", "s3Key": REQUEST.key, "errorInfo": CAUGHT}
    assert notification.lambda_handler(event, Context())["channel"] == "log"


# --- the S3 trigger -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "prefix", "source", "metadata", "expected_user"),
    [
        ("user_a/selfie.jpg", "", "key", {}, "user_a"),
        ("uploads/user_a/2024/selfie.jpg", "uploads/", "key", {}, "user_a"),
        ("selfie.jpg", "", "key", {}, None),
        ("other/user_a/selfie.jpg", "uploads/", "key", {}, None),
        ("user a/selfie.jpg", "", "key", {}, None),
        ("anything.jpg", "", "metadata", {"user-id": "user_m"}, "user_m"),
        ("anything.jpg", "", "metadata", {}, None),
    ],
)
def test_execution_input_takes_the_user_id_from_key_or_metadata(
    key, prefix, source, metadata, expected_user
):
    payload = execution_input("photos", key, prefix, source, metadata)
    if expected_user is None:
        assert payload is None
    else:
        assert payload == {"userId": expected_user, "s3Bucket": "photos", "s3Key": key}


def test_execution_input_passes_a_valid_email_on():
    with_email = execution_input("b", "u/s.jpg", "", "key", {"email": "rider@example.com"})
    assert with_email["email"] == "rider@example.com"
    assert "email" not in execution_input("b", "u/s.jpg", "", "key", {"email": "nope"})
