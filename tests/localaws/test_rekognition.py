"""The local Rekognition (scripts/localaws/rekognition.py): its pure rules in process, and the API
against the local AWS server with the real face model on scikit-image's photos."""

from __future__ import annotations

import base64
import io
import math
import uuid

import pytest
import sample_photos as samples
from botocore.exceptions import ClientError
from localaws import rekognition
from localaws.rekognition import RekognitionError

# --- pure rules ---------------------------------------------------------------------------------


def test_similarity_maps_dlib_distance_to_rekognition_scale():
    assert rekognition.similarity(rekognition.MATCH_DISTANCE) == pytest.approx(80.0)
    assert rekognition.similarity(0.0) > 99.9
    assert rekognition.similarity(0.2) > 99.5  # the astronaut vs her mirrored copy
    assert rekognition.similarity(0.9) < 10  # different people
    distances = [i / 20 for i in range(30)]
    scores = [rekognition.similarity(d) for d in distances]
    assert scores == sorted(scores, reverse=True)
    assert rekognition.similarity(100.0) == 0.0  # no overflow far away


def eye(width: float, opening: float, x: float = 0.0, y: float = 0.0) -> list[tuple[float, float]]:
    """Six landmarks of one eye as dlib orders them: corner, two upper, corner, two lower."""
    third = width / 3
    return [
        (x, y),
        (x + third, y - opening / 2),
        (x + 2 * third, y - opening / 2),
        (x + width, y),
        (x + 2 * third, y + opening / 2),
        (x + third, y + opening / 2),
    ]


def test_eye_aspect_ratio():
    assert rekognition.eye_aspect_ratio(eye(30, 10)) == pytest.approx(10 / 30)
    assert rekognition.eye_aspect_ratio(eye(30, 2)) == pytest.approx(2 / 30)
    assert rekognition.eye_aspect_ratio(eye(0, 0)) == 0.0  # degenerate, no division by zero


def face_points(left_eye, right_eye) -> list[tuple[float, float]]:
    points = [(100.0, 100.0)] * 68
    points[36:42], points[42:48] = left_eye, right_eye
    points[0], points[16], points[30], points[8] = (60, 110), (140, 110), (100, 120), (100, 170)
    return points


def test_pose_from_landmarks():
    open_face = face_points(eye(20, 8, 70, 100), eye(20, 8, 110, 100))
    pose = rekognition.pose(open_face)
    assert pose["Roll"] == pytest.approx(0.0) and pose["Yaw"] == pytest.approx(0.0)
    tilted = face_points(eye(20, 8, 70, 100), eye(20, 8, 110, 110))  # right eye 10 px lower
    assert rekognition.pose(tilted)["Roll"] == pytest.approx(
        math.degrees(math.atan2(10, 40)), abs=1e-3
    )


def test_quality_filter_reasons():
    face = rekognition.DetectedFace((0, 0, 30, 30), 70.0, [], (100, 100), gray=None)
    assert rekognition.unindexed_reasons(face, "NONE") == []
    assert rekognition.unindexed_reasons(face, "AUTO") == ["SMALL_BOUNDING_BOX", "LOW_CONFIDENCE"]
    assert rekognition.unindexed_reasons(face, "LOW") == []


def no_s3(_):
    raise AssertionError("S3 not expected")


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (
            {"Bytes": base64.b64encode(samples.not_an_image()).decode()},
            "InvalidImageFormatException",
        ),
        (
            {"Bytes": base64.b64encode(samples.truncated_jpeg()).decode()},
            "InvalidImageFormatException",
        ),
        ({"Bytes": base64.b64encode(samples.huge_dimensions()).decode()}, "ImageTooLargeException"),
        (
            {"Bytes": base64.b64encode(b"x" * (5 * 1024 * 1024 + 1)).decode()},
            "ImageTooLargeException",
        ),
        ({"Bytes": "not base64!"}, "InvalidParameterException"),
        ({}, "InvalidParameterException"),
        ({"Bytes": "", "S3Object": {}}, "InvalidParameterException"),
    ],
    ids=["text", "truncated", "huge", "over-5MB", "bad-base64", "empty", "both"],
)
def test_load_image_refuses_what_rekognition_refuses(image, code):
    with pytest.raises(RekognitionError) as raised:
        rekognition.load_image(image, no_s3)
    assert raised.value.code == code


def test_load_image_refuses_gif():
    out = io.BytesIO()
    samples.astronaut().resize((64, 64)).save(out, "GIF")
    with pytest.raises(RekognitionError) as raised:
        rekognition.load_image({"Bytes": base64.b64encode(out.getvalue()).decode()}, no_s3)
    assert raised.value.code == "InvalidImageFormatException"


