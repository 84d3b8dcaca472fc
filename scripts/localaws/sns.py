"""SNS topic attributes as AWS reports them.

moto accepts the delivery-status logging attributes (SQSSuccessFeedbackRoleArn, …) on
SetTopicAttributes but leaves them out of GetTopicAttributes, so Terraform planned to set them
again on every run. Deliveries to SQS are authorized as AWS does: SNS sends as its service
principal, so the queue's policy (and the key policy of a queue encrypted with a customer managed
key) must let it.
"""

from __future__ import annotations

from .moto_internals import replace

PROTOCOLS = ("Application", "Firehose", "HTTP", "Lambda", "SQS")
DELIVERY_STATUS = tuple(
    f"{protocol}{setting}"
    for protocol in PROTOCOLS
    for setting in ("SuccessFeedbackRoleArn", "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate")
)


def delivery_status_attributes(topic) -> dict[str, str]:
    """The delivery-status settings stored on a topic. moto keeps each as an attribute of the
    topic object: under its snake_case name when given to CreateTopic, under the API name when
    given to SetTopicAttributes (the later one wins)."""
    from moto.core.utils import camelcase_to_underscores

    found = {}
    for name in DELIVERY_STATUS:
        for stored in (camelcase_to_underscores(name), name):
            if getattr(topic, stored, None) not in (None, ""):
                found[name] = str(getattr(topic, stored))
    return found


# Publish: "By default, a message can be at most 256 KiB in size (262,144 bytes, not 262,144
# characters)"; a topic's MaximumMessageSize attribute raises it up to 1 MiB, and "Amazon SNS
# validates the combined size of the message body and message attributes" (SNS API reference).
DEFAULT_MAXIMUM_MESSAGE_SIZE = 262_144


def message_size(message: str, attributes: dict | None) -> int:
    """Body and attributes (name, type, value) in UTF-8 bytes; moto counted the body's
    characters only, against a fixed 256 KiB."""
    size = len(message.encode("utf-8"))
    for name, attribute in (attributes or {}).items():
        value = attribute.get("Value", "")
        value = value if isinstance(value, bytes) else str(value).encode("utf-8")
        size += len(name.encode("utf-8")) + len(attribute.get("Type", "").encode("utf-8"))
        size += len(value)
    return size


def maximum_message_size(topic) -> int:
    for stored in ("MaximumMessageSize", "maximum_message_size"):  # see delivery_status_…
        if getattr(topic, stored, None) not in (None, ""):
            return int(getattr(topic, stored))
    return DEFAULT_MAXIMUM_MESSAGE_SIZE


def _enforce_message_size() -> None:
    from moto.sns.exceptions import InvalidParameterValue, SNSException

    class BatchRequestTooLong(SNSException):
        code = "BatchRequestTooLong"

    def publish_checked(self, message, arn, *args, **kwargs):
        attributes = kwargs.get("message_attributes")
        topic = self.topics.get(arn) if arn else None
        if topic is not None and message_size(message, attributes) > maximum_message_size(topic):
            # InvalidParameter, as AWS; PublishBatch reports it as the entry's failure.
            raise InvalidParameterValue("Invalid parameter: Message too long")
        return publish(self, message, arn, *args, **kwargs)

    def publish_batch_checked(self, topic_arn, publish_batch_request_entries):
        entries = publish_batch_request_entries
        limit = maximum_message_size(self.get_topic(topic_arn))
        total = sum(message_size(e["Message"], e.get("MessageAttributes")) for e in entries)
        if total > limit:  # PublishBatch: the batch's total is limited like one message
            raise BatchRequestTooLong(
                f"The length of all the messages put together is more than the limit ({limit})."
            )
        return publish_batch(self, topic_arn, entries)

    publish = replace("SNSBackend.publish", publish_checked)
    publish_batch = replace("SNSBackend.publish_batch", publish_batch_checked)


def install() -> None:
    _enforce_message_size()

    def get_topic_attributes(self):
        response = original(self)
        topic = self.backend.get_topic(self._get_param("TopicArn"))
        response.result["Attributes"].update(delivery_status_attributes(topic))
        return response

    original = replace("SNSResponse.get_topic_attributes", get_topic_attributes)

    def publish(self, message, message_id, *args, **kwargs):
        if self.protocol == "sqs" and not may_deliver_to_queue(self.topic.arn, self.endpoint):
            return  # SNS retries, then drops the message (no subscription DLQ here)
        return original_publish(self, message, message_id, *args, **kwargs)

    original_publish = replace("Subscription.publish", publish)


def may_deliver_to_queue(topic_arn: str, queue_arn: str) -> bool:
    """SNS developer guide, "Fanout to Amazon SQS queues": the queue policy allows
    sns.amazonaws.com sqs:SendMessage (usually for aws:SourceArn = the topic); for a queue with a
    customer managed key, the key policy allows it kms:GenerateDataKey and kms:Decrypt."""
    from moto.sqs.models import sqs_backends

    from . import authorization
    from .sqs import customer_managed_key

    _, _, _, region, account, name = queue_arn.split(":")
    context = {"SourceArn": topic_arn, "SourceAccount": account}
    needs = [("sqs:SendMessage", queue_arn)]
    key = customer_managed_key(sqs_backends[account][region].get_queue(name), region)
    needs += [(action, key) for action in ("kms:GenerateDataKey", "kms:Decrypt") if key]
    return all(
        authorization.service_may("sns.amazonaws.com", action, resource, region, **context)
        for action, resource in needs
    )
