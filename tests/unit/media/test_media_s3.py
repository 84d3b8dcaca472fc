"""delete_prefix: paginated batch deletes (Stubber: pages and errors; moto: the real effect)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from lambda_common.s3 import delete_prefix
from media_testlib import WORK_BUCKET, keys


def stubbed_s3():
    client = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def listing(keys_, token=None):
    page = {"Contents": [{"Key": key} for key in keys_], "IsTruncated": token is not None}
    return page | ({"NextContinuationToken": token} if token else {})


def test_deletes_each_page_in_one_batch():
    client, stub = stubbed_s3()
    first = [f"jobs/a/parts/{i:05d}.mp4" for i in range(1000)]
    stub.add_response("list_objects_v2", listing(first, "t1"), {"Bucket": "w", "Prefix": "jobs/a/"})
    delete = {"Objects": [{"Key": key} for key in first], "Quiet": True}
    stub.add_response("delete_objects", {}, {"Bucket": "w", "Delete": delete})
    stub.add_response(
        "list_objects_v2",
        listing(["jobs/a/manifest.json"]),
        {"Bucket": "w", "Prefix": "jobs/a/", "ContinuationToken": "t1"},
    )
    last = {"Objects": [{"Key": "jobs/a/manifest.json"}], "Quiet": True}
    stub.add_response("delete_objects", {}, {"Bucket": "w", "Delete": last})
    with stub:
        assert delete_prefix(client, "w", "jobs/a/") == 1001
    stub.assert_no_pending_responses()


def test_failed_deletes_are_reported():
    client, stub = stubbed_s3()
    stub.add_response("list_objects_v2", listing(["jobs/a/x"]))
    errors = [{"Key": "jobs/a/x", "Code": "AccessDenied", "Message": "Access Denied"}]
    stub.add_response("delete_objects", {"Errors": errors})
    with stub, pytest.raises(RuntimeError, match="jobs/a/x: AccessDenied"):
        delete_prefix(client, "w", "jobs/a/")


def test_refuses_a_prefix_that_is_not_a_folder():
    with pytest.raises(ValueError, match="refusing"):
        delete_prefix(None, "w", "jobs/a")


def test_deletes_only_under_the_prefix(s3):
    for key in ("jobs/a/1", "jobs/a/parts/2", "jobs/ab/3", "other/4"):
        s3.put_object(Bucket=WORK_BUCKET, Key=key, Body=b"x")
    assert delete_prefix(s3, WORK_BUCKET, "jobs/a/") == 2
    assert keys(s3, WORK_BUCKET) == ["jobs/ab/3", "other/4"]
    assert delete_prefix(s3, WORK_BUCKET, "jobs/none/") == 0
