"""PhotoDoesNotMeetRequirement: tell the rider why the photo was refused, so they can upload
another. SES email when SENDER_EMAIL is set and the rider's address is known, else an SNS
message when TOPIC_ARN is set; every refusal is also logged as a structured event."""

from __future__ import annotations

import json
from collections.abc import Mapping

import boto3
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from lambda_common.env import env_optional
from photo_common.request import PhotoRequest, translate_client_error

logger = Logger(service="photo_notification")
SUBJECT = "Your profile photo could not be used"


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    request = PhotoRequest.from_event(event)
    sender, topic_arn = env_optional("SENDER_EMAIL"), env_optional("TOPIC_ARN")
    notice = rejection_notice(request, event.get("errorInfo"))
    logger.info("photo rejected", extra=notice)
    try:
        channel, message_id = deliver(notice, request.email, sender, topic_arn)
    except ClientError as exc:  # throttling becomes TransientServiceError, which is retried
        raise translate_client_error(exc, request) from exc
    return {**notice, "channel": channel, "messageId": message_id}


def deliver(notice: dict, email: str | None, sender: str | None, topic_arn: str | None):
    """(channel, message id): email if possible, else SNS, else only the log."""
    if sender and email:
        response = boto3.client("ses").send_email(
            Source=sender,
            Destination={"ToAddresses": [email]},
            Message={
                "Subject": {"Data": SUBJECT, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email_text(notice), "Charset": "UTF-8"}},
            },
        )
        return "ses", response["MessageId"]
    if topic_arn:
        response = boto3.client("sns").publish(
            TopicArn=topic_arn,
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
    cause = info.get("Cause") or ""
    try:
        reason = json.loads(cause).get("errorMessage") or cause
    except (ValueError, AttributeError):
        reason = cause
    return {
        "userId": request.user_id,
        "s3Bucket": request.bucket,
        "s3Key": request.key,
        "error": info.get("Error") or "Unknown",
        "reason": reason or "The photo does not meet the requirements.",
    }


def email_text(notice: dict) -> str:
    return (
        f"Hello,\n\nwe could not use the photo you uploaded ({notice['s3Key']}):\n"
        f"{notice['reason']}\n\n"
        "Please upload a photo that clearly shows your face alone, eyes open and without "
        "sunglasses.\n"
    )
