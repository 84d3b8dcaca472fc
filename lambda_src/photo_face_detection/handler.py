"""FaceDetection: the photo must be a readable JPEG/PNG showing exactly one face, eyes open and
no sunglasses; otherwise PhotoDoesNotMeetRequirementError says why."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from photo_common.errors import PhotoDoesNotMeetRequirementError
from photo_common.image import open_photo, read_photo
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import DetectionConfig

logger = Logger(service="photo_face_detection")
CHECK_DECODE_SIZE = 64  # pixels: decoding at a small JPEG scale still reads every byte


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = DetectionConfig.from_env()
    return detect_face(event, config, boto3.client("s3"), boto3.client("rekognition"))


def detect_face(event: dict, config: DetectionConfig, s3, rekognition) -> dict:
    request = PhotoRequest.from_event(event)
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    # Rekognition would reject some of these too, but checking here gives the same clear error
    # on AWS and locally, and stops a decompression bomb before anything else reads it.
    open_photo(
        read_photo(s3, request, config.max_photo_bytes),
        config.max_photo_pixels,
        request.uri,
        CHECK_DECODE_SIZE,
    )
    try:
        response = rekognition.detect_faces(Image=request.s3_object, Attributes=["ALL"])
    except rekognition.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
    face = the_one_face(
        response["FaceDetails"],
        config.min_face_confidence,
        config.require_eyes_open,
        config.attribute_confidence,
    )
    logger.info("photo accepted", extra={"confidence": face["Confidence"]})
    return face


def the_one_face(
    faces: list[dict], min_confidence: float, require_eyes_open: bool, attribute_confidence: float
) -> dict:
    """The single clear face in a DetectFaces result, without its landmarks (to keep the state
    small), or PhotoDoesNotMeetRequirementError with a reason a rider can act on.

    Sunglasses and closed eyes refuse the photo only when Rekognition is at least
    `attribute_confidence` sure of them: an unsure finding lets the photo through rather than
    turn a rider away ("Guidelines on face attributes": 99 where a wrong classification harms
    the person)."""
    faces = [f for f in faces if f["Confidence"] >= min_confidence]
    if not faces:
        raise PhotoDoesNotMeetRequirementError("No face was detected in the photo.")
    if len(faces) > 1:
        raise PhotoDoesNotMeetRequirementError(
            f"Detected {len(faces)} faces in the photo; it must show exactly one."
        )
    face = faces[0]
    if _sure(face.get("Sunglasses"), True, attribute_confidence):
        raise PhotoDoesNotMeetRequirementError("Face is wearing sunglasses.")
    if require_eyes_open and _sure(face.get("EyesOpen"), False, attribute_confidence):
        raise PhotoDoesNotMeetRequirementError("Eyes are closed in the photo.")
    return {k: v for k, v in face.items() if k != "Landmarks"}


def _sure(attribute: dict | None, value: bool, min_confidence: float) -> bool:
    """Whether a face attribute ({"Value", "Confidence"}) is `value`, at least that sure."""
    return (
        attribute is not None
        and attribute.get("Value") is value
        and attribute.get("Confidence", 0) >= min_confidence
    )
