"""Publishes each uploaded video (bucket, key, size, etag, sequencer) to the fan-out topic; the
topic delivers it to one queue per rendition. The S3 event's sequencer is what lets a transcoder
tell which of two uploads of the same key is the later one, whatever order SQS delivers them in."""

from __future__ import annotations

import json

import boto3
from aws_lambda_powertools import Logger
from lambda_common.s3_events import created_objects
from media_common.settings import PublishConfig

logger = Logger(service="fanout_publish")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = PublishConfig.from_env()
    return publish_uploads(event, config.topic_arn, boto3.client("sns"))


def publish_uploads(event: dict, topic_arn: str, sns) -> dict:
    """One message per object; an error propagates so that S3's asynchronous invocation retries
    (and, past its retries, the function's dead-letter target keeps the event)."""
    message_ids = []
    for obj in created_objects(event):
        response = sns.publish(
            TopicArn=topic_arn,
            Message=json.dumps({**obj.as_message(), "sequencer": obj.sequencer}),
            MessageAttributes={"key": {"DataType": "String", "StringValue": obj.key}},
        )
        message_ids.append(response["MessageId"])
        logger.info("published", extra={"key": obj.key, "messageId": response["MessageId"]})
    return {"published": len(message_ids), "messageIds": message_ids}
