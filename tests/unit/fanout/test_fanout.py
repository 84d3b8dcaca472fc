"""sns-fanout functions against moto in-process: publishing uploads, transcoding a rendition,
idempotency on redelivery, per-message failures for bad inputs, the order of uploads of one key
whatever the order of their messages, and dead letters that say why."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.stub import Stubber
from fanout_publish.handler import publish_uploads
from fanout_transcode import handler as transcode
from fanout_transcode.ordering import Decision, Output, Upload, compare_sequencers, decide
from lambda_common.errors import ConfigurationError, MissingPermissionError
from media_common.errors import EmptyInputError, InvalidMessageError, NotAVideoError
from media_common.settings import RenditionConfig
from moto import mock_aws
from sample_media import make_video, measure

INPUT, OUTPUT = "videoconverter-input", "videoconverter-output-720p"
RENDITION_ENV = {
    "RENDITION": "720p",
    "OUTPUT_BUCKET": OUTPUT,
    "OUTPUT_PREFIX": "",
    "OUTPUT_HEIGHT": "240",
    "VIDEO_CRF": "30",
    "AUDIO_BITRATE": "96k",
    "X264_PRESET": "ultrafast",
    "ALLOW_UPSCALE": "false",
    "DEAD_LETTER_QUEUE_URL": "set by the aws fixture",
    "MAX_RECEIVE_COUNT": "2",
    "PARTS_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:vc-720p-parts",
    "WORK_BUCKET": "videoconverter-work",
    "PARTS_MAX_INPUT_BYTES": str(1024 * 2**20 // 3),
}
# S3 events number the writes of a key; moto in-process sends none, so uploads here count.
SEQUENCERS = (f"{n:016X}" for n in itertools.count(0x0055AED6DCD90281))


@dataclass
class Context:
    function_name: str = "videoconverter-transcode-720p"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:transcode"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name, value in RENDITION_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=INPUT)
        s3.create_bucket(Bucket=OUTPUT)
        dlq = boto3.client("sqs").create_queue(QueueName="videoconverter-720p-dlq")["QueueUrl"]
        monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", dlq)
        yield s3


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("fanout") / "clip.mp4", 2, "640x360")


def upload(s3, path, key: str) -> dict:
    """The message the publisher sends for this upload."""
    s3.upload_file(str(path), INPUT, key)
    head = s3.head_object(Bucket=INPUT, Key=key)
    return {
        "bucket": INPUT,
        "key": key,
        "etag": head["ETag"].strip('"'),
        "size": head["ContentLength"],
        "sequencer": next(SEQUENCERS),
    }


def announced(s3, path, key: str) -> Upload:
    return Upload.from_body(json.dumps(upload(s3, path, key)))


def sqs_event(*messages: dict, receive_count: int = 1) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": json.dumps(message),
                "attributes": {"ApproximateReceiveCount": str(receive_count)},
                "messageAttributes": {
                    "key": {"stringValue": str(message.get("key")), "dataType": "String"}
                },
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, message in enumerate(messages)
        ]
    }


def test_publisher_sends_one_message_per_object_with_decoded_key(aws):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="videoconverter-topic")["TopicArn"]
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    event = {
        "Records": [
            {
                "s3": {
                    "bucket": {"name": INPUT},
                    "object": {
                        "key": "my+clip+%C3%BC.mp4",
                        "size": 5,
                        "eTag": "abc",
                        "sequencer": "0055AED6DCD90281E5",
                    },
                }
            }
        ]
    }
    assert publish_uploads(event, topic, sns)["published"] == 1
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(message["Body"]) == {
        "bucket": INPUT,
        "key": "my clip ü.mp4",
        "etag": "abc",
        "size": 5,
        "sequencer": "0055AED6DCD90281E5",
    }


def test_transcodes_to_the_rendition_height_keeping_aspect_and_duration(aws, clip, tmp_path):
    message = upload(aws, clip, "in/clip one.mp4")
    response = transcode.lambda_handler(sqs_event(message), Context())
    assert response == {"batchItemFailures": []}
    aws.download_file(OUTPUT, "in/clip one.mp4", str(tmp_path / "out.mp4"))
    source, result = measure(clip), measure(tmp_path / "out.mp4")
    assert (result["width"], result["height"]) == (426, 240)
    assert result["frames"] == source["frames"]
    assert abs(result["duration"] - source["duration"]) <= source["frame"]
    assert result["video_codec"] == "h264"
    assert result["audio_codec"] == "aac"
    head = aws.head_object(Bucket=OUTPUT, Key="in/clip one.mp4")
    assert head["Metadata"][transcode.SOURCE_ETAG] == message["etag"]
    assert head["Metadata"][transcode.SOURCE_SEQUENCER] == message["sequencer"]


def test_never_upscales_unless_asked(aws, clip, monkeypatch, tmp_path):
    monkeypatch.setenv("OUTPUT_HEIGHT", "720")
    transcode.lambda_handler(sqs_event(upload(aws, clip, "small.mp4")), Context())
    aws.download_file(OUTPUT, "small.mp4", str(tmp_path / "out.mp4"))
    assert measure(tmp_path / "out.mp4")["height"] == 360


def test_redelivered_message_keeps_the_existing_output(aws, clip):
    message = upload(aws, clip, "dup.mp4")
    transcode.lambda_handler(sqs_event(message), Context())
    first = aws.head_object(Bucket=OUTPUT, Key="dup.mp4")
    config = RenditionConfig.from_env()
    assert transcode.transcode_message(Upload.from_body(json.dumps(message)), config, aws) == {
        "output": "dup.mp4",
        "skipped": "done",
    }
    assert aws.head_object(Bucket=OUTPUT, Key="dup.mp4")["LastModified"] == first["LastModified"]


def test_bad_messages_fail_alone_and_leave_no_output(aws, clip, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 50)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    good, bad, zero = (
        upload(aws, clip, "good.mp4"),
        upload(aws, text, "notes.mp4"),
        upload(aws, empty, "empty.mp4"),
    )
    response = transcode.lambda_handler(sqs_event(good, bad, zero), Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    keys = [o["Key"] for o in aws.list_objects_v2(Bucket=OUTPUT)["Contents"]]
    assert keys == ["good.mp4"]


def test_named_errors_for_bad_inputs(aws, tmp_path):
    config = RenditionConfig.from_env()
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(EmptyInputError, match="0 bytes"):
        transcode.transcode_message(announced(aws, tmp_path / "empty.mp4", "e.mp4"), config, aws)
    (tmp_path / "t.mp4").write_text("hello\n" * 100)
    with pytest.raises(NotAVideoError):
        transcode.transcode_message(announced(aws, tmp_path / "t.mp4", "t.mp4"), config, aws)


def test_missing_setting_names_the_variable(monkeypatch):
    for name, value in RENDITION_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OUTPUT_BUCKET")
    with pytest.raises(ConfigurationError, match="OUTPUT_BUCKET"):
        RenditionConfig.from_env()


def refused(operation: str, status: int, code: str):
    """An S3 client whose next `operation` fails the way S3 answers it (HEAD has no body: code =
    status)."""
    s3 = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(s3)
    stubber.add_client_error(operation, service_error_code=code, http_status_code=status)
    stubber.activate()
    return s3


def test_a_missing_output_is_no_output_when_the_role_may_list():
    # With s3:ListBucket, S3 answers the HEAD of a missing key with 404 (HeadObject, S3 API Ref).
    assert transcode.existing_output(refused("head_object", 404, "404"), OUTPUT, "a.mp4") is None


def test_a_refused_output_check_names_the_missing_permission():
    # Without s3:ListBucket, S3 answers the same HEAD with 403: every first transcode would fail
    # with a bare "Forbidden"; the error says which grant is missing instead.
    with pytest.raises(MissingPermissionError, match=r"s3:ListBucket on videoconverter-output"):
        transcode.existing_output(refused("head_object", 403, "403"), OUTPUT, "a.mp4")


def test_a_refused_source_names_the_permission(tmp_path):
    s3 = refused("get_object", 403, "AccessDenied")
    upload = Upload(INPUT, "a.mp4", "e", 1, "01")
    with pytest.raises(MissingPermissionError, match=r"s3://videoconverter-input/a.mp4 was denied"):
        transcode.fetch_source(s3, upload, tmp_path / "source")


# --- the order of uploads of one key ------------------------------------------------------


def output(sequencer: str | None) -> Output:
    return Output(etag='"o"', source_etag="e", source_sequencer=sequencer)


def announcing(sequencer: str) -> Upload:
    return Upload(INPUT, "k.mp4", "e", 1, sequencer)


def test_sequencers_compare_as_aws_says_after_left_padding():
    # S3 User Guide, "Event message structure": pad the shorter with zeros, then compare.
    assert compare_sequencers("0055AED6DCD90281E5", "55AED6DCD90281E4") == 1
    assert compare_sequencers("00FF", "ff") == 0
    assert compare_sequencers("A", "0B") == -1
    assert compare_sequencers("100", "FF") == 1  # a longer value is not a later one by length…
    assert compare_sequencers("0FF", "100") == -1  # …nor by its first digits


def test_decisions_follow_the_sequencer_of_the_output():
    assert decide(announcing("05"), None) is Decision.TRANSCODE
    assert decide(announcing("05"), output(None)) is Decision.TRANSCODE  # made before sequencers
    assert decide(announcing("05"), output("04")) is Decision.TRANSCODE
    assert decide(announcing("05"), output("005")) is Decision.DONE
    assert decide(announcing("05"), output("06")) is Decision.SUPERSEDED


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        ('{"bucket": "b", "key": "k", "etag": "e"}', "lacks sequencer"),
        ('{"bucket": "b", "key": "k", "etag": "e", "sequencer": "xyz"}', "not the hexadecimal"),
    ],
)
def test_a_message_that_announces_no_upload_is_refused_clearly(body, match):
    with pytest.raises(InvalidMessageError, match=match):
        Upload.from_body(body)


class UploadsDuringDownload:
    """The S3 client, except that `meanwhile` runs right after the source's GetObject: another
    upload of the key lands while this transcoder holds the older one."""

    def __init__(self, s3, meanwhile):
        self.s3, self.meanwhile = s3, meanwhile
        self.calls: list[str] = []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.s3, name)

    def get_object(self, **kwargs):
        self.calls.append("get_object")
        response = self.s3.get_object(**kwargs)
        if self.meanwhile:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return response


@pytest.fixture
def metric_lines(capsys):
    """The EMF metric records the handler prints (CloudWatch reads them from the log)."""

    def read() -> dict[str, float]:
        found = {}
        for line in capsys.readouterr().out.splitlines():
            if line.startswith("{") and '"_aws"' in line:
                record = json.loads(line)
                for metric in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                    values = record[metric["Name"]]  # a value, or a list of them
                    found[metric["Name"]] = sum(values) if isinstance(values, list) else values
        return found

    return read


def duration_of(s3, tmp_path) -> float:
    path = tmp_path / f"{uuid.uuid4().hex}.mp4"
    s3.download_file(OUTPUT, "k.mp4", str(path))
    return measure(path)["duration"]


def test_a_later_upload_finished_during_an_older_transcode_keeps_its_output(
    aws, tmp_path, metric_lines
):
    """The reported race: a 3 s upload, then a 1 s one of the same key while the 3 s one is
    being transcoded; the 1 s rendition is written first. The 3 s transcode must not replace it."""
    long_clip = make_video(tmp_path / "long.mp4", 3, "320x180")
    short_clip = make_video(tmp_path / "short.mp4", 1, "320x180")
    older = upload(aws, long_clip, "k.mp4")
    newer: dict = {}

    def newer_upload_transcoded():
        newer.update(upload(aws, short_clip, "k.mp4"))
        event = sqs_event(newer)
        assert transcode.lambda_handler(event, Context()) == {"batchItemFailures": []}

    s3 = UploadsDuringDownload(aws, newer_upload_transcoded)
    result = transcode.transcode_message(
        Upload.from_body(json.dumps(older)), RenditionConfig.from_env(), s3
    )
    assert result == {"output": "k.mp4", "skipped": "superseded"}
    head = aws.head_object(Bucket=OUTPUT, Key="k.mp4")
    assert head["Metadata"][transcode.SOURCE_SEQUENCER] == newer["sequencer"]
    assert duration_of(aws, tmp_path) < 1.5


def test_an_older_message_delivered_after_the_newer_output_is_skipped_unread(
    aws, clip, tmp_path, metric_lines
):
    older = upload(aws, clip, "k.mp4")
    newer = upload(aws, make_video(tmp_path / "short.mp4", 1, "320x180"), "k.mp4")
    assert transcode.lambda_handler(sqs_event(newer), Context()) == {"batchItemFailures": []}
    written = aws.head_object(Bucket=OUTPUT, Key="k.mp4")
    s3 = UploadsDuringDownload(aws, None)
    with_client = boto3.client  # the handler builds its own clients: give it the recording one
    try:
        boto3.client = lambda service, *a, **k: s3 if service == "s3" else with_client(service)
        response = transcode.lambda_handler(sqs_event(older), Context())
    finally:
        boto3.client = with_client
    assert response == {"batchItemFailures": []}  # deleted: neither failed nor dead-lettered
    assert "get_object" not in s3.calls
    assert aws.head_object(Bucket=OUTPUT, Key="k.mp4")["ETag"] == written["ETag"]
    # The newer upload delivered its rendition; the older one is counted as superseded.
    assert metric_lines() == {"RenditionsDelivered": 1.0, "SupersededMessages": 1.0}


def test_a_message_for_an_overwritten_upload_downloads_nothing_else(aws, clip, tmp_path):
    """No output yet, but the key holds a later upload: GetObject If-Match answers 412."""
    older = upload(aws, clip, "k.mp4")
    upload(aws, make_video(tmp_path / "short.mp4", 1, "320x180"), "k.mp4")
    result = transcode.transcode_message(
        Upload.from_body(json.dumps(older)), RenditionConfig.from_env(), aws
    )
    assert result == {"output": "k.mp4", "skipped": "superseded"}
    assert aws.list_objects_v2(Bucket=OUTPUT).get("KeyCount", 0) == 0


class WritesBeforeFirstPut:
    """The S3 client, except that `meanwhile` runs just before the first PutObject: another
    transcoder writes the output between this one's read and its write."""

    def __init__(self, s3, meanwhile):
        self.s3, self.meanwhile, self.puts = s3, meanwhile, 0

    def __getattr__(self, name):
        return getattr(self.s3, name)

    def put_object(self, **kwargs):
        self.puts += 1
        if self.meanwhile:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return self.s3.put_object(**kwargs)


