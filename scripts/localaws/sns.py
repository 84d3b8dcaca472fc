"""SNS topic attributes as AWS reports them.

moto accepts the delivery-status logging attributes (SQSSuccessFeedbackRoleArn, …) on
SetTopicAttributes but leaves them out of GetTopicAttributes, so Terraform planned to set them
again on every run.
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
