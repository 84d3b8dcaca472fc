"""CheckFaceDuplicate: the rider must not be registered yet, and the face must not already be
in the collection under any user id (one person, one account)."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from photo_common.errors import FaceAlreadyExistsError, RiderAlreadyRegisteredError
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import SearchConfig

logger = Logger(service="photo_face_search")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = SearchConfig.from_env()
    table = boto3.resource("dynamodb").Table(config.table_name)
    return check_duplicate(event, config, table, boto3.client("rekognition"))


def check_duplicate(event: dict, config: SearchConfig, table, rekognition) -> dict:
    request = PhotoRequest.from_event(event)
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    # Checked first: indexing a second face for a registered rider would leave the old one behind.
    existing = table.get_item(Key={"userId": request.user_id}, ConsistentRead=True).get("Item")
    if existing:
        raise RiderAlreadyRegisteredError(
            f"Rider {request.user_id} already has a registered photo ({existing.get('s3Key')})."
        )
    try:
        response = rekognition.search_faces_by_image(
            CollectionId=config.collection_id,
            Image=request.s3_object,
            FaceMatchThreshold=config.threshold,
            MaxFaces=1,
        )
    except rekognition.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
    check_no_match(response["FaceMatches"])
    logger.info("face is new")
    return {"faceMatches": 0}


def check_no_match(matches: list[dict]) -> None:
    """FaceAlreadyExistsError naming the best match (its rider and similarity), if any."""
    if not matches:
        return
    best = max(matches, key=lambda m: m["Similarity"])
    owner = best["Face"].get("ExternalImageId", "an unnamed rider")
    raise FaceAlreadyExistsError(
        f"Face in the picture is already in the system (rider {owner}, "
        f"similarity {best['Similarity']:.1f}%)."
    )
