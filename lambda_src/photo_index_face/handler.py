"""AddFaceToIndex: index the photo's face in the collection with the user id as its external id."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from aws_lambda_powertools import Logger
from lambda_common.env import env_text
from lambda_common.errors import ConfigurationError
from photo_common.errors import PhotoDoesNotMeetRequirementError
from photo_common.request import PhotoRequest, translate_client_error

logger = Logger(service="photo_index_face")
QUALITY_FILTERS = ("NONE", "AUTO", "LOW", "MEDIUM", "HIGH")


@dataclass(frozen=True)
class IndexConfig:
    collection_id: str
    quality_filter: str

    @classmethod
    def from_env(cls) -> IndexConfig:
        quality_filter = env_text("QUALITY_FILTER", "AUTO")
        if quality_filter not in QUALITY_FILTERS:
            raise ConfigurationError(
                f"QUALITY_FILTER={quality_filter!r} must be one of {QUALITY_FILTERS}"
            )
        return cls(env_text("COLLECTION_ID"), quality_filter)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = IndexConfig.from_env()
    request = PhotoRequest.from_event(event)
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    rekognition = boto3.client("rekognition")
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
