"""The local AWS authorizes role sessions and IAM users as AWS does (deployer keys are an
administrator's). Each case names the AWS documentation it follows."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.support.lambdas import create_function, invoke

ACCOUNT = "123456789012"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def role_with(local_aws, statements: list[dict], service: str = "lambda.amazonaws.com") -> str:
    iam = local_aws.client("iam")
    name = unique("role")
    trust = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )
    if statements:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="grants",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    return name


def as_role(local_aws, role_name: str, service: str):
    """A client calling with a session of the role."""
    keys = local_aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role_name}", RoleSessionName="test"
    )["Credentials"]
    return local_aws.client(service, credentials=keys)


def as_user(local_aws, user_name: str, service: str):
    """A client calling with a new access key of the IAM user."""
    keys = local_aws.client("iam").create_access_key(UserName=user_name)["AccessKey"]
    return local_aws.client(service, credentials=keys)


def error_of(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


@pytest.fixture
def bucket(local_aws) -> str:
    name = unique("authz")
    local_aws.client("s3").create_bucket(Bucket=name)
    local_aws.client("s3").put_object(Bucket=name, Key="in/a.txt", Body=b"a")
    return name


def test_identity_policy_allows_only_what_it_names(local_aws, bucket):
    """IAM: an action is allowed only when a policy allows it (implicit deny); S3's denial is
    403 AccessDenied."""
    role = role_with(
        local_aws,
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/in/*"}],
    )
    s3 = as_role(local_aws, role, "s3")
    assert s3.get_object(Bucket=bucket, Key="in/a.txt")["Body"].read() == b"a"
    denied = error_of(lambda: s3.put_object(Bucket=bucket, Key="in/b.txt", Body=b"b"))
    assert denied["Error"]["Code"] == "AccessDenied"
    assert denied["ResponseMetadata"]["HTTPStatusCode"] == 403
    message = denied["Error"]["Message"]
    assert f"assumed-role/{role}/test is not authorized to perform: s3:PutObject" in message
    assert (
        f'on resource: "arn:aws:s3:::{bucket}/in/b.txt"' in message
        or f"on resource: arn:aws:s3:::{bucket}/in/b.txt" in message
    )


def test_missing_key_is_403_without_list_bucket_and_404_with_it(local_aws, bucket):
    """S3 HeadObject/GetObject "Permissions": without s3:ListBucket a missing key answers 403."""
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    s3 = as_role(local_aws, role_with(local_aws, [read]), "s3")
    assert (
        error_of(lambda: s3.head_object(Bucket=bucket, Key="in/none"))["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 403
    )
    listing = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}
    s3 = as_role(local_aws, role_with(local_aws, [read, listing]), "s3")
    assert (
        error_of(lambda: s3.head_object(Bucket=bucket, Key="in/none"))["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 404
    )


def test_bucket_policy_deny_wins_over_an_identity_allow(local_aws, bucket):
    """Policy evaluation logic: an explicit Deny in any policy overrides every Allow."""
    role = role_with(local_aws, [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{role}"},
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    local_aws.client("s3").put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    s3 = as_role(local_aws, role, "s3")
    s3.put_object(Bucket=bucket, Key="in/c.txt", Body=b"c")
    denied = error_of(lambda: s3.delete_object(Bucket=bucket, Key="in/c.txt"))
    assert "explicit deny in a resource-based policy" in denied["Error"]["Message"]


def test_same_account_queue_policy_grants_without_an_identity_policy(local_aws):
    """Policy evaluation within a single account: a resource-based policy naming the role
    allows by itself."""
    role = role_with(local_aws, [])
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    as_role_sqs = as_role(local_aws, role, "sqs")
    denied = error_of(lambda: as_role_sqs.send_message(QueueUrl=url, MessageBody="x"))
    assert "sqs:SendMessage" in denied["Error"]["Message"]
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{role}"},
        "Action": "sqs:SendMessage",
        "Resource": arn,
    }
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [grant]})},
    )
    as_role_sqs.send_message(QueueUrl=url, MessageBody="x")


def test_pass_role_is_needed_to_create_a_function(local_aws):
    """Lambda "execution role": CreateFunction needs iam:PassRole on the role."""
    iam = local_aws.client("iam")
    user = unique("deployer")
    iam.create_user(UserName=user)
    create = {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}
    iam.put_user_policy(
        UserName=user,
        PolicyName="create",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [create]}),
    )
    from tests.support.lambdas import zip_source

    lam = as_user(local_aws, user, "lambda")
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role_with(local_aws, [])}"

    def create_function():
        return lam.create_function(
            FunctionName=unique("fn"),
            Runtime="python3.12",
            Role=role_arn,
            Handler="fn.handler.lambda_handler",
            Code={"ZipFile": zip_source("")},
        )

    denied = error_of(create_function)
    assert f"user/{user} is not authorized to perform: iam:PassRole" in denied["Error"]["Message"]
    pass_role = {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": role_arn,
        "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    }
    iam.put_user_policy(
        UserName=user,
        PolicyName="pass",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [pass_role]}),
    )
    create_function()


def test_function_code_calls_with_its_execution_role(local_aws, bucket):
    """Lambda "execution role": the function's code gets the role's temporary credentials."""
    source = (
        "import boto3, os\n"
        "def lambda_handler(event, context):\n"
        "    s3 = boto3.client('s3')\n"
        "    arn = boto3.client('sts').get_caller_identity()['Arn']\n"
        "    try:\n"
        "        s3.put_object(Bucket=event['bucket'], Key='out/x', Body=b'x')\n"
        "        return {'arn': arn, 'put': 'ok'}\n"
        "    except Exception as exc:\n"
        "        return {'arn': arn, 'put': str(exc)}\n"
    )
    name = create_function(local_aws, source, statements=())
    error, payload = invoke(local_aws, name, {"bucket": bucket})
    assert error is None
    assert payload["arn"].endswith(f":assumed-role/{name}-role/{name}")
    assert "AccessDenied" in payload["put"] and "s3:PutObject" in payload["put"]


def test_soft_mode_logs_the_denial_and_allows(local_aws, bucket):
    """LOCALAWS_IAM=soft (or POST /_localaws/iam {"mode": "soft"}): what would be denied is
    recorded with its message, and the call goes through."""
    s3 = as_role(local_aws, role_with(local_aws, []), "s3")
    local_aws.control("POST", "iam", {"mode": "soft"})
    try:
        s3.put_object(Bucket=bucket, Key="in/soft.txt", Body=b"s")
    finally:
        local_aws.control("POST", "iam", {"mode": "enforce"})
    denied = local_aws.control("GET", "iam")["denied"]
    assert any(d["resource"] == f"arn:aws:s3:::{bucket}/in/soft.txt" for d in denied)
    with pytest.raises(ClientError):
        s3.put_object(Bucket=bucket, Key="in/enforced.txt", Body=b"e")


def test_allowed_calls_are_recorded_with_the_statement_that_allowed_them(local_aws, bucket):
    """The least-privilege report's input: who did what, allowed by which statement."""
    role = role_with(
        local_aws,
        [
            {
                "Sid": "ReadInputs",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/in/*",
            }
        ],
    )
    as_role(local_aws, role, "s3").get_object(Bucket=bucket, Key="in/a.txt")
    allowed = local_aws.control("GET", "iam")["allowed"]
    record = next(a for a in allowed if a["principal"].endswith(f":role/{role}"))
    assert record["action"] == "s3:GetObject"
    assert record["statements"] == [
        {"policy": f"inline policy 'grants' of role {role}", "statement": "ReadInputs"}
    ]


def test_service_principal_needs_the_key_policy_to_encrypt_a_log_group(local_aws):
    """CloudWatch Logs "Encrypt log data using AWS KMS": CreateLogGroup with a key whose policy
    does not allow logs.<region>.amazonaws.com is refused."""
    kms = local_aws.client("kms")
    root = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    key = kms.create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [root]}))[
        "KeyMetadata"
    ]["Arn"]
    logs = local_aws.client("logs")
    group = unique("/aws/lambda/encrypted")
    denied = error_of(lambda: logs.create_log_group(logGroupName=group, kmsKeyId=key))
    assert "not allowed to be used with Arn" in denied["Error"]["Message"]
    service = {
        "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:*:{ACCOUNT}:log-group:*"
            }
        },
    }
    kms.put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [root, service]}),
    )
    logs.create_log_group(logGroupName=group, kmsKeyId=key)


def test_sns_delivers_to_a_queue_only_when_its_policy_lets_the_topic(local_aws):
    """SNS "Fanout to Amazon SQS queues": the queue policy must allow sns.amazonaws.com
    sqs:SendMessage for the topic (aws:SourceArn)."""
    sns, sqs = local_aws.client("sns"), local_aws.client("sqs")
    topic = sns.create_topic(Name=unique("t"))["TopicArn"]
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="dropped")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    grant = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
    }
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [grant]})},
    )
    sns.publish(TopicArn=topic, Message="delivered")
    body = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"][0]["Body"]
    assert json.loads(body)["Message"] == "delivered"


def test_lambda_refuses_a_role_it_cannot_assume(local_aws):
    """Lambda CreateFunction: "The role defined for the function cannot be assumed by Lambda"
    when the trust policy does not name lambda.amazonaws.com."""
    from tests.support.lambdas import zip_source

    role = f"arn:aws:iam::{ACCOUNT}:role/{role_with(local_aws, [], service='states.amazonaws.com')}"
    denied = error_of(
        lambda: local_aws.client("lambda").create_function(
            FunctionName=unique("fn"),
            Runtime="python3.12",
            Role=role,
            Handler="fn.handler.lambda_handler",
            Code={"ZipFile": zip_source("")},
        )
    )
    assert denied["Error"]["Code"] == "InvalidParameterValueException"


def test_s3_invokes_a_function_only_when_its_policy_lets_the_bucket(local_aws, bucket):
    """S3 "Granting permissions to invoke an AWS Lambda function": the function's resource-based
    policy must allow s3.amazonaws.com for the bucket (aws:SourceArn, aws:SourceAccount)."""
    name = create_function(local_aws, "def lambda_handler(event, context):\n    return 1\n")
    arn = local_aws.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    local_aws.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    local_aws.client("s3").put_object(Bucket=bucket, Key="in/refused.txt", Body=b"r")
    local_aws.client("lambda").add_permission(
        FunctionName=name,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount=ACCOUNT,
    )
    local_aws.client("s3").put_object(Bucket=bucket, Key="in/allowed.txt", Body=b"a")
    deadline = time.monotonic() + 30
    while not local_aws.invocations(name) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(local_aws.invocations(name)) == 1
    denied = local_aws.control("GET", "iam")["denied"]
    assert any(d["principal"] == "s3.amazonaws.com" and d["resource"] == arn for d in denied)


def test_invoking_by_arn_or_name_is_authorized_on_the_function_arn(local_aws):
    """Lambda Invoke's resource is the function's ARN however FunctionName names it (the ARN
    travels percent-encoded in the request path)."""
    name = create_function(local_aws, "def lambda_handler(event, context):\n    return 'ok'\n")
    arn = local_aws.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    role = role_with(
        local_aws, [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}]
    )
    lam = as_role(local_aws, role, "lambda")
    for function in (arn, name):
        assert json.loads(lam.invoke(FunctionName=function)["Payload"].read()) == "ok"


def test_delete_objects_authorizes_each_key(local_aws, bucket):
    """S3 DeleteObjects: s3:DeleteObject is needed on each key; a denied key comes back as an
    AccessDenied error of the response, the others are deleted."""
    local_aws.client("s3").put_object(Bucket=bucket, Key="out/b.txt", Body=b"b")
    role = role_with(
        local_aws,
        [
            {
                "Effect": "Allow",
                "Action": "s3:DeleteObject",
                "Resource": f"arn:aws:s3:::{bucket}/in/*",
            }
        ],
    )
    result = as_role(local_aws, role, "s3").delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "in/a.txt"}, {"Key": "out/b.txt"}]}
    )
    assert [d["Key"] for d in result["Deleted"]] == ["in/a.txt"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("out/b.txt", "AccessDenied")]


def test_a_users_group_policies_count_and_a_deleted_roles_session_has_none(local_aws, bucket):
    """IAM users get their groups' policies; a session outliving its role is denied, not an
    error."""
    iam = local_aws.client("iam")
    user, group = unique("reader"), unique("readers")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    iam.put_group_policy(
        GroupName=group,
        PolicyName="read",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [read]}),
    )
    s3 = as_user(local_aws, user, "s3")
    assert s3.get_object(Bucket=bucket, Key="in/a.txt")["Body"].read() == b"a"

    role = role_with(local_aws, [read])
    as_role_s3 = as_role(local_aws, role, "s3")
    iam.delete_role_policy(RoleName=role, PolicyName="grants")
    iam.delete_role(RoleName=role)
    denied = error_of(lambda: as_role_s3.get_object(Bucket=bucket, Key="in/a.txt"))
    assert denied["Error"]["Code"] == "AccessDenied"
