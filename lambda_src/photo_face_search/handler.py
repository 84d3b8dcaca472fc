"""CheckFaceDuplicate: the rider must not be registered yet, and the face must not already be
in the collection under any user id (one person, one account); then the rider's claim is taken,
so that one photo per rider goes on at a time (photo_common.claims)."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from photo_common.claims import CLAIM_NAMES, PENDING, ClaimTask, is_registered, owned_by
from photo_common.errors import (
    FaceAlreadyExistsError,
    RiderAlreadyRegisteredError,
    TransientServiceError,
)
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import SearchConfig

logger = Logger(service="photo_face_search")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = SearchConfig.from_env()
    table = boto3.resource("dynamodb").Table(config.table_name)
    return check_duplicate(event, config, table, boto3.client("rekognition"))


def check_duplicate(event: dict, config: SearchConfig, table, rekognition) -> dict:
    task = ClaimTask.from_event(event)
    request = task.request
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    # Checked first: indexing a second face for a registered rider would leave the old one behind.
    existing = table.get_item(Key={"userId": request.user_id}, ConsistentRead=True).get("Item")
    if existing and owned_by(existing, task.execution_id):
        return {"faceMatches": 0}  # a retry after the claim: the search was passed already
    if existing:
        raise already_registered(request, existing)
    try:
        response = rekognition.search_faces_by_image(
            CollectionId=config.collection_id,
            Image=request.s3_object,
            FaceMatchThreshold=config.threshold,
            MaxFaces=10,
        )
    except rekognition.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
    check_no_match(response["FaceMatches"], request.user_id)
    claim(table, request, task.execution_id)
    logger.info("face is new, rider claimed")
    return {"faceMatches": 0}


def check_no_match(matches: list[dict], user_id: str) -> None:
    """FaceAlreadyExistsError naming the best match (its rider and similarity), if any. Faces
    of this very rider, who is not registered, are leftovers AddFaceToIndex removes."""
    others = [m for m in matches if m["Face"].get("ExternalImageId") != user_id]
    if not others:
        return
    best = max(others, key=lambda m: m["Similarity"])
    owner = best["Face"].get("ExternalImageId", "an unnamed rider")
    raise FaceAlreadyExistsError(
        f"Face in the picture is already in the system (rider {owner}, "
        f"similarity {best['Similarity']:.1f}%)."
    )


def already_registered(request: PhotoRequest, item: dict) -> RiderAlreadyRegisteredError:
    if is_registered(item):
        return RiderAlreadyRegisteredError(
            f"Rider {request.user_id} already has a registered photo ({item.get('s3Key')})."
        )
    return RiderAlreadyRegisteredError(
        f"Another photo of rider {request.user_id} ({item.get('s3Key')}) is being registered;"
        " this one was not used."
    )


def claim(table, request: PhotoRequest, execution_id: str) -> None:
    """The rider's item as a pending claim of this execution, unless another holds it."""
    try:
        table.update_item(
            Key={"userId": request.user_id},
            UpdateExpression="SET #registration = :pending, #execution = :execution,"
            " s3Bucket = :bucket, s3Key = :key",
            ConditionExpression="attribute_not_exists(userId) OR #execution = :execution",
            ExpressionAttributeNames=CLAIM_NAMES,
            ExpressionAttributeValues={
                ":pending": PENDING,
                ":execution": execution_id,
                ":bucket": request.bucket,
                ":key": request.key,
            },
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        item = table.get_item(Key={"userId": request.user_id}, ConsistentRead=True).get("Item")
        if not item:  # the other claim was undone meanwhile: a new attempt may take it
            raise TransientServiceError(f"Rider {request.user_id}'s claim changed; retry") from None
        raise already_registered(request, item) from None
    except table.meta.client.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
