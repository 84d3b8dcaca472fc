"""EventBridge on the local AWS: S3 sends its events to the default bus of a bucket with
EventBridge enabled, and rules deliver matched events to Lambda, SQS and Step Functions as AWS
does (patterns, Input/InputPath/InputTransformer, the targets' policies and roles, dead-letter
queues). Each case names the AWS page it follows."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.support.iam import allow_service_to_send, service_role
from tests.support.lambdas import create_function

ACCOUNT = "123456789012"
REGION = "us-east-1"
WAIT = 30


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def queue_for_rule(local_aws, rule_arn: str | None) -> tuple[str, str]:
    """A queue whose policy lets EventBridge send it the rule's events ("Using resource-based
    policies for Amazon EventBridge", Amazon SQS permissions); no policy with rule_arn None."""
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName=unique("eb"))["QueueUrl"]
    if rule_arn:
        return url, allow_service_to_send(sqs, url, "events.amazonaws.com", rule_arn)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def receive(local_aws, url: str, count: int = 1, timeout: float = WAIT) -> list[dict]:
    sqs, messages = local_aws.client("sqs"), []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        found = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in found:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        messages += found
    return messages


def nothing_in(local_aws, url: str) -> bool:
    """No message within 2 s (deliveries here take milliseconds)."""
    return receive(local_aws, url, timeout=2) == []


def rule(local_aws, pattern: dict, state: str = "ENABLED") -> tuple[str, str]:
    name = unique("rule")
    arn = local_aws.client("events").put_rule(
        Name=name, EventPattern=json.dumps(pattern), State=state
    )["RuleArn"]
    return name, arn


@pytest.fixture
def bucket(local_aws) -> str:
    """A bucket that sends its events to EventBridge (S3 User Guide, "Using EventBridge")."""
    s3, name = local_aws.client("s3"), unique("ebbucket")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    return name


def test_the_configuration_reads_back_with_eventbridge(local_aws, bucket):
    """GetBucketNotificationConfiguration answers EventBridgeConfiguration (S3 API Reference),
    beside the other notifications; without it Terraform plans eventbridge = true forever."""
    s3 = local_aws.client("s3")
    _, arn = queue_for_rule(local_aws, None)
    config = {
        "EventBridgeConfiguration": {},
        "QueueConfigurations": [{"Id": "q", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}],
    }
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    read = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert read["EventBridgeConfiguration"] == {}
    assert [q["QueueArn"] for q in read["QueueConfigurations"]] == [arn]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)


def uploads_rule(local_aws, bucket: str, **target) -> tuple[str, str, str]:
    """A rule on `incoming/*.mp4` uploads of the bucket with a queue target; (name, arn, url)."""
    name, arn = rule(
        local_aws,
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {
                "bucket": {"name": [bucket]},
                "object": {"key": [{"wildcard": "incoming/*.mp4"}]},
            },
        },
    )
    url, queue_arn = queue_for_rule(local_aws, arn)
    local_aws.client("events").put_targets(
        Rule=name, Targets=[{"Id": "queue", "Arn": queue_arn, **target}]
    )
    return name, arn, url


