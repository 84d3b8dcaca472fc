"""SQS queue attributes as AWS keeps them.

moto drops RedriveAllowPolicy (Terraform's aws_sqs_queue_redrive_allow_policy then waits forever
for it to appear) and forgets a queue's Policy whenever SetQueueAttributes sets any other
attribute, which silently removes the permission SNS needs to deliver to the queue. It also
returns RedrivePolicy with spaces after separators, which Terraform plans as a change every run.
"""

from __future__ import annotations

import base64
import json

from .moto_internals import add, in_place, replace

# Attributes whose empty value means "remove it", as SetQueueAttributes treats them.
CLEARABLE = ("Policy", "RedriveAllowPolicy")


def merged_attributes(current_policy: str | None, changes: dict) -> dict:
    """The attributes to apply: the queue keeps its policy unless the call names Policy, and an
    empty Policy or RedriveAllowPolicy removes it."""
    attributes = dict(changes)
    attributes.setdefault("Policy", current_policy)
    for name in CLEARABLE:
        if attributes.get(name) == "":
            attributes[name] = None
    return attributes


def message_size(body: str, attributes: dict | None) -> int:
    """A message's size as SQS counts it against MaximumMessageSize: the body and every part of
    each message attribute (name, data type, value), in UTF-8 bytes (MessageAttributeValue, SQS
    API reference). moto counted the body's characters only."""
    size = len(body.encode("utf-8"))
    for name, attribute in (attributes or {}).items():
        size += len(name.encode("utf-8")) + len(attribute.get("DataType", "").encode("utf-8"))
        if attribute.get("StringValue") is not None:
            size += len(attribute["StringValue"].encode("utf-8"))
        elif attribute.get("BinaryValue") is not None:
            value = attribute["BinaryValue"]
            size += len(base64.b64decode(value) if isinstance(value, str) else value)
    return size


def _enforce_message_size() -> None:
    from moto.sqs.constants import MAXIMUM_MESSAGE_LENGTH
    from moto.sqs.exceptions import BatchRequestTooLong, InvalidParameterValue

    def send_message(self, queue_name, message_body, message_attributes=None, *args, **kwargs):
        limit = int(self.get_queue(queue_name).maximum_message_size)
        if message_size(message_body, message_attributes) > limit:
            raise InvalidParameterValue(
                "One or more parameters are invalid. Reason: Message must be shorter than"
                f" {limit} bytes."
            )
        return send(self, queue_name, message_body, message_attributes, *args, **kwargs)

    def send_message_batch(self, queue_name, entries):
        # SendMessageBatch: the sum of the messages' sizes is limited like one message (1 MiB).
        total = sum(
            message_size(e["MessageBody"], e.get("MessageAttributes")) for e in entries.values()
        )
        if total > MAXIMUM_MESSAGE_LENGTH:
            raise BatchRequestTooLong(total)
        return send_batch(self, queue_name, entries)

    send = replace("SQSBackend.send_message", send_message)
    send_batch = replace("SQSBackend.send_message_batch", send_message_batch)


def install() -> None:
    _enforce_message_size()

    base_attributes = in_place("Queue.BASE_ATTRIBUTES")
    if "RedriveAllowPolicy" not in base_attributes:
        base_attributes.append("RedriveAllowPolicy")
    # moto stores every attribute it is given under its snake_case name; this is the default.
    add("Queue.redrive_allow_policy", None)

    def _set_attributes(self, attributes, now=None):
        return original(self, merged_attributes(getattr(self, "policy", None), attributes), now)

    original = replace("Queue._set_attributes", _set_attributes)

    @property
    def compact_attributes(self):
        result = attributes.fget(self)
        if result.get("RedrivePolicy"):
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    attributes = replace("Queue.attributes", compact_attributes)


def customer_managed_key(queue, region: str) -> str | None:
    """The ARN of the customer managed KMS key a queue is encrypted with, if any."""
    from moto.kms.models import kms_backends

    key_id = getattr(queue, "kms_master_key_id", None)
    if not key_id or key_id == "alias/aws/sqs":
        return None
    try:
        return kms_backends[queue.account_id][region].describe_key(key_id).arn
    except Exception:  # an unknown key: SQS itself fails the request
        return None
