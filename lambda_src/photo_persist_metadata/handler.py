"""PersistMetadata: complete the rider's claim with the face id, photo and thumbnail.

The write is conditional: only this execution's claim whose face won (photo_common.claims) is
completed; repeating it (a retry) writes the same again and keeps `registeredAt`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

import boto3
from aws_lambda_powertools import Logger
from lambda_common.metrics import MetricUnit, workflow_metrics
from photo_common.claims import REGISTERED, WON, ClaimTask
from photo_common.errors import ClaimLostError, InvalidPhotoRequestError
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import PersistConfig

logger = Logger(service="photo_persist_metadata")
metrics = workflow_metrics("photo_persist_metadata")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    table = boto3.resource("dynamodb").Table(PersistConfig.from_env().table_name)
    result = persist(event, table, datetime.datetime.now(datetime.UTC))
    metrics.add_metric(name="RidersRegistered", unit=MetricUnit.Count, value=1)
    return result


def persist(event: dict, table, now: datetime.datetime) -> dict:
    task = ClaimTask.from_event(event)
    request = task.request
    logger.append_keys(user_id=request.user_id, photo=request.uri)
    item = rider_item(task.state, request, now)
    save_rider(table, item, request, task.execution_id)
    logger.info("rider saved", extra={"face_id": item["faceId"]})
    return {"userId": item["userId"], "faceId": item["faceId"]}


def rider_item(event: Mapping, request: PhotoRequest, now: datetime.datetime) -> dict:
    """The item from the state: the input, $.detectedFaceDetails and $.parallelResult
    ([AddFaceToIndex's Face, Thumbnail's result])."""
    try:
        face, thumbnail_result = event["parallelResult"]
        thumbnail = thumbnail_result["thumbnail"]
        item = {
            "userId": request.user_id,
            "faceId": face["FaceId"],
            "s3Bucket": request.bucket,
            "s3Key": request.key,
            "thumbnailS3Bucket": thumbnail["s3Bucket"],
            "thumbnailS3Key": thumbnail["s3Key"],
            "thumbnailWidth": int(thumbnail["width"]),
            "thumbnailHeight": int(thumbnail["height"]),
            "registeredAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidPhotoRequestError(
            f"the state lacks the parallel results PersistMetadata needs: {exc!r}"
        ) from None
    confidence = (event.get("detectedFaceDetails") or {}).get("Confidence")
    if confidence is not None:
        item["faceConfidence"] = Decimal(str(confidence))  # DynamoDB numbers are Decimals
    return item


def save_rider(table, item: dict, request: PhotoRequest, execution_id: str) -> None:
    fields = {k: v for k, v in item.items() if k not in ("userId", "registeredAt")}
    fields["registration"] = REGISTERED
    names = {f"#{k}": k for k in fields} | {"#execution": "execution"}
    values = {f":{k}": v for k, v in fields.items()}
    try:
        table.update_item(
            Key={"userId": item["userId"]},
            UpdateExpression="SET "
            + ", ".join(f"#{k} = :{k}" for k in fields)
            + ", registeredAt = if_not_exists(registeredAt, :registeredAt)"
            + " REMOVE faceVerdict, beatenBy",
            # This execution's claim, with this face, which won (or a retry's repeat).
            ConditionExpression="#execution = :execution AND #faceId = :faceId"
            " AND (faceVerdict = :won OR #registration = :registration)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                **values,
                ":registeredAt": item["registeredAt"],
                ":execution": execution_id,
                ":won": WON,
            },
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        raise ClaimLostError(
            f"Rider {item['userId']}'s claim with face {item['faceId']} is no longer held by"
            " this execution; not written."
        ) from None
    except table.meta.client.exceptions.ClientError as exc:
        raise translate_client_error(exc, request) from exc