def test_an_output_written_in_between_is_decided_again(aws, clip):
    message = upload(aws, clip, "k.mp4")
    upload_ = Upload.from_body(json.dumps(message))
    config = RenditionConfig.from_env()

    def older_written(sequencer: str):
        metadata = {transcode.SOURCE_ETAG: "old", transcode.SOURCE_SEQUENCER: sequencer}
        return lambda: aws.put_object(Bucket=OUTPUT, Key="k.mp4", Body=b"x", Metadata=metadata)

    # An older upload's output lands in between: the conditional write fails, is decided again
    # and replaces it.
    s3 = WritesBeforeFirstPut(aws, older_written("0000000000000001"))
    assert transcode.transcode_message(upload_, config, s3)["height"] == 240
    assert s3.puts == 2
    head = aws.head_object(Bucket=OUTPUT, Key="k.mp4")
    assert head["Metadata"][transcode.SOURCE_SEQUENCER] == message["sequencer"]
    # A newer upload's output lands in between: this one gives way.
    aws.delete_object(Bucket=OUTPUT, Key="k.mp4")
    s3 = WritesBeforeFirstPut(aws, older_written("FFFFFFFFFFFFFFFFFF"))
    assert transcode.transcode_message(upload_, config, s3)["skipped"] == "superseded"
    assert aws.get_object(Bucket=OUTPUT, Key="k.mp4")["Body"].read() == b"x"


