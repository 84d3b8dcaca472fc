"""AddFaceToIndex: index the photo's face in the collection with the user id as its external id."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from photo_common.errors import PhotoDoesNotMeetRequirementError
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import IndexConfig

logger = Logger(service="photo_index_face")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    return index_face(event, IndexConfig.from_env(), boto3.client("rekognition"))


def index_face(event: dict, config: IndexConfig, rekognition) -> dict:
    request = PhotoRequest.from_event(event)
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    try:
        response = rekognition.index_faces(
            CollectionId=config.collection_id,
            Image=request.s3_object,
            ExternalImageId=request.user_id,
            MaxFaces=1,
            QualityFilter=config.quality_filter,
            DetectionAttributes=["DEFAULT"],
        )
    except rekognition.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
    face = indexed_face(response)
    logger.info("face indexed", extra={"face_id": face["FaceId"]})
    return face


def indexed_face(response: dict) -> dict:
    """The Face record of the one indexed face (FaceId, ImageId, ExternalImageId, ...)."""
    records = response["FaceRecords"]
    if not records:
        reasons = sorted({r for f in response.get("UnindexedFaces", []) for r in f["Reasons"]})
        raise PhotoDoesNotMeetRequirementError(
            f"The face could not be indexed ({', '.join(reasons) or 'no face found'})."
        )
    return records[0]["Face"]
