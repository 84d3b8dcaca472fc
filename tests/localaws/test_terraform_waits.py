"""After a write, the local AWS reads back what was written at once, as Terraform's AWS provider
(5.100.0) polls for, so an apply waits only the provider's own fixed minimum (README divergences).
An answer in another shape (a rule serialised differently, a Pending function, a queue still
there) would keep the provider polling until its timeout, then fail the apply.

Provider source (hashicorp/terraform-provider-aws), the waits these answers end:
- s3/bucket_lifecycle_configuration.go, waitLifecycleConfigEquals: GetBucketLifecycleConfiguration
  until Rules and TransitionDefaultMinimumObjectSize equal what was put (reflect.DeepEqual), 10
  times in a row 5 s apart after a 10 s delay (55 s at best).
- lambda/function.go, waitFunctionCreated: GetFunction until State is Active, after a 5 s delay;
  waitFunctionUpdated: until LastUpdateStatus is Successful.
- sqs/queue.go, waitQueueDeleted: GetQueueAttributes until the queue is gone (QueueDoesNotExist)
  15 times in a row, 100 ms apart. (Queue attributes and policies read back as set:
  test_queue_and_topic_attributes.py.)
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from tests.support.lambdas import create_function

# The rules terraform/modules/s3-bucket writes: abort incomplete uploads, expire a prefix.
RULES = [
    {
        "ID": "abort-incomplete-multipart-uploads",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    },
    {
        "ID": "expire-tmp-",
        "Filter": {"Prefix": "tmp/"},
        "Status": "Enabled",
        "Expiration": {"Days": 7},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    },
]


def test_lifecycle_configuration_reads_back_as_put(local_aws):
    # AWS API reference, PutBucketLifecycleConfiguration / GetBucketLifecycleConfiguration: the
    # rules and x-amz-transition-default-minimum-object-size come back as configured.
    s3 = local_aws.client("s3")
    bucket = f"lifecycle-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={"Rules": RULES},
        TransitionDefaultMinimumObjectSize="all_storage_classes_128K",
    )
    read = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert read["Rules"] == RULES
    assert read["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"


def test_function_is_active_after_create_and_update(local_aws):
    # Lambda developer guide, "Lambda function states": State Pending then Active after create;
    # LastUpdateStatus InProgress then Successful after an update.
    lambda_ = local_aws.client("lambda")
    name = create_function(local_aws, "def lambda_handler(event, context):\n    return 1\n")
    config = lambda_.get_function(FunctionName=name)["Configuration"]
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")

    lambda_.update_function_configuration(FunctionName=name, Timeout=10)
    config = lambda_.get_function(FunctionName=name)["Configuration"]
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")


def test_deleted_queue_is_gone_at_once(local_aws):
    # SQS API reference, GetQueueAttributes: QueueDoesNotExist; SDKs (boto3, the provider's Go SDK)
    # take the query-compatible code from the x-amzn-query-error header, as AWS sends it.
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as error:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert error.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