def test_outputs_rewritten_without_end_fail_the_message(aws, clip):
    upload_ = announced(aws, clip, "k.mp4")
    stubbed = boto3.client("s3")
    stubber = Stubber(stubbed)
    stubber.add_client_error("head_object", service_error_code="404", http_status_code=404)
    for n in range(transcode.WRITE_ATTEMPTS):
        stubber.add_client_error("put_object", "PreconditionFailed", http_status_code=412)
        stubber.add_response(
            "head_object", {"ETag": f'"{n}"', "Metadata": {transcode.SOURCE_SEQUENCER: "01"}}
        )
    stubber.activate()

    class Mixed:  # the source from moto, the output from the stub
        def __getattr__(self, name):
            return getattr(aws if name == "get_object" else stubbed, name)

    with pytest.raises(transcode.OutputConflictError, match="rewritten by other transcoders"):
        transcode.transcode_message(upload_, RenditionConfig.from_env(), Mixed())


# --- dead letters with their reason -------------------------------------------------------


def dead_letters() -> list[dict]:
    sqs = boto3.client("sqs")
    url = RenditionConfig.from_env().dead_letter_queue_url
    return sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])


def test_the_last_failed_receive_dead_letters_the_message_with_its_reason(
    aws, tmp_path, metric_lines
):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 50)
    message = upload(aws, text, "notes.mp4")
    # Before the last receive: failed, for SQS to deliver again (a batch of one fails whole).
    with pytest.raises(BatchProcessingError, match="NotAVideoError"):
        transcode.lambda_handler(sqs_event(message, receive_count=1), Context())
    assert dead_letters() == []
    # The last receive (maxReceiveCount = 2): sent to the dead-letter queue with the reason.
    context = Context()
    done = transcode.lambda_handler(sqs_event(message, receive_count=2), context)
    assert done == {"batchItemFailures": []}
    (letter,) = dead_letters()
    assert json.loads(letter["Body"]) == message
    assert letter["MessageAttributes"]["key"]["StringValue"] == "notes.mp4"
    failure = json.loads(letter["MessageAttributes"]["failure"]["StringValue"])
    assert failure["error"] == "NotAVideoError"
    assert "s3://videoconverter-input/notes.mp4" in failure["cause"]
    assert failure | {"cause": "", "time": ""} == {
        "error": "NotAVideoError",
        "cause": "",
        "rendition": "720p",
        "messageId": "m0",
        "receiveCount": 2,
        "function": context.function_name,
        "requestId": context.aws_request_id,
        "time": "",
    }
    assert metric_lines()["DeadLetteredMessages"] == 1.0


