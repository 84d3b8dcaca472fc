"""Reading a workflow's alarm notifications in e2e tests: an SQS queue subscribed to the alarm
topic the module created (create_alarm_topic), as an operator's mail or pager would be."""

from __future__ import annotations

import json
import time
import uuid

from tests.support.iam import allow_service_to_send


class AlarmInbox:
    """Subscribes a new queue to `topic_arn`; `wait` returns a notification once it arrives."""

    def __init__(self, local_aws, topic_arn: str) -> None:
        self.sqs = local_aws.client("sqs")
        self.url = self.sqs.create_queue(QueueName=f"alarm-inbox-{uuid.uuid4().hex[:8]}")[
            "QueueUrl"
        ]
        arn = allow_service_to_send(self.sqs, self.url, "sns.amazonaws.com", topic_arn)
        local_aws.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        self.received: list[dict] = []

    def wait(self, alarm_name: str, state: str, timeout: float = 30) -> dict:
        """The first notification of `alarm_name` entering `state` (CloudWatch's JSON)."""
        deadline = time.monotonic() + timeout
        while True:
            for notice in self.received:
                if (notice["AlarmName"], notice["NewStateValue"]) == (alarm_name, state):
                    return notice
            if time.monotonic() > deadline:
                seen = [(n["AlarmName"], n["NewStateValue"]) for n in self.received]
                raise AssertionError(f"no {state} notification of {alarm_name}; got {seen}")
            self.take(wait=1)

    def take(self, wait: int = 0) -> list[dict]:
        """The notifications arrived since the last call (also kept in `received`)."""
        new = []
        for message in self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait
        ).get("Messages", []):
            new.append(json.loads(json.loads(message["Body"])["Message"]))
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        self.received += new
        return new
