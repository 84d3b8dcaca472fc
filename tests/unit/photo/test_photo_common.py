"""photo_common: the execution input, settings, error mapping and photo checks."""

from __future__ import annotations

import io

import boto3
import pytest
import sample_photos as samples
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from lambda_common.errors import ConfigurationError
from moto import mock_aws
from photo_common.errors import (
    ImageTooLargeError,
    InvalidImageError,
    InvalidPhotoRequestError,
    TransientServiceError,
)
from photo_common.image import open_photo, read_photo
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import (
    DetectionConfig,
    IndexConfig,
    NotificationConfig,
    PersistConfig,
    SearchConfig,
    StartConfig,
    ThumbnailConfig,
)
from PIL import Image

EVENT = {"userId": "user_a", "s3Bucket": "photos", "s3Key": "user_a/1_happy_face.jpg"}


def test_request_from_the_spec_input():
    request = PhotoRequest.from_event({**EVENT, "detectedFaceDetails": {"Confidence": 99}})
    assert (request.user_id, request.bucket, request.key, request.email) == (
        "user_a",
        "photos",
        "user_a/1_happy_face.jpg",
        None,
    )
    assert request.s3_object == {"S3Object": {"Bucket": "photos", "Name": EVENT["s3Key"]}}
    assert request.uri == "s3://photos/user_a/1_happy_face.jpg"
    assert PhotoRequest.from_event({**EVENT, "email": "a@b.io"}).email == "a@b.io"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "expected a JSON object"),
        ({**EVENT, "userId": ""}, "userId"),
        ({**EVENT, "userId": "a b"}, "userId"),
        ({**EVENT, "userId": "x" * 129}, "userId"),
        ({k: v for k, v in EVENT.items() if k != "s3Bucket"}, "s3Bucket"),
        ({**EVENT, "s3Key": 7}, "s3Key"),
        ({**EVENT, "email": "not-an-email"}, "email"),
    ],
)
def test_malformed_requests_are_named(event, message):
    with pytest.raises(InvalidPhotoRequestError, match=message):
        PhotoRequest.from_event(event)


def test_settings_are_read_and_validated():
    env = {
        "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:photo",
        "COLLECTION_ID": "riders",
        "RIDER_TABLE": "riders",
        "THUMBNAIL_BUCKET": "thumbs",
    }
    start = StartConfig.from_env(env)
    assert (start.user_id_source, start.upload_prefix) == ("key", "")
    detection = DetectionConfig.from_env(env)
    assert (detection.max_photo_bytes, detection.max_photo_pixels) == (15 * 1024**2, 40_000_000)
    assert (detection.min_face_confidence, detection.require_eyes_open) == (90, True)
    assert detection.attribute_confidence == 99  # "Guidelines on face attributes"
    assert SearchConfig.from_env(env).threshold == 80
    assert IndexConfig.from_env(env).quality_filter == "AUTO"
    assert ThumbnailConfig.from_env(env).max_size == 250
    assert NotificationConfig.from_env(env) == NotificationConfig(None, None)
    with pytest.raises(ConfigurationError, match="USER_ID_SOURCE='path' must be one of"):
        StartConfig.from_env({**env, "USER_ID_SOURCE": "path"})
    with pytest.raises(ConfigurationError, match="QUALITY_FILTER='BEST' must be one of"):
        IndexConfig.from_env({**env, "QUALITY_FILTER": "BEST"})
    with pytest.raises(ConfigurationError, match="MAX_PHOTO_BYTES=20000000 must be between"):
        DetectionConfig.from_env({**env, "MAX_PHOTO_BYTES": "20000000"})
    with pytest.raises(ConfigurationError, match="FACE_ATTRIBUTE_CONFIDENCE=40 must be between"):
        DetectionConfig.from_env({**env, "FACE_ATTRIBUTE_CONFIDENCE": "40"})
    with pytest.raises(ConfigurationError, match="RIDER_TABLE is not set"):
        PersistConfig.from_env({})


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "DetectFaces")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ThrottlingException", TransientServiceError),
        ("ProvisionedThroughputExceededException", TransientServiceError),
        ("InternalServerError", TransientServiceError),
        ("InvalidImageFormatException", InvalidImageError),
        ("ImageTooLargeException", ImageTooLargeError),
        ("InvalidS3ObjectException", InvalidPhotoRequestError),
        ("404", InvalidPhotoRequestError),
        ("403", InvalidPhotoRequestError),
        ("AccessDenied", InvalidPhotoRequestError),
        ("AccessDeniedException", ClientError),
    ],
)
def test_client_errors_become_named_errors(code, expected):
    error = translate_client_error(client_error(code), PhotoRequest.from_event(EVENT))
    assert type(error) is expected


def test_open_photo_decodes_jpeg_and_png():
    image = open_photo(samples.happy_face(), 10**6, "s3://b/k")
    assert (image.mode, image.size) == ("RGB", (512, 512))
    assert open_photo(samples.png(samples.cameraman()), 10**6, "s3://b/k").mode == "RGB"
    # A draft decode of a JPEG is scaled down but never below the requested size.
    assert open_photo(samples.happy_face(), 10**6, "s3://b/k", draft_size=100).size == (128, 128)


def test_open_photo_applies_exif_orientation():
    upright = Image.new("RGB", (300, 150), "white")
    image = open_photo(samples.rotated_exif(upright), 10**6, "s3://b/k")
    assert image.size == (300, 150)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (samples.not_an_image(), InvalidImageError, "is not an image"),
        (samples.truncated_jpeg(), InvalidImageError, "corrupt or truncated JPEG"),
        (samples.huge_dimensions(), ImageTooLargeError, "12000x12000 pixels"),
    ],
    ids=["text", "truncated", "decompression-bomb"],
)
def test_open_photo_refuses_bad_images(data, error, message):
    with pytest.raises(error, match=message):
        open_photo(data, 40_000_000, "s3://b/k")


def test_open_photo_refuses_other_formats():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    with pytest.raises(InvalidImageError, match="GIF image; expected JPEG or PNG"):
        open_photo(out.getvalue(), 10**6, "s3://b/k")


@mock_aws
def test_read_photo_checks_the_object_before_downloading():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a/ok.jpg", Body=b"12345")
    s3.put_object(Bucket="photos", Key="a/empty.jpg", Body=b"")

    def request(key):
        return PhotoRequest("a", "photos", key)

    assert read_photo(s3, request("a/ok.jpg"), 10) == b"12345"
    with pytest.raises(ImageTooLargeError, match="5 bytes, more than 4"):
        read_photo(s3, request("a/ok.jpg"), 4)
    with pytest.raises(InvalidImageError, match="is empty"):
        read_photo(s3, request("a/empty.jpg"), 10)
    with pytest.raises(InvalidPhotoRequestError, match=r"cannot read s3://photos/a/missing\.jpg"):
        read_photo(s3, request("a/missing.jpg"), 10)


def test_read_photo_names_both_causes_of_a_refused_photo():
    # S3 answers a missing key with 403, not 404, to a caller without s3:ListBucket (HeadObject,
    # Amazon S3 API Reference): the error says so instead of a bare "Forbidden".
    s3 = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(s3)
    stubber.add_client_error("head_object", service_error_code="403", http_status_code=403)
    with stubber, pytest.raises(InvalidPhotoRequestError, match=r"lacks s3:ListBucket on photos"):
        read_photo(s3, PhotoRequest("a", "photos", "a/gone.jpg"), 10)