# --- the API on the local AWS -----------------------------------------------------------------


@pytest.fixture(scope="module")
def rek(local_aws):
    return local_aws.client("rekognition")


@pytest.fixture(scope="module")
def photos(local_aws):
    """The sample photos in a bucket of the local S3."""
    bucket = f"faces-{uuid.uuid4().hex[:8]}"
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    made = {
        "happy": samples.happy_face(),
        "same": samples.same_person(),
        "sunglasses": samples.sunglasses(),
        "several": samples.several_faces(),
        "cat": samples.no_face(),
        "cameraman": samples.png(samples.cameraman()),
        "smiling": samples.smiling_narrowed_eyes(),
    }
    for key, body in made.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    return lambda key: {"S3Object": {"Bucket": bucket, "Name": key}}


@pytest.fixture
def collection(rek):
    collection_id = f"test-{uuid.uuid4().hex[:8]}"
    rek.create_collection(CollectionId=collection_id)
    yield collection_id
    rek.delete_collection(CollectionId=collection_id)


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"]


def test_collection_lifecycle_and_tags(rek):
    collection_id = f"life-{uuid.uuid4().hex[:8]}"
    created = rek.create_collection(CollectionId=collection_id, Tags={"team": "riders"})
    assert created["StatusCode"] == 200
    assert created["CollectionArn"].endswith(f":collection/{collection_id}")
    assert error_code(rek.create_collection, CollectionId=collection_id) == (
        "ResourceAlreadyExistsException"
    )
    described = rek.describe_collection(CollectionId=collection_id)
    arn = described["CollectionARN"]
    assert arn.startswith("arn:aws:rekognition:us-east-1:")
    assert (described["FaceCount"], described["FaceModelVersion"]) == (0, "6.0")
    assert collection_id in rek.list_collections()["CollectionIds"]

    assert rek.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "riders"}
    rek.tag_resource(ResourceArn=arn, Tags={"env": "test"})
    rek.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert rek.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "test"}

    rek.delete_collection(CollectionId=collection_id)
    assert error_code(rek.describe_collection, CollectionId=collection_id) == (
        "ResourceNotFoundException"
    )
    assert error_code(rek.delete_collection, CollectionId=collection_id) == (
        "ResourceNotFoundException"
    )
    assert error_code(rek.create_collection, CollectionId="bad id!") == "InvalidParameterException"


