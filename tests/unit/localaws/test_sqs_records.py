"""The SQS records the local event source mapping hands a function have the message attributes
as Lambda's event shows them (Lambda Developer Guide, "Using Lambda with Amazon SQS", example
event: dataType, stringValue, binaryValue in base64)."""

from __future__ import annotations

import base64

import boto3
from localaws.events import sqs_record
from moto import mock_aws
from moto.sqs.models import sqs_backends


def test_message_attributes_keep_their_type_and_value(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sqs.send_message(
            QueueUrl=url,
            MessageBody="{}",
            MessageAttributes={
                "key": {"DataType": "String", "StringValue": "clip.mp4"},
                "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            },
        )
        backend = sqs_backends["123456789012"]["us-east-1"]
        (message,) = backend.receive_message("q", 1, 0, 30, ["All"])
        record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")
    attributes = record["messageAttributes"]
    assert attributes["key"]["dataType"] == "String"
    assert attributes["key"]["stringValue"] == "clip.mp4"
    assert attributes["blob"]["dataType"] == "Binary"
    assert base64.b64decode(attributes["blob"]["binaryValue"]) == b"\x00\x01"
