"""PhotoDoesNotMeetRequirement and NotifyFailure: tell the rider why the photo was refused or
could not be processed, so they can upload another. SES email when SENDER_EMAIL is set and the
rider's address is known, else an SNS message when TOPIC_ARN is set; every notice is also
logged as a structured event."""

from __future__ import annotations

import json
from collections.abc import Mapping

import boto3
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from lambda_common.metrics import MetricUnit, workflow_metrics
from photo_common import errors
from photo_common.request import PhotoRequest, translate_client_error
from photo_common.settings import NotificationConfig

logger = Logger(service="photo_notification")
metrics = workflow_metrics("photo_notification")
SUBJECT = "Your profile photo could not be used"
# Errors about the photo itself, whose message tells the rider what to change; any other error
# (a service failure, a timeout) is ours, and the rider is asked to upload again.
PHOTO_ERRORS = frozenset(
    cls.__name__
    for cls in (
        errors.PhotoDoesNotMeetRequirementError,
        errors.FaceAlreadyExistsError,
        errors.RiderAlreadyRegisteredError,
        errors.InvalidImageError,
        errors.ImageTooLargeError,
        errors.InvalidPhotoRequestError,
    )
)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = NotificationConfig.from_env()
    result = notify(event, config, boto3.client("ses"), boto3.client("sns"))
    metrics.add_dimension(name="reason", value=result["error"])
    metrics.add_metric(name="PhotosRefused", unit=MetricUnit.Count, value=1)
    return result


def notify(event: dict, config: NotificationConfig, ses, sns) -> dict:
    request = PhotoRequest.from_event(event)
    notice = rejection_notice(request, event.get("errorInfo"))
    logger.info("photo rejected", extra=notice)
    try:
        channel, message_id = deliver(notice, request.email, config, ses, sns)
    except ClientError as exc:  # throttling becomes TransientServiceError, which is retried
        raise translate_client_error(exc, request) from exc
    return {**notice, "channel": channel, "messageId": message_id}


def deliver(notice: dict, email: str | None, config: NotificationConfig, ses, sns):
    """(channel, message id): email if possible, else SNS, else only the log."""
    if config.sender_email and email:
        response = ses.send_email(
            Source=config.sender_email,
            Destination={"ToAddresses": [email]},
            Message={
                "Subject": {"Data": SUBJECT, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email_text(notice), "Charset": "UTF-8"}},
            },
        )
        return "ses", response["MessageId"]
    if config.topic_arn:
        response = sns.publish(
            TopicArn=config.topic_arn,
            Subject=SUBJECT,
            Message=json.dumps(notice),
            MessageAttributes={"error": {"DataType": "String", "StringValue": notice["error"]}},
        )
        return "sns", response["MessageId"]
    return "log", None


def rejection_notice(request: PhotoRequest, error_info: object) -> dict:
    """Who, which photo, which error and the reason in words, from the caught `$.errorInfo`
    ({"Error": name, "Cause": the Lambda error as JSON text})."""
    info = error_info if isinstance(error_info, Mapping) else {}
    error = info.get("Error") or "Unknown"
    cause = info.get("Cause") or ""
    try:
        reason = json.loads(cause).get("errorMessage") or cause
    except (ValueError, AttributeError):
        reason = cause
    if info and error not in PHOTO_ERRORS:
        reason = (
            f"We could not process your photo because of an error on our side ({error});"
            " nothing was kept. Please upload it again."
        )
    return {
        "userId": request.user_id,
        "s3Bucket": request.bucket,
        "s3Key": request.key,
        "error": error,
        "reason": reason or "The photo does not meet the requirements.",
    }


def email_text(notice: dict) -> str:
    return (
        f"Hello,\n\nwe could not use the photo you uploaded ({notice['s3Key']}):\n"
        f"{notice['reason']}\n\n"
        "Please upload a photo that clearly shows your face alone, eyes open and without "
        "sunglasses.\n"
    )