def test_list_collections_pages(rek):
    ids = [f"page-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for collection_id in ids:
        rek.create_collection(CollectionId=collection_id)
    seen, token = [], None
    while True:
        page = rek.list_collections(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["CollectionIds"]) <= 2
        seen += page["CollectionIds"]
        token = page.get("NextToken")
        if not token:
            break
    assert set(ids) <= set(seen)
    for collection_id in ids:
        rek.delete_collection(CollectionId=collection_id)


def test_detect_faces_on_the_workshop_cases(rek, photos):
    (face,) = rek.detect_faces(Image=photos("happy"), Attributes=["ALL"])["FaceDetails"]
    assert face["Confidence"] > 99
    assert face["EyesOpen"]["Value"] is True
    assert face["Sunglasses"]["Value"] is False
    box = face["BoundingBox"]  # the astronaut's face: upper middle of the picture
    assert 0.3 < box["Left"] < 0.4 and 0.1 < box["Top"] < 0.2 and 0.15 < box["Width"] < 0.2
    landmarks = {lm["Type"]: lm for lm in face["Landmarks"]}
    assert landmarks["eyeLeft"]["X"] < landmarks["nose"]["X"] < landmarks["eyeRight"]["X"]
    assert {"Roll", "Yaw", "Pitch"} == set(face["Pose"])
    assert {"Brightness", "Sharpness"} == set(face["Quality"])

    (shaded,) = rek.detect_faces(Image=photos("sunglasses"), Attributes=["ALL"])["FaceDetails"]
    assert shaded["Sunglasses"]["Value"] is True
    assert len(rek.detect_faces(Image=photos("several"))["FaceDetails"]) == 2
    assert rek.detect_faces(Image=photos("cat"))["FaceDetails"] == []
    (other,) = rek.detect_faces(Image=photos("cameraman"))["FaceDetails"]
    assert "EyesOpen" not in other  # DEFAULT attributes only


def attribute(detail: dict, name: str) -> dict:
    """A yes/no face attribute, checked against its shape (Rekognition API Reference, EyeOpen and
    Sunglasses: Value, a Boolean; Confidence, a Float from 0 to 100)."""
    found = detail[name]
    assert set(found) == {"Value", "Confidence"}
    assert isinstance(found["Value"], bool)
    assert isinstance(found["Confidence"], float) and 0 <= found["Confidence"] <= 100
    return found


def test_detect_faces_attributes_have_rekognitions_shape(rek, photos):
    (face,) = rek.detect_faces(Image=photos("smiling"), Attributes=["ALL"])["FaceDetails"]
    # A real photo of a smiling man whose narrowed eyes are open: open, not for sure.
    eyes = attribute(face, "EyesOpen")
    assert eyes["Value"] is True and 80 <= eyes["Confidence"] < 99
    sunglasses = attribute(face, "Sunglasses")
    assert sunglasses["Value"] is False and sunglasses["Confidence"] >= 99

    (happy,) = rek.detect_faces(Image=photos("happy"), Attributes=["EYES_OPEN"])["FaceDetails"]
    assert attribute(happy, "EyesOpen")["Confidence"] >= 99
    assert "Sunglasses" not in happy  # only the attributes asked for
    (shaded,) = rek.detect_faces(Image=photos("sunglasses"), Attributes=["SUNGLASSES"])[
        "FaceDetails"
    ]
    assert attribute(shaded, "Sunglasses")["Value"] is True
    assert "EyesOpen" not in shaded


def test_detect_faces_reads_bytes_and_reports_bad_images(rek):
    faces = rek.detect_faces(Image={"Bytes": samples.happy_face()})["FaceDetails"]
    assert len(faces) == 1
    bad = {"Bytes": samples.not_an_image()}
    assert error_code(rek.detect_faces, Image=bad) == "InvalidImageFormatException"
    missing = {"S3Object": {"Bucket": "no-such-bucket", "Name": "x.jpg"}}
    assert error_code(rek.detect_faces, Image=missing) == "InvalidS3ObjectException"


def test_index_search_list_and_delete_faces(rek, photos, collection):
    indexed = rek.index_faces(
        CollectionId=collection, Image=photos("happy"), ExternalImageId="user_a", MaxFaces=1
    )
    (record,) = indexed["FaceRecords"]
    face = record["Face"]
    assert face["ExternalImageId"] == "user_a" and face["Confidence"] > 99
    assert indexed["UnindexedFaces"] == []

    found = rek.search_faces_by_image(
        CollectionId=collection, Image=photos("same"), FaceMatchThreshold=80
    )
    (match,) = found["FaceMatches"]
    assert match["Face"]["FaceId"] == face["FaceId"]
    assert match["Face"]["ExternalImageId"] == "user_a"
    assert match["Similarity"] > 95
    assert found["SearchedFaceConfidence"] > 99

    other = rek.search_faces_by_image(CollectionId=collection, Image=photos("cameraman"))
    assert other["FaceMatches"] == []
    assert (
        error_code(rek.search_faces_by_image, CollectionId=collection, Image=photos("cat"))
        == "InvalidParameterException"
    )

    by_id = rek.search_faces(CollectionId=collection, FaceId=face["FaceId"])
    assert by_id["SearchedFaceId"] == face["FaceId"] and by_id["FaceMatches"] == []

    assert [f["FaceId"] for f in rek.list_faces(CollectionId=collection)["Faces"]] == [
        face["FaceId"]
    ]
    assert rek.describe_collection(CollectionId=collection)["FaceCount"] == 1
    deleted = rek.delete_faces(CollectionId=collection, FaceIds=[face["FaceId"], str(uuid.uuid4())])
    assert deleted["DeletedFaces"] == [face["FaceId"]]
    assert rek.list_faces(CollectionId=collection)["Faces"] == []


def test_index_faces_keeps_the_largest_up_to_max_faces(rek, photos, collection):
    indexed = rek.index_faces(
        CollectionId=collection, Image=photos("several"), ExternalImageId="crowd", MaxFaces=1
    )
    assert len(indexed["FaceRecords"]) == 1
    (unindexed,) = indexed["UnindexedFaces"]
    assert unindexed["Reasons"] == ["EXCEEDS_MAX_FACES"]
    page = rek.list_faces(CollectionId=collection, MaxResults=1)
    assert len(page["Faces"]) == 1 and "NextToken" not in page


def test_face_calls_on_a_missing_collection(rek, photos):
    assert (
        error_code(rek.index_faces, CollectionId="no-such-collection", Image=photos("happy"))
        == "ResourceNotFoundException"
    )
    assert (
        error_code(
            rek.search_faces_by_image, CollectionId="no-such-collection", Image=photos("happy")
        )
        == "ResourceNotFoundException"
    )
    assert error_code(rek.list_faces, CollectionId="no-such-collection") == (
        "ResourceNotFoundException"
    )