def test_s3_object_created_event_has_the_documented_shape(local_aws, bucket):
    """S3 User Guide, "EventBridge event message structure": envelope and detail of an
    "Object Created" event; only matching keys reach the rule."""
    _, _, url = uploads_rule(local_aws, bucket)
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="incoming/notes.txt", Body=b"not a video")
    s3.put_object(Bucket=bucket, Key="elsewhere/a.mp4", Body=b"outside the prefix")
    put = s3.put_object(Bucket=bucket, Key="incoming/my talk.mp4", Body=b"12345")
    [message] = receive(local_aws, url)
    event = json.loads(message["Body"])
    assert event["version"] == "0" and uuid.UUID(event["id"])
    assert event["detail-type"] == "Object Created" and event["source"] == "aws.s3"
    assert (event["account"], event["region"]) == (ACCOUNT, REGION)
    assert event["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert event["time"].endswith("Z")
    detail = event["detail"]
    assert detail["bucket"] == {"name": bucket}
    assert detail["object"]["key"] == "incoming/my+talk.mp4"  # URL-encoded, as notifications
    assert detail["object"]["size"] == 5
    assert detail["object"]["etag"] == put["ETag"].strip('"')
    assert int(detail["object"]["sequencer"], 16) > 0
    assert "version-id" not in detail["object"]  # the bucket is not versioned
    assert detail["reason"] == "PutObject" and detail["requester"] == ACCOUNT
    assert nothing_in(local_aws, url)


def test_bucket_without_eventbridge_sends_nothing(local_aws):
    s3, name = local_aws.client("s3"), unique("quiet")
    s3.create_bucket(Bucket=name)
    _, _, url = uploads_rule(local_aws, name)
    s3.put_object(Bucket=name, Key="incoming/a.mp4", Body=b"x")
    assert nothing_in(local_aws, url)


def test_versioned_bucket_gives_the_version_and_disabled_rules_stay_silent(local_aws, bucket):
    s3 = local_aws.client("s3")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    name, _, url = uploads_rule(local_aws, bucket)
    put = s3.put_object(Bucket=bucket, Key="incoming/v.mp4", Body=b"x")
    [message] = receive(local_aws, url)
    assert json.loads(message["Body"])["detail"]["object"]["version-id"] == put["VersionId"]
    local_aws.client("events").disable_rule(Name=name)
    s3.put_object(Bucket=bucket, Key="incoming/w.mp4", Body=b"x")
    assert nothing_in(local_aws, url)


def put_event(local_aws, detail: dict) -> None:
    local_aws.client("events").put_events(
        Entries=[{"Source": "test.shop", "DetailType": "Order", "Detail": json.dumps(detail)}]
    )


@pytest.mark.parametrize(
    ("filters", "matching", "other"),
    [
        # "Content filtering in Amazon EventBridge event patterns"
        ({"state": [{"anything-but": ["void", "refunded"]}]}, {"state": "paid"}, {"state": "void"}),
        ({"total": [{"numeric": [">", 10, "<=", 100]}]}, {"total": 100}, {"total": 10}),
        ({"coupon": [{"exists": False}]}, {"total": 1}, {"coupon": "X"}),
        ({"sku": [{"prefix": "bk-"}]}, {"sku": "bk-1"}, {"sku": "cd-1"}),
        ({"file": [{"suffix": ".pdf"}]}, {"file": "a.pdf"}, {"file": "a.png"}),
        ({"file": [{"anything-but": {"suffix": ".tmp"}}]}, {"file": "a.pdf"}, {"file": "a.tmp"}),
    ],
)  # fmt: skip
def test_content_filters(local_aws, filters, matching, other):
    name, arn = rule(local_aws, {"source": ["test.shop"], "detail": filters})
    url, queue_arn = queue_for_rule(local_aws, arn)
    local_aws.client("events").put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue_arn}])
    put_event(local_aws, other)
    put_event(local_aws, matching)
    [message] = receive(local_aws, url)
    assert json.loads(message["Body"])["detail"] == matching
    assert nothing_in(local_aws, url)


