"""Service limits AWS enforces, enforced by the local AWS too, each tested just below and just
above the limit (scripts/localaws: stepfunctions.py, lambda_service.py, lambda_runtime.py,
sqs.py, sns.py). The numbers, errors and messages are AWS's; the source is named at each test."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError
from localaws.lambda_runtime import can_mount_tmpfs
from localaws.lambda_service import unzipped_size

from tests.conformance.sfn_harness import StepFunctions, machine, single
from tests.support.lambdas import create_function, invoke

SFN_LIMIT = 262_144


@pytest.fixture(scope="module")
def sfn(local_aws):
    return StepFunctions(local_aws)


def _text_of_json_size(size: int) -> str:
    """A string whose compact JSON is `size` UTF-8 bytes, with 2-byte characters in it (AWS
    counts bytes of UTF-8, not characters or \\u escapes)."""
    return "é" * 1000 + "a" * (size - 2 - 2000)


# --- Step Functions: 256 KiB of state data ----------------------------------------------------
# Step Functions service quotas: "Maximum input or output size for a task, state, or execution:
# 256 KiB of data as a UTF-8 encoded string"; API reference (StateExitedEventDetails and the
# other history events): "Length Constraints: Maximum length of 262144".


def test_state_output_of_256_kib_passes_and_one_byte_more_fails_the_execution(sfn):
    fits = sfn.run(single({"Type": "Pass", "Result": _text_of_json_size(SFN_LIMIT)}))
    assert fits.status == "SUCCEEDED"
    assert len(json.dumps(fits.output, ensure_ascii=False).encode()) == SFN_LIMIT

    # A state's own output over the quota fails the execution, past any Catch (a Pass state has
    # none): the terminal States.DataLimitExceeded of the error handling guide.
    over = sfn.run(single({"Type": "Pass", "Result": _text_of_json_size(SFN_LIMIT + 1)}))
    assert (over.status, over.error) == ("FAILED", "States.DataLimitExceeded")
    assert "size exceeding the maximum number of bytes service limit" in over.cause


@pytest.mark.parametrize("error_equals", ["States.DataLimitExceeded", "States.ALL"])
def test_task_result_over_256_kib_is_states_data_limit_exceeded_for_the_catch(
    sfn, local_aws, error_equals
):
    # As recorded against AWS (LocalStack's AWS-validated snapshots, test_states_errors.py,
    # 2024): a Lambda task returning more than the quota fails with TaskFailed
    # States.DataLimitExceeded, and a Catch on States.ALL catches it too.
    function = create_function(
        local_aws, "def lambda_handler(event, context):\n    return 'a' * event['n']\n"
    )
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        "ResultSelector": {"length.$": "States.StringToJson('1')"},
        "Catch": [{"ErrorEquals": [error_equals], "Next": "Caught"}],
    }
    definition = machine(("Invoke", task), ("Done", {"Type": "Succeed"}))
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}

    small = sfn.run(definition, {"n": 200_000})
    assert small.status == "SUCCEEDED" and small.output == {"length": 1}
    large = sfn.run(definition, {"n": 300_000})
    assert large.status == "SUCCEEDED"
    assert large.output["Error"] == "States.DataLimitExceeded"


def test_start_execution_input_over_256_kib_is_a_validation_exception(sfn):
    arn = sfn.create(single({"Type": "Pass", "Parameters": {"ok": True}}))
    fits = sfn.client.start_execution(
        stateMachineArn=arn, input=json.dumps(_text_of_json_size(SFN_LIMIT), ensure_ascii=False)
    )
    assert sfn.wait(fits["executionArn"]).status == "SUCCEEDED"
    with pytest.raises(ClientError) as raised:
        sfn.client.start_execution(
            stateMachineArn=arn,
            input=json.dumps(_text_of_json_size(SFN_LIMIT + 1), ensure_ascii=False),
        )
    # The message AWS returns (recorded by clients of StartExecution).
    assert raised.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value at 'input' failed to satisfy constraint:"
        " Member must have size less than or equal to 262144 bytes in UTF-8 encoding",
    }


# --- Lambda: invocation payloads -----------------------------------------------------------------
# Lambda quotas / Invoke API: "For synchronous invocations, the maximum payload size is 6 MB. For
# asynchronous invocations, the maximum payload size is 1 MB" (256 KB until October 2025). The
# exact bytes and messages are AWS's as its errors state them: requests "Request must be smaller
# than 6291456 bytes for the InvokeFunction operation" (RequestEntityTooLargeException, 413);
# responses Function.ResponseSizeTooLarge "(6291556 bytes)" with HTTP 200 and a function error;
# events "N byte payload is too large for the Event invocation type (limit N bytes)" (413).

SIZE_OF_EVENT = "def lambda_handler(event, context):\n    return len(event['s'])\n"


def _event_of_size(size: int) -> str:
    return json.dumps({"s": "a" * (size - len('{"s": ""}'))})


def test_synchronous_request_of_6_mib_runs_and_one_byte_more_is_refused(local_aws):
    name = create_function(local_aws, SIZE_OF_EVENT, Timeout=30)
    client = local_aws.client("lambda")
    response = client.invoke(FunctionName=name, Payload=_event_of_size(6 * 1024 * 1024))
    assert json.loads(response["Payload"].read()) == 6 * 1024 * 1024 - 9
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName=name, Payload=_event_of_size(6 * 1024 * 1024 + 1))
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert raised.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert raised.value.response["Error"]["Message"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )


def test_synchronous_response_over_6291556_bytes_is_function_response_size_too_large(local_aws):
    name = create_function(
        local_aws, "def lambda_handler(event, context):\n    return 'a' * event['n']\n", Timeout=30
    )
    error, payload = invoke(local_aws, name, {"n": 6_291_556 - 2})  # JSON: the string, quoted
    assert error is None and len(payload) == 6_291_554
    error, payload = invoke(local_aws, name, {"n": 6_291_556 - 1})
    assert error == "Unhandled"
    assert payload == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size"
        " (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_event_invocation_of_1_mib_is_accepted_and_one_byte_more_is_refused(local_aws):
    name = create_function(local_aws, SIZE_OF_EVENT)
    client = local_aws.client("lambda")
    fits = client.invoke(FunctionName=name, InvocationType="Event", Payload=_event_of_size(2**20))
    assert fits["StatusCode"] == 202
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName=name, InvocationType="Event", Payload=_event_of_size(2**20 + 1))
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert raised.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert raised.value.response["Error"]["Message"] == (
        "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )


# --- Lambda: EphemeralStorage -------------------------------------------------------------------
# Lambda: "/tmp directory storage: 512 MB to 10,240 MB" (EphemeralStorage); a write past it fails
# with ENOSPC like any full file system.

WRITE_TMP = """
import errno, os, tempfile
def lambda_handler(event, context):
    chunk = b"x" * (1024 * 1024)
    path = os.path.join(tempfile.gettempdir(), "fill")
    try:
        with open(path, "wb") as out:
            for _ in range(event["mib"]):
                out.write(chunk)
            out.write(b"x" * event["bytes"])
        return "written"
    except OSError as exc:
        return errno.errorcode[exc.errno]
    finally:
        if os.path.exists(path):
            os.remove(path)
