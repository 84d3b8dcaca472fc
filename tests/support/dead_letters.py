"""An S3 event the entry function of a workflow fails on is kept in its dead-letter queue."""

from __future__ import annotations

import json
import time

# An S3 notification record without its object: every entry function fails on it (KeyError),
# as it would on any error that outlasts Lambda's asynchronous retries.
BROKEN_EVENT = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "uploads"}}}]}


def assert_failed_event_is_dead_lettered(
    local_aws, function_name: str, queue_url: str, wait: float = 60
) -> None:
    local_aws.client("lambda").invoke(
        FunctionName=function_name, InvocationType="Event", Payload=json.dumps(BROKEN_EVENT)
    )
    sqs = local_aws.client("sqs")
    deadline, found = time.time() + wait, []
    while time.time() < deadline and not found:
        found = sqs.receive_message(
            QueueUrl=queue_url, MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
    assert found, f"no dead letter in {queue_url} after {wait}s"
    [message] = found
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert json.loads(message["Body"]) == BROKEN_EVENT
    assert "KeyError" in message["MessageAttributes"]["ErrorMessage"]["StringValue"]
