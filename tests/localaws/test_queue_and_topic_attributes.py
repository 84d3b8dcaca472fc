"""SQS and SNS attributes on the local AWS read back as AWS returns them, so Terraform's waiters
finish and a second plan is empty."""

from __future__ import annotations

import json
import uuid

QUEUE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}],
}


def queue(local_aws, **attributes) -> tuple[str, str]:
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}", Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def attributes(local_aws, url: str) -> dict:
    return local_aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]


def test_redrive_allow_policy_is_kept_and_can_be_removed(local_aws):
    sqs = local_aws.client("sqs")
    url, _ = queue(local_aws)
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": ["arn:aws:sqs:x"]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": allow})
    assert json.loads(attributes(local_aws, url)["RedriveAllowPolicy"]) == json.loads(allow)

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})
    assert "RedriveAllowPolicy" not in attributes(local_aws, url)


def test_setting_another_attribute_keeps_the_queue_policy(local_aws):
    sqs = local_aws.client("sqs")
    url, _ = queue(local_aws, Policy=json.dumps(QUEUE_POLICY))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
    assert json.loads(attributes(local_aws, url)["Policy"]) == QUEUE_POLICY

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in attributes(local_aws, url)


def test_redrive_policy_reads_back_compact(local_aws):
    _, dlq_arn = queue(local_aws)
    url, _ = queue(
        local_aws, RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    )
    expected = f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":3}}'
    assert attributes(local_aws, url)["RedrivePolicy"] == expected


def test_topic_reports_its_delivery_status_settings(local_aws):
    sns = local_aws.client("sns")
    role = "arn:aws:iam::123456789012:role/delivery-status"
    arn = sns.create_topic(
        Name=f"t-{uuid.uuid4().hex[:8]}", Attributes={"SQSFailureFeedbackRoleArn": role}
    )["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="SQSSuccessFeedbackRoleArn", AttributeValue=role
    )
    sns.set_topic_attributes(
        TopicArn=arn, AttributeName="SQSSuccessFeedbackSampleRate", AttributeValue="100"
    )
    reported = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert reported["SQSSuccessFeedbackRoleArn"] == role
    assert reported["SQSFailureFeedbackRoleArn"] == role
    assert reported["SQSSuccessFeedbackSampleRate"] == "100"
    assert "LambdaSuccessFeedbackRoleArn" not in reported