def test_a_message_that_is_no_upload_is_dead_lettered_saying_so(aws):
    event = sqs_event({"bucket": INPUT, "key": "k.mp4"}, receive_count=2)
    assert transcode.lambda_handler(event, Context()) == {"batchItemFailures": []}
    (letter,) = dead_letters()
    failure = json.loads(letter["MessageAttributes"]["failure"]["StringValue"])
    assert failure["error"] == "InvalidMessageError"
    assert "lacks etag, sequencer" in failure["cause"]


def test_failure_records_keep_to_what_sqs_accepts():
    from fanout_transcode.dead_letters import CAUSE_MAX_CHARS, failure_record

    record = failure_record(
        "ValueError",
        "bad\x00byte " + "x" * 10_000,
        rendition="720p",
        message_id="m",
        receive_count=3,
        request_id="r",
        function_name="f",
        time="t",
    )
    assert record["cause"].startswith("bad?byte x")
    assert len(record["cause"]) == CAUSE_MAX_CHARS


# --- long sources: handed to the parts state machine, then published or dead-lettered -----

WORK = RENDITION_ENV["WORK_BUCKET"]


@pytest.fixture
def parts_machine(aws):
    aws.create_bucket(Bucket=WORK)
    sfn = boto3.client("stepfunctions")
    role = "arn:aws:iam::123456789012:role/parts"
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    arn = sfn.create_state_machine(name="vc-720p-parts", definition=definition, roleArn=role)
    return sfn, arn["stateMachineArn"]