def test_input_path_and_input_transformer(local_aws, bucket):
    """ "Amazon EventBridge input transformation": variables from JSON paths, inside strings
    as text, elsewhere as JSON; the predefined rule-name variable."""
    name, arn = rule(local_aws, {"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}})
    path_url, path_queue = queue_for_rule(local_aws, arn)
    transformed_url, transformed_queue = queue_for_rule(local_aws, arn)
    transformer = {
        "InputPathsMap": {"key": "$.detail.object.key", "size": "$.detail.object.size"},
        "InputTemplate": (
            '{"object": <key>, "bytes": <size>, "note": "<key> by <aws.events.rule-name>"}'
        ),
    }
    local_aws.client("events").put_targets(
        Rule=name,
        Targets=[
            {"Id": "path", "Arn": path_queue, "InputPath": "$.detail.bucket"},
            {"Id": "transformed", "Arn": transformed_queue, "InputTransformer": transformer},
        ],
    )
    local_aws.client("s3").put_object(Bucket=bucket, Key='say "hi".txt', Body=b"abc")
    [by_path] = receive(local_aws, path_url)
    assert json.loads(by_path["Body"]) == {"name": bucket}
    [by_template] = receive(local_aws, transformed_url)
    assert json.loads(by_template["Body"]) == {
        "object": "say+%22hi%22.txt",
        "bytes": 3,
        "note": f"say+%22hi%22.txt by {name}",
    }


def test_queue_without_policy_dead_letters_without_retrying(local_aws, bucket):
    """ "Using dead-letter queues to process undelivered events": a missing permission is not
    retried; the DLQ message carries the rule, target and error as attributes."""
    name, arn = rule(local_aws, {"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}})
    _, closed_queue = queue_for_rule(local_aws, None)
    dlq_url, dlq_arn = queue_for_rule(local_aws, arn)
    local_aws.client("events").put_targets(
        Rule=name,
        Targets=[{"Id": "closed", "Arn": closed_queue, "DeadLetterConfig": {"Arn": dlq_arn}}],
    )
    local_aws.client("s3").put_object(Bucket=bucket, Key="x.bin", Body=b"x")
    [letter] = receive(local_aws, dlq_url)
    attributes = {k: v["StringValue"] for k, v in letter["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == arn and attributes["TARGET_ARN"] == closed_queue
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS"
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert json.loads(letter["Body"])["detail"]["object"]["key"] == "x.bin"


RECORD_EVENT = """
import json, os
import boto3

def lambda_handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
"""


def test_lambda_target_needs_the_functions_resource_policy(local_aws, bucket):
    """ "Using resource-based policies for Amazon EventBridge", Lambda permissions: the
    function's policy must let events.amazonaws.com invoke it for this rule."""
    out_url, _ = queue_for_rule(local_aws, None)
    fn = create_function(local_aws, RECORD_EVENT, Environment={"Variables": {"OUT": out_url}})
    name, arn = rule(local_aws, {"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}})
    dlq_url, dlq_arn = queue_for_rule(local_aws, arn)
    fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}"
    local_aws.client("events").put_targets(
        Rule=name, Targets=[{"Id": "fn", "Arn": fn_arn, "DeadLetterConfig": {"Arn": dlq_arn}}]
    )
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="first.bin", Body=b"x")
    [letter] = receive(local_aws, dlq_url)
    assert letter["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"

    local_aws.client("lambda").add_permission(
        FunctionName=fn,
        StatementId="events",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=arn,
    )
    s3.put_object(Bucket=bucket, Key="second.bin", Body=b"x")
    [message] = receive(local_aws, out_url)
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["object"]["key"] == "second.bin"


def state_machine(local_aws) -> str:
    role = service_role(local_aws, "states.amazonaws.com")
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    return local_aws.client("stepfunctions").create_state_machine(
        name=unique("sm"), definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


def executions(local_aws, machine: str, count: int) -> list[dict]:
    sfn = local_aws.client("stepfunctions")
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = sfn.list_executions(stateMachineArn=machine)["executions"]
        if len(found) >= count:
            return found
        time.sleep(0.2)
    return sfn.list_executions(stateMachineArn=machine)["executions"]


def test_state_machine_target_starts_with_the_rules_role(local_aws, bucket):
    """ "Using identity-based policies for Amazon EventBridge": a Step Functions target is
    started with the target's role, which must allow states:StartExecution; without it the
    event is dead-lettered."""
    machine = state_machine(local_aws)
    name, arn = rule(local_aws, {"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}})
    dlq_url, dlq_arn = queue_for_rule(local_aws, arn)
    allowed = service_role(
        local_aws,
        "events.amazonaws.com",
        [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": machine}],
    )
    not_allowed = service_role(
        local_aws,
        "events.amazonaws.com",
        [{"Effect": "Allow", "Action": "states:DescribeExecution", "Resource": "*"}],
    )
    transformer = {
        "InputPathsMap": {"key": "$.detail.object.key"},
        "InputTemplate": '{"key": <key>}',
    }
    events = local_aws.client("events")
    events.put_targets(
        Rule=name,
        Targets=[
            {
                "Id": "sm",
                "Arn": machine,
                "RoleArn": not_allowed,
                "InputTransformer": transformer,
                "DeadLetterConfig": {"Arn": dlq_arn},
            }
        ],
    )
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="denied.bin", Body=b"x")
    [letter] = receive(local_aws, dlq_url)
    assert letter["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"
    assert executions(local_aws, machine, 0) == []

    events.put_targets(
        Rule=name,
        Targets=[{"Id": "sm", "Arn": machine, "RoleArn": allowed, "InputTransformer": transformer}],
    )
    s3.put_object(Bucket=bucket, Key="started.bin", Body=b"x")
    [execution] = executions(local_aws, machine, 1)
    described = local_aws.client("stepfunctions").describe_execution(
        executionArn=execution["executionArn"]
    )
    assert json.loads(described["input"]) == {"key": "started.bin"}


def test_rule_counts_in_cloudwatch(local_aws, bucket):
    """ "Monitoring Amazon EventBridge": TriggeredRules by RuleName for each matched event."""
    name, _, url = uploads_rule(local_aws, bucket)
    local_aws.client("s3").put_object(Bucket=bucket, Key="incoming/c.mp4", Body=b"x")
    receive(local_aws, url)
    stats = local_aws.client("cloudwatch").list_metrics(
        Namespace="AWS/Events", Dimensions=[{"Name": "RuleName", "Value": name}]
    )
    assert {m["MetricName"] for m in stats["Metrics"]} >= {"TriggeredRules", "Invocations"}