"""


def test_tmp_holds_the_ephemeral_storage_size_and_a_write_past_it_fails(local_aws):
    name = create_function(local_aws, WRITE_TMP, Timeout=60, EphemeralStorage={"Size": 512})
    assert invoke(local_aws, name, {"mib": 511, "bytes": 0}) == (None, "written")
    # Past the size: ENOSPC where the runtime mounts a sized tmpfs (root, as in CI); the fallback
    # without the right to mount caps each file with RLIMIT_FSIZE, which is EFBIG.
    expected = "ENOSPC" if can_mount_tmpfs() else "EFBIG"
    assert invoke(local_aws, name, {"mib": 512, "bytes": 1}) == (None, expected)


def test_the_sized_tmp_is_the_workers_own_and_is_never_mounted_on_the_host(local_aws):
    source = (
        "import tempfile\ndef lambda_handler(event, context):\n"
        "    tmp = tempfile.gettempdir()\n"
        "    mounts = [line.split() for line in open('/proc/self/mounts')]\n"
        "    return [tmp, [m[2] + ':' + m[3] for m in mounts if m[1] == tmp]]\n"
    )
    name = create_function(local_aws, source, EphemeralStorage={"Size": 1024})
    _, (tmp, mounted) = invoke(local_aws, name)
    if not can_mount_tmpfs():
        pytest.skip("this machine cannot mount a tmpfs per sandbox (the RLIMIT_FSIZE fallback)")
    assert len(mounted) == 1 and mounted[0].startswith("tmpfs:rw,")
    assert "size=1048576k" in mounted[0].split(",")
    # Mounted in the worker's own mount namespace: the host (this process) never sees it, so
    # nothing is left mounted when the worker, or the whole server, goes away.
    with open("/proc/self/mounts") as host:
        assert not [line for line in host if line.split()[1] == tmp]


# --- Lambda: 250 MB unzipped, code and layers -----------------------------------------------
# Lambda quotas: "250 MB ... unzipped, including layers"; AWS's messages as deployments report
# them: "Layers consume more than the available size of 262144000 bytes" and "Unzipped size must
# be smaller than <262144000 - layers> bytes" (InvalidParameterValueException).
UNZIPPED_LIMIT = 262_144_000


def _zip_of_size(size: int, with_handler: bool = False) -> bytes:
    """A zip whose files add up to `size` bytes unzipped (zeros: small once deflated)."""
    buffer = io.BytesIO()
    handler = b"def lambda_handler(event, context):\n    return 'ok'\n"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        if with_handler:
            archive.writestr("fn/__init__.py", b"")
            archive.writestr("fn/handler.py", handler)
            size -= len(handler)
        archive.writestr("padding.bin", bytes(size))
    return buffer.getvalue()


def _layer(local_aws, zip_bytes: bytes) -> str:
    return local_aws.client("lambda").publish_layer_version(
        LayerName=f"layer-{uuid.uuid4().hex[:8]}", Content={"ZipFile": zip_bytes}
    )["LayerVersionArn"]


def _refusal(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


def test_code_and_layers_up_to_250_mb_unzipped_deploy_and_one_byte_more_is_refused(local_aws):
    layer_size = 200_000_000
    layer = _layer(local_aws, _zip_of_size(layer_size))
    left = UNZIPPED_LIMIT - layer_size
    name = create_function(local_aws, "", Layers=[layer])  # the helper's small code
    client = local_aws.client("lambda")

    fits = client.update_function_code(FunctionName=name, ZipFile=_zip_of_size(left, True))
    assert fits["CodeSize"] > 0
    refused = _refusal(
        lambda: client.update_function_code(FunctionName=name, ZipFile=_zip_of_size(left + 1, True))
    )
    assert refused == {
        "Code": "InvalidParameterValueException",
        "Message": f"Unzipped size must be smaller than {left} bytes",
    }
    # The refused code was not kept: the function still runs the one that fits.
    assert (
        client.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
        == (fits["CodeSha256"])
    )

    second = _layer(local_aws, _zip_of_size(UNZIPPED_LIMIT - layer_size + 1))
    refused = _refusal(
        lambda: client.update_function_configuration(FunctionName=name, Layers=[layer, second])
    )
    assert refused == {
        "Code": "InvalidParameterValueException",
        "Message": "Layers consume more than the available size of 262144000 bytes",
    }
    refused = _refusal(lambda: create_function(local_aws, "", Layers=[layer, second]))
    assert refused["Message"] == "Layers consume more than the available size of 262144000 bytes"


def test_the_real_functions_deploy_beside_the_ffmpeg_layer(local_aws, layer_zip):
    # Measured: the layer is 159,492,064 bytes unzipped, the largest function (media_encode)
    # 25,882,111; together well under the quota.
    layer_bytes = layer_zip.read_bytes()
    layer = _layer(local_aws, layer_bytes)
    source = "def lambda_handler(event, context):\n    return 'ok'\n"
    name = create_function(local_aws, source, Layers=[layer])
    assert invoke(local_aws, name) == (None, "ok")
    functions = sorted((layer_zip.parents[1] / "lambda").glob("*.zip"))
    assert functions, "make package builds the functions"
    largest = max(functions, key=lambda path: unzipped_size(path.read_bytes()))
    client = local_aws.client("lambda")
    updated = client.update_function_code(FunctionName=name, ZipFile=largest.read_bytes())
    assert updated["Layers"][0]["Arn"] == layer
    assert unzipped_size(layer_bytes) + unzipped_size(largest.read_bytes()) < UNZIPPED_LIMIT


# --- SQS and SNS: message size counts body and attributes, in bytes -----------------------------


def _message_of_size(size: int) -> tuple[str, dict]:
    """A body and one attribute whose name, type and value add up to `size` UTF-8 bytes."""
    attributes = {"k": {"DataType": "String", "StringValue": "v"}}  # 1 + 6 + 1 bytes
    return "é" * 100 + "a" * (size - 8 - 200), attributes


def test_sqs_message_of_the_queues_maximum_size_is_sent_and_one_byte_more_is_refused(local_aws):
    # SQS API reference, MessageAttributeValue: "All parts of the message attribute, including
    # Name, Type, and Value, are part of the message size restriction (1 MiB or 1,048,576
    # bytes)"; the limit is the queue's MaximumMessageSize (default 1 MiB).
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(
        QueueName=f"limits-{uuid.uuid4().hex[:8]}", Attributes={"MaximumMessageSize": "262144"}
    )["QueueUrl"]
    body, attributes = _message_of_size(262_144)
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    body, attributes = _message_of_size(262_145)
    error = _refusal(
        lambda: sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    )
    assert error["Code"] in (
        "InvalidParameterValue",
        "AWS.SimpleQueueService.InvalidParameterValue",
    )
    assert error["Message"] == (
        "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."
    )


def test_sqs_batch_of_1_mib_in_total_is_sent_and_one_byte_more_is_refused(local_aws):
    # SendMessageBatch: "the maximum total payload size (the sum of the individual lengths of all
    # of the batched messages) [is] 1 MiB 1,048,576 bytes" (BatchRequestTooLong).
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName=f"limits-{uuid.uuid4().hex[:8]}")["QueueUrl"]

    def entries(total: int) -> list[dict]:
        sizes = [total // 4] * 3 + [total - 3 * (total // 4)]
        batch = []
        for index, size in enumerate(sizes):
            body, attributes = _message_of_size(size)
            batch.append({"Id": str(index), "MessageBody": body, "MessageAttributes": attributes})
        return batch

    sent = sqs.send_message_batch(QueueUrl=url, Entries=entries(1_048_576))
    assert len(sent["Successful"]) == 4
    error = _refusal(lambda: sqs.send_message_batch(QueueUrl=url, Entries=entries(1_048_577)))
    assert error["Code"].endswith("BatchRequestTooLong")


def test_sns_publish_of_256_kib_is_accepted_and_one_byte_more_is_refused(local_aws):
    # SNS API reference, Publish: "By default, a message can be at most 256 KiB in size (262,144
    # bytes, not 262,144 characters)"; "Amazon SNS validates the combined size of the message body
    # and message attributes ... and returns an InvalidParameter error".
    sns = local_aws.client("sns")
    topic = sns.create_topic(Name=f"limits-{uuid.uuid4().hex[:8]}")["TopicArn"]
    attributes = {"k": {"DataType": "String", "StringValue": "v"}}
    body = "é" * 100 + "a" * (262_144 - 8 - 200)
    sns.publish(TopicArn=topic, Message=body, MessageAttributes=attributes)
    error = _refusal(
        lambda: sns.publish(TopicArn=topic, Message=body + "a", MessageAttributes=attributes)
    )
    assert (error["Code"], error["Message"]) == (
        "InvalidParameter",
        "Invalid parameter: Message too long",
    )
    # PublishBatch: "the maximum total payload size (the sum of the individual lengths of all of
    # the batched messages) [is] 256 KiB" by default (BatchRequestTooLong).
    batch = [{"Id": "1", "Message": "a" * 131_072}, {"Id": "2", "Message": "a" * 131_072}]
    sent = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=batch)
    assert len(sent["Successful"]) == 2
    batch[1]["Message"] += "a"
    error = _refusal(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=batch))
    assert error["Code"] == "BatchRequestTooLong"
