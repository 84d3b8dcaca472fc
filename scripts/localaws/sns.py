"""SNS topic attributes as AWS reports them.

moto accepts the delivery-status logging attributes (SQSSuccessFeedbackRoleArn, …) on
SetTopicAttributes but leaves them out of GetTopicAttributes, so Terraform planned to set them
again on every run. Deliveries to SQS are authorized as AWS does: SNS sends as its service
principal, so the queue's policy (and the key policy of a queue encrypted with a customer managed
key) must let it.
"""

from __future__ import annotations

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


def install() -> None:
    from moto.sns.responses import SNSResponse

    original = SNSResponse.get_topic_attributes

    def get_topic_attributes(self):
        response = original(self)
        topic = self.backend.get_topic(self._get_param("TopicArn"))
        response.result["Attributes"].update(delivery_status_attributes(topic))
        return response

    SNSResponse.get_topic_attributes = get_topic_attributes

    from moto.sns.models import Subscription

    original_publish = Subscription.publish

    def publish(self, message, message_id, *args, **kwargs):
        if self.protocol == "sqs" and not may_deliver_to_queue(self.topic.arn, self.endpoint):
            return  # SNS retries, then drops the message (no subscription DLQ here)
        return original_publish(self, message, message_id, *args, **kwargs)

    Subscription.publish = publish


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
