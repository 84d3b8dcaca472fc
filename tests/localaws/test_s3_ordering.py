"""S3 on the local AWS orders writes as AWS documents: event notifications carry a `sequencer`
(and `versionId` in a versioned bucket), and conditional writes check the ETag and need what AWS
says they need."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.localaws.test_iam_enforcement import as_role, role_with


def bucket_notifying_a_queue(local_aws, versioned: bool = False) -> tuple[str, str]:
    s3, sqs = local_aws.client("s3"), local_aws.client("sqs")
    name = f"seq-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn["QueueArn"], "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    return name, url


def object_events(local_aws, url: str, count: int) -> list[dict]:
    sqs, found = local_aws.client("sqs"), []
    while len(found) < count:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in messages.get("Messages", []):
            for record in json.loads(message["Body"]).get("Records", []):
                found.append(record["s3"]["object"])
    return found


def later(a: str, b: str) -> bool:
    """AWS's rule: left-pad the shorter sequencer with zeros, then compare as strings."""
    width = max(len(a), len(b))
    return a.rjust(width, "0") > b.rjust(width, "0")


def test_events_of_one_key_carry_increasing_sequencers(local_aws):
    bucket, url = bucket_notifying_a_queue(local_aws)
    s3 = local_aws.client("s3")
    etags = [s3.put_object(Bucket=bucket, Key="k.mp4", Body=body)["ETag"] for body in (b"1", b"2")]
    first, second = sorted(
        object_events(local_aws, url, 2), key=lambda o: etags.index(f'"{o["eTag"]}"')
    )
    assert all(int(o["sequencer"], 16) for o in (first, second))
    assert later(second["sequencer"], first["sequencer"])
    assert "versionId" not in first  # only in a versioning-enabled bucket


def test_events_in_a_versioned_bucket_name_the_version(local_aws):
    bucket, url = bucket_notifying_a_queue(local_aws, versioned=True)
    version = local_aws.client("s3").put_object(Bucket=bucket, Key="k.mp4", Body=b"1")["VersionId"]
    (event,) = object_events(local_aws, url, 1)
    assert event["versionId"] == version


def test_if_match_write_replaces_only_the_named_version(local_aws):
    s3 = local_aws.client("s3")
    bucket = f"cond-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["ETag"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"2", IfMatch=etag)
    with pytest.raises(ClientError) as stale:
        s3.put_object(Bucket=bucket, Key="k", Body=b"3", IfMatch=etag)
    assert stale.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"2"


def test_if_match_write_needs_get_object_too(local_aws):
    """S3 User Guide, conditional writes: If-Match needs s3:PutObject and s3:GetObject."""
    s3 = local_aws.client("s3")
    bucket = f"cond-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["ETag"]
    resource = f"arn:aws:s3:::{bucket}/*"
    put_only = as_role(
        local_aws,
        role_with(local_aws, [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": resource}]),
        "s3",
    )
    with pytest.raises(ClientError) as denied:
        put_only.put_object(Bucket=bucket, Key="k", Body=b"2", IfMatch=etag)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    both = as_role(
        local_aws,
        role_with(
            local_aws,
            [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": resource}],
        ),
        "s3",
    )
    both.put_object(Bucket=bucket, Key="k", Body=b"2", IfMatch=etag)


def test_a_copy_of_a_multipart_upload_reads_back_with_a_valid_checksum(local_aws, tmp_path):
    """CopyObject writes the copy in one request with a checksum of its whole content ("Checking
    object integrity", S3 User Guide); boto3 validates it on GET by default."""
    s3 = local_aws.client("s3")
    name = f"copy-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    source = tmp_path / "upload.bin"
    source.write_bytes(uuid.uuid4().bytes * (10 * 1024 * 1024 // 16))  # 10 MiB: two parts
    s3.upload_file(str(source), name, "upload.bin")  # multipart: a composite CRC32
    assert s3.head_object(Bucket=name, Key="upload.bin")["ETag"].endswith('-2"')
    s3.copy_object(Bucket=name, Key="copy.bin", CopySource={"Bucket": name, "Key": "upload.bin"})
    copy = s3.get_object(Bucket=name, Key="copy.bin", ChecksumMode="ENABLED")
    assert copy["Body"].read() == source.read_bytes()
    assert "-" not in copy["ChecksumCRC32"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=5-9", slice(5, 10)),
        ("bytes=0-0", slice(0, 1)),
        ("bytes=6000000-99999999", slice(6_000_000, None)),  # past the end: to the end
        ("bytes=-4", slice(-4, None)),  # a suffix: moto's own handling
        ("bytes=6000000-", slice(6_000_000, None)),
    ],
)
def test_a_ranged_get_answers_its_range(local_aws, header, expected):
    """Of an object larger than moto keeps in memory (it spills to a file past ~5 MB), each form
    of range gives its bytes, its Content-Range and no whole-object checksum; the closed forms
    are read from the stored object at their offset (localaws/s3.py)."""
    s3, bucket = local_aws.client("s3"), f"range-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    body = bytes(range(256)) * 25_000  # 6.4 MB
    etag = s3.put_object(Bucket=bucket, Key="big.bin", Body=body)["ETag"]
    answer = s3.get_object(Bucket=bucket, Key="big.bin", Range=header, IfMatch=etag)
    content = answer["Body"].read()
    assert content == body[expected]
    first = expected.start % len(body)
    assert answer["ContentRange"] == f"bytes {first}-{first + len(content) - 1}/{len(body)}"
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == body
    with pytest.raises(ClientError, match="PreconditionFailed"):
        s3.get_object(Bucket=bucket, Key="big.bin", Range=header, IfMatch='"0000"')


def test_ranged_reads_of_an_object_being_replaced_keep_its_etag(local_aws):
    """An object copied over itself (same content, same ETag) while ranged GETs with If-Match
    read it: every read succeeds. moto computed a new object's ETag on first use, reading the
    stored object without its lock, so it read from the ranged reads' positions and kept a
    wrong ETag (every round failed before localaws/s3.py took the lock)."""
    s3, bucket = local_aws.client("s3"), f"etag-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    etag = s3.put_object(Bucket=bucket, Key="src", Body=bytes(range(256)) * 28_000)["ETag"]
    source = {"Bucket": bucket, "Key": "src"}
    failures: list[str] = []
    for _ in range(5):
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=source)
        stop = threading.Event()

        def read(offset: int, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                try:
                    ranged = f"bytes={offset}-{offset + 65535}"
                    s3.get_object(Bucket=bucket, Key="dst", Range=ranged, IfMatch=etag)
                except ClientError as exc:
                    failures.append(exc.response["Error"]["Code"])
                    return

        readers = [threading.Thread(target=read, args=(offset,)) for offset in (0, 7_000_000)]
        for reader in readers:
            reader.start()
        for _ in range(3):
            assert (
                s3.copy_object(Bucket=bucket, Key="dst", CopySource=source)["CopyObjectResult"][
                    "ETag"
                ]
                == etag
            )
        stop.set()
        for reader in readers:
            reader.join()
    assert failures == []
