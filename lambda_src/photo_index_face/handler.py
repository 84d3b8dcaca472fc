"""AddFaceToIndex: index the photo's face with the user id as its external id, record it on the
rider's claim, then settle which rider a face indexed by several at once belongs to
(photo_common.claims): the losers fail with FaceAlreadyExistsError and are undone."""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from photo_common.claims import (
    BEATEN,
    CLAIM_NAMES,
    PENDING,
    WON,
    ClaimTask,
    Rival,
    has_won,
    holds_face,
    judge,
)
from photo_common.errors import (
    ClaimLostError,
    FaceAlreadyExistsError,
    PhotoDoesNotMeetRequirementError,
)
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import IndexConfig

logger = Logger(service="photo_index_face")
MAX_MATCHES = 100  # faces of other riders matching one photo: far more than any real crowd


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = IndexConfig.from_env()
    table = boto3.resource("dynamodb").Table(config.table_name)
    return index_face(event, config, table, boto3.client("rekognition"))


def index_face(event: dict, config: IndexConfig, table, rekognition) -> dict:
    task = ClaimTask.from_event(event)
    request = task.request
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
    face_id = face["FaceId"]
    logger.info("face indexed", extra={"face_id": face_id})
    try:
        record_face(table, request, task.execution_id, face_id)
    except ClaimLostError:
        delete_faces(rekognition, config, request, [face_id])  # no claim to undo it later
        raise
    settle(table, rekognition, config, request, task.execution_id, face_id)
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


def settle(table, rekognition, config: IndexConfig, request: PhotoRequest, execution_id, face_id):
    """Win the face for this rider, or raise FaceAlreadyExistsError naming who has it."""
    try:
        matches = rekognition.search_faces(
            CollectionId=config.collection_id,
            FaceId=face_id,
            FaceMatchThreshold=config.threshold,
            MaxFaces=MAX_MATCHES,
        )["FaceMatches"]
    except rekognition.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
    owners = {m["Face"].get("ExternalImageId") for m in matches} - {None, request.user_id}
    items = {owner: read_item(table, request, owner) for owner in sorted(owners)}
    judgement = judge(request.user_id, face_id, matches, items)
    if judgement.strays:
        delete_faces(rekognition, config, request, judgement.strays)
    if judgement.winner:
        raise face_taken(judgement.winner)
    for rival in judgement.rivals:
        if not beat(table, request, rival):
            item = read_item(table, request, rival.user_id)
            if holds_face(item, rival.face_id) and has_won(item):
                raise face_taken(rival)
    if not win(table, request, execution_id, face_id):
        item = read_item(table, request, request.user_id) or {}
        raise FaceAlreadyExistsError(
            f"Face in the picture is being registered by rider {item.get('beatenBy', 'another')}."
        )
    logger.info("face won", extra={"face_id": face_id, "beaten": len(judgement.rivals)})


def face_taken(rival: Rival) -> FaceAlreadyExistsError:
    return FaceAlreadyExistsError(
        f"Face in the picture is already in the system (rider {rival.user_id}, "
        f"similarity {rival.similarity:.1f}%)."
    )


def read_item(table, request: PhotoRequest, user_id: str) -> dict | None:
    try:
        return table.get_item(Key={"userId": user_id}, ConsistentRead=True).get("Item")
    except table.meta.client.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc


def conditional_update(table, request: PhotoRequest, **update) -> bool:
    """False if the condition did not hold."""
    try:
        table.update_item(**update)
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    except table.meta.client.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
    return True


def record_face(table, request: PhotoRequest, execution_id: str, face_id: str) -> None:
    """The claim's face is this one, undecided (a retry's new face starts afresh)."""
    if not conditional_update(
        table,
        request,
        Key={"userId": request.user_id},
        UpdateExpression="SET faceId = :face REMOVE faceVerdict, beatenBy",
        ConditionExpression="#execution = :execution AND #registration = :pending",
        ExpressionAttributeNames=CLAIM_NAMES,
        ExpressionAttributeValues={
            ":face": face_id,
            ":execution": execution_id,
            ":pending": PENDING,
        },
    ):
        raise ClaimLostError(
            f"Rider {request.user_id}'s claim is no longer held by this execution."
        )


def beat(table, request: PhotoRequest, rival: Rival) -> bool:
    """Mark the rival's claim of that face as beaten, unless it has won."""
    return conditional_update(
        table,
        request,
        Key={"userId": rival.user_id},
        UpdateExpression="SET faceVerdict = :beaten, beatenBy = :me",
        ConditionExpression="faceId = :face AND #registration = :pending"
        " AND (attribute_not_exists(faceVerdict) OR faceVerdict = :beaten)",
        ExpressionAttributeNames={"#registration": "registration"},
        ExpressionAttributeValues={
            ":beaten": BEATEN,
            ":me": request.user_id,
            ":face": rival.face_id,
            ":pending": PENDING,
        },
    )


def win(table, request: PhotoRequest, execution_id: str, face_id: str) -> bool:
    """Our claim's face wins, unless a rival has beaten it."""
    return conditional_update(
        table,
        request,
        Key={"userId": request.user_id},
        UpdateExpression="SET faceVerdict = :won",
        ConditionExpression="#execution = :execution AND faceId = :face"
        " AND (attribute_not_exists(faceVerdict) OR faceVerdict = :won)",
        ExpressionAttributeNames={"#execution": "execution"},
        ExpressionAttributeValues={":won": WON, ":execution": execution_id, ":face": face_id},
    )


def delete_faces(rekognition, config: IndexConfig, request: PhotoRequest, face_ids) -> None:
    try:
        rekognition.delete_faces(CollectionId=config.collection_id, FaceIds=list(face_ids))
    except rekognition.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
    logger.info("faces removed", extra={"face_ids": list(face_ids)})
