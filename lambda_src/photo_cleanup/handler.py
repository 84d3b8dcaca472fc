"""RemovePartialRegistration: after a failure or a lost race past CheckFaceDuplicate, undo what
this execution's claim wrote (its faces in the collection, the thumbnail, the rider's item), so
that nothing is left behind and the rider's next upload starts afresh.

Only a claim this execution holds is undone: a photo refused because another held the rider's
claim has written nothing. The item goes last, so a retry after a partial clean-up finds the
claim and finishes it.
"""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger
from photo_common.claims import ClaimTask, owned_by
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import CleanupConfig

logger = Logger(service="photo_cleanup")
MAX_MATCHES = 100


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = CleanupConfig.from_env()
    table = boto3.resource("dynamodb").Table(config.table_name)
    return remove_partial_registration(
        event, config, table, boto3.client("rekognition"), boto3.client("s3")
    )


def remove_partial_registration(event: dict, config: CleanupConfig, table, rekognition, s3):
    task = ClaimTask.from_event(event)
    request = task.request
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    try:
        item = table.get_item(Key={"userId": request.user_id}, ConsistentRead=True).get("Item")
        if not owned_by(item, task.execution_id):
            logger.info("no claim of this execution to undo")
            return {"removed": False}
        faces = sorted(riders_faces(rekognition, config, request, item.get("faceId")))
        if faces:
            rekognition.delete_faces(CollectionId=config.collection_id, FaceIds=faces)
        s3.delete_object(Bucket=config.thumbnail_bucket, Key=request.thumbnail_key)
        table.delete_item(
            Key={"userId": request.user_id},
            ConditionExpression="#execution = :execution",
            ExpressionAttributeNames={"#execution": "execution"},
            ExpressionAttributeValues={":execution": task.execution_id},
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return {"removed": False}  # a concurrent retry of this task finished first
    except (rekognition.exceptions.ClientError, s3.exceptions.ClientError) as exc:
        raise translate_client_error(exc, request) from exc
    logger.info("claim undone", extra={"face_ids": faces, "thumbnail": request.thumbnail_key})
    return {"removed": True, "faceIds": faces, "thumbnailKey": request.thumbnail_key}


def riders_faces(rekognition, config: CleanupConfig, request: PhotoRequest, recorded) -> set[str]:
    """The claim's recorded face and this rider's faces matching it, or, with none recorded, the
    rider's faces matching the photo: also those an AddFaceToIndex indexed before timing out
    (none found if the photo cannot be searched)."""
    search = {"CollectionId": config.collection_id, "FaceMatchThreshold": config.threshold}
    try:
        if recorded:
            matches = rekognition.search_faces(FaceId=recorded, MaxFaces=MAX_MATCHES, **search)
        else:
            matches = rekognition.search_faces_by_image(
                Image=request.s3_object, MaxFaces=MAX_MATCHES, **search
            )
    except rekognition.exceptions.InvalidParameterException:  # no face, or the face is gone
        matches = {"FaceMatches": []}
    except rekognition.exceptions.InvalidS3ObjectException:  # the photo is gone meanwhile
        matches = {"FaceMatches": []}
    own = [
        m["Face"]
        for m in matches["FaceMatches"]
        if m["Face"].get("ExternalImageId") == request.user_id
    ]
    return {face["FaceId"] for face in own} | ({recorded} if recorded else set())