def test_a_source_too_long_for_the_time_left_is_handed_to_the_parts(
    aws, clip, parts_machine, metric_lines
):
    sfn, machine = parts_machine
    message = upload(aws, clip, "long/clip.mp4")
    # 2 s of 360p at 128 MB (0.07 vCPU) takes the model ~2 s: over half of 1 s left.
    context = Context(memory_limit_in_mb=128, remaining_ms=1000)
    assert transcode.lambda_handler(sqs_event(message), context) == {"batchItemFailures": []}
    assert aws.list_objects_v2(Bucket=OUTPUT).get("KeyCount", 0) == 0
    (execution,) = sfn.list_executions(stateMachineArn=machine)["executions"]
    started = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    staged = started["key"]
    assert staged.startswith("sources/720p/") and staged.endswith("/clip.mp4")
    assert aws.get_object(Bucket=WORK, Key=staged)["Body"].read() == clip.read_bytes()
    assert started | {"key": "", "etag": ""} == {
        "bucket": WORK,
        "key": "",
        "etag": "",
        "message": message,
        "messageId": "m0",
        "receiveCount": 1,
    }
    assert metric_lines()["LongSourcesInParts"] == 1.0
    # Redelivered: the same execution, no second one.
    assert transcode.lambda_handler(sqs_event(message), context) == {"batchItemFailures": []}
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 1
    # A duplicate delivery (another message for the same upload): no second one either.
    duplicate = sqs_event(message)
    duplicate["Records"][0]["messageId"] = "m0-duplicate"
    assert transcode.lambda_handler(duplicate, context) == {"batchItemFailures": []}
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 1
    # Redriven from the dead-letter queue after its parts failed: run again.
    sfn.stop_execution(executionArn=execution["executionArn"])  # ABORTED, as a failure
    redriven = sqs_event(message)
    redriven["Records"][0]["messageId"] = "m0-redriven"
    assert transcode.lambda_handler(redriven, context) == {"batchItemFailures": []}
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 2


