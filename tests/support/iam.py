"""Roles (and queue policies) for tests of the local AWS's services rather than of IAM: trusted
by the service and allowed everything, so a test exercises the service's behaviour. IAM itself
is tested in tests/localaws/test_iam_enforcement.py; the e2e tests run the modules' own roles."""

from __future__ import annotations

import json
import uuid

ALLOW_ALL = ({"Effect": "Allow", "Action": "*", "Resource": "*"},)


def service_role(
    local_aws, service: str | list[str], statements=ALLOW_ALL, name: str | None = None
) -> str:
    """The ARN of a role the service(s) (e.g. lambda.amazonaws.com) may assume, with
    `statements`; an existing role of that name is reused."""
    iam = local_aws.client("iam")
    name = name or f"role-{uuid.uuid4().hex[:8]}"
    trust = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    try:
        arn = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
        )["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="grants",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )
    return arn


def allow_service_to_send(sqs, queue_url: str, service: str, source_arn: str) -> str:
    """Gives the queue a policy letting `service` (e.g. sns.amazonaws.com) send it messages on
    behalf of `source_arn` only, as for an SNS subscription or an EventBridge target; returns
    the queue's ARN."""
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sqs:SendMessage",
        "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    return arn
