"""A dead-lettered message that says why it failed.

When SQS moves a message to the dead-letter queue after maxReceiveCount receives, it moves the
message as it was sent: no reason travels with it. So the transcoder does the move itself on the
last receive that fails (a long source: when its parts execution fails): it sends the message
to the dead-letter queue with its body and message
attributes and one more attribute, `failure`, a JSON record of the error, and lets the original be
deleted. The queue's redrive policy stays as the backstop for a receive that never returns (the
function timed out or crashed): such a message arrives without `failure`.
"""

from __future__ import annotations

import base64
import json
import re

FAILURE_ATTRIBUTE = "failure"
CAUSE_MAX_CHARS = 4096  # a readable cause; the whole message must stay under SQS's 256 KiB
# Characters SQS accepts in a message attribute value (SendMessage, "MessageAttributes").
NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def failure_record(
    error: str,
    cause: str,
    *,
    rendition: str,
    message_id: str,
    receive_count: int,
    request_id: str,
    function_name: str,
    time: str,
) -> dict:
    """`error`: the error's name (an exception's class, or a failed step's Error), `cause` its
    message."""
    cause = NOT_SQS_TEXT.sub("?", cause)
    if len(cause) > CAUSE_MAX_CHARS:
        cause = cause[: CAUSE_MAX_CHARS - 1] + "…"
    return {
        "error": error,
        "cause": cause,
        "rendition": rendition,
        "messageId": message_id,
        "receiveCount": receive_count,
        "function": function_name,
        "requestId": request_id,
        "time": time,
    }


def dead_letter_attributes(record_attributes: dict, failure: dict) -> dict:
    """SendMessage's MessageAttributes: the received message's own (Lambda gives them camelCase)
    with `failure` added, or replaced when a redriven message fails again."""
    attributes = {}
    for name, value in record_attributes.items():
        if name == FAILURE_ATTRIBUTE:
            continue
        attribute = {"DataType": value["dataType"]}
        if value.get("stringValue") is not None:
            attribute["StringValue"] = value["stringValue"]
        if value.get("binaryValue") is not None:  # base64 in the event, bytes for SendMessage
            attribute["BinaryValue"] = base64.b64decode(value["binaryValue"])
        attributes[name] = attribute
    attributes[FAILURE_ATTRIBUTE] = {"DataType": "String", "StringValue": json.dumps(failure)}
    return attributes