def test_a_source_with_time_to_spare_is_transcoded_in_one_pass(aws, clip, parts_machine):
    sfn, machine = parts_machine
    message = upload(aws, clip, "short.mp4")
    context = Context(memory_limit_in_mb=1024, remaining_ms=5000)
    assert transcode.lambda_handler(sqs_event(message), context) == {"batchItemFailures": []}
    assert aws.head_object(Bucket=OUTPUT, Key="short.mp4")["ContentLength"] > 0
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []


def test_a_redelivered_source_goes_through_parts_however_short(aws, clip, parts_machine):
    """Its first attempt did not finish (a timeout the model did not foresee, say): a second
    single pass would likely fail alike, and end in the dead-letter queue."""
    sfn, machine = parts_machine
    message = upload(aws, clip, "again.mp4")
    event = sqs_event(message, receive_count=2)
    assert transcode.lambda_handler(event, Context()) == {"batchItemFailures": []}
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 1
    assert aws.list_objects_v2(Bucket=OUTPUT).get("KeyCount", 0) == 0


def test_an_upload_too_large_even_for_the_split_is_refused_by_name(aws, clip, parts_machine):
    message = upload(aws, clip, "huge.mp4") | {"size": 2**40}  # as its S3 event says
    with pytest.raises(BatchProcessingError, match="InputTooLargeError"):
        transcode.lambda_handler(sqs_event(message), Context())


def test_the_merged_rendition_is_published_with_the_upload_and_the_work_cleared(
    aws, clip, tmp_path, metric_lines
):
    aws.create_bucket(Bucket=WORK)
    message = upload(aws, clip, "in/long.mp4")
    staged = f"sources/720p/{uuid.uuid4().hex[:16]}/long.mp4"
    merged_key = f"renditions/{staged}"
    aws.upload_file(str(clip), WORK, staged)
    aws.upload_file(str(clip), WORK, merged_key)  # stands in for the merge's output
    merged = {"bucket": WORK, "key": merged_key, "width": 640, "height": 360, "frames": 60}
    event = {"partsStep": "publish", "key": staged, "message": message, "merged": merged}
    event["merged"]["hasAudio"] = True
    assert transcode.lambda_handler(event, Context()) == {
        "output": "in/long.mp4",
        "width": 640,
        "height": 360,
    }
    head = aws.head_object(Bucket=OUTPUT, Key="in/long.mp4")
    assert head["Metadata"][transcode.SOURCE_SEQUENCER] == message["sequencer"]
    aws.download_file(OUTPUT, "in/long.mp4", str(tmp_path / "out.mp4"))
    result, source = measure(tmp_path / "out.mp4"), measure(clip)
    assert result["frames"] == source["frames"] and result["audio_codec"] == "aac"
    assert aws.list_objects_v2(Bucket=WORK).get("KeyCount", 0) == 0
    assert metric_lines()["RenditionsDelivered"] == 1.0
    # A second Publish of the same upload (a retried step) writes nothing again.
    aws.upload_file(str(clip), WORK, merged_key)
    assert transcode.lambda_handler(event, Context())["skipped"] == "done"


def test_failed_parts_dead_letter_the_message_with_the_step_error(aws):
    aws.create_bucket(Bucket=WORK)
    staged = "sources/720p/0123456789abcdef/x.mp4"
    aws.put_object(Bucket=WORK, Key=staged, Body=b"staged")
    message = {"bucket": INPUT, "key": "x.mp4", "etag": "e", "size": 6, "sequencer": "0A"}
    error = {"Error": "CorruptInputError", "Cause": "s3://.../x.mp4 could not be split"}
    event = {
        "partsStep": "dead-letter",
        "key": staged,
        "message": message,
        "messageId": "m7",
        "receiveCount": 2,
        "error": error,
    }
    assert transcode.lambda_handler(event, Context())["error"] == "CorruptInputError"
    (letter,) = dead_letters()
    assert json.loads(letter["Body"]) == message
    failure = json.loads(letter["MessageAttributes"]["failure"]["StringValue"])
    assert (failure["error"], failure["cause"]) == (error["Error"], error["Cause"])
    assert (failure["messageId"], failure["receiveCount"], failure["rendition"]) == (
        "m7",
        2,
        "720p",
    )
    assert aws.list_objects_v2(Bucket=WORK).get("KeyCount", 0) == 0
