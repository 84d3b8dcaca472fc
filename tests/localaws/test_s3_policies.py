"""Bucket policies on the local S3: a TLS-only policy lets requests through (the local endpoint
stands for AWS's HTTPS one), and an unconditional Deny still denies."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError


def bucket_with_policy(local_aws, statement: dict) -> str:
    s3 = local_aws.client("s3")
    name = f"policy-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        **statement,
    }
    s3.put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    return name


def test_tls_only_policy_allows_object_requests(local_aws):
    name = bucket_with_policy(local_aws, {"Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=name, Key="a.txt", Body=b"ok")
    assert s3.get_object(Bucket=name, Key="a.txt")["Body"].read() == b"ok"


def test_unconditional_deny_still_denies(local_aws):
    name = bucket_with_policy(local_aws, {})
    with pytest.raises(ClientError) as error:
        local_aws.client("s3").put_object(Bucket=name, Key="a.txt", Body=b"no")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
