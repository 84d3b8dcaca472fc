"""The docker-free Lambda runtime of the local AWS behaves as Lambda does where tests rely on it."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest.mock import ANY

import pytest
from botocore.config import Config
from workflow_runs import wait_for_object

from tests.support.lambdas import create_function, invoke

ECHO = """
import os
def lambda_handler(event, context):
    return {"event": event, "env": os.environ.get("GREETING"), "name": context.function_name,
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 3000}
"""


def test_handler_gets_event_environment_and_context(local_aws):
    name = create_function(local_aws, ECHO, Environment={"Variables": {"GREETING": "hi"}})
    error, payload = invoke(local_aws, name, {"a": 1})
    assert error is None
    assert payload == {"event": {"a": 1}, "env": "hi", "name": name, "remaining_ok": True}


def test_warm_invocations_reuse_the_sandbox(local_aws):
    name = create_function(local_aws, ECHO)
    for _ in range(3):
        invoke(local_aws, name)
    assert [r["cold"] for r in local_aws.invocations(name)] == [True, False, False]


def test_custom_exception_is_reported_in_lambdas_error_shape(local_aws):
    source = (
        "class PhotoTooDarkError(Exception): pass\n"
        "def lambda_handler(event, context):\n    raise PhotoTooDarkError('too dark')\n"
    )
    name = create_function(local_aws, source)
    error, payload = invoke(local_aws, name)
    assert error == "Unhandled"
    assert payload["errorType"] == "PhotoTooDarkError"
    assert payload["errorMessage"] == "too dark"
    assert payload["stackTrace"]


def test_timeout_is_enforced_and_the_next_invocation_starts_cold(local_aws):
    source = (
        "import time\ndef lambda_handler(event, context):\n"
        "    time.sleep(event.get('sleep', 0))\n    return 'done'\n"
    )
    name = create_function(local_aws, source, Timeout=1)
    error, payload = invoke(local_aws, name, {"sleep": 5})
    assert error == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert invoke(local_aws, name) == (None, "done")
    assert [r["cold"] for r in local_aws.invocations(name)] == [True, True]


def test_import_error_is_reported_as_runtime_import_module_error(local_aws):
    name = create_function(local_aws, "import not_a_module\n")
    error, payload = invoke(local_aws, name)
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"


def test_unserialisable_result_is_a_marshal_error(local_aws):
    name = create_function(local_aws, "def lambda_handler(e, c):\n    return object()\n")
    _, payload = invoke(local_aws, name)
    assert payload["errorType"] == "Runtime.MarshalError"


def test_injected_faults_fail_the_first_n_invocations_only(local_aws):
    name = create_function(local_aws, ECHO)
    local_aws.inject_fault(name, count=2, error_type="TransientError")
    results = [invoke(local_aws, name)[1] for _ in range(3)]
    assert [r.get("errorType") for r in results] == ["TransientError", "TransientError", None]


def test_injected_timeout_reports_sandbox_timedout(local_aws):
    name = create_function(local_aws, ECHO)
    local_aws.inject_fault(name, timeout=True)
    assert invoke(local_aws, name)[1]["errorType"] == "Sandbox.Timedout"


def test_invocation_output_goes_to_the_functions_log_group(local_aws):
    name = create_function(local_aws, "def lambda_handler(e, c):\n    print('marker-42')\n")
    invoke(local_aws, name)
    logs = local_aws.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert any("marker-42" in e["message"] for e in events)


def test_async_invocation_is_retried_then_sent_to_the_dead_letter_queue(local_aws):
    sqs = local_aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"dlq-{time.time_ns()}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source = "def lambda_handler(e, c):\n    raise ValueError('always')\n"
    name = create_function(local_aws, source, DeadLetterConfig={"TargetArn": dlq_arn})
    local_aws.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"job": 7})
    )
    messages = []
    deadline = time.time() + 30
    while not messages and time.time() < deadline:
        messages = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(m["Body"]) for m in messages] == [{"job": 7}]
    assert len(local_aws.invocations(name)) == 3  # the first attempt and two retries


def test_sqs_mapping_deletes_only_the_messages_the_batch_did_not_report(local_aws):
    sqs = local_aws.client("sqs")
    s3 = local_aws.client("s3")
    bucket = f"esm-{time.time_ns()}"
    s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(
        QueueName=f"work-{time.time_ns()}", Attributes={"VisibilityTimeout": "6"}
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    # "bad" fails on its first delivery only; the others are recorded in S3 once each.
    source = f"""
import boto3
def lambda_handler(event, context):
    s3, failures = boto3.client("s3"), []
    for record in event["Records"]:
        body, count = record["body"], record["attributes"]["ApproximateReceiveCount"]
        if body == "bad" and count == "1":
            failures.append({{"itemIdentifier": record["messageId"]}})
            continue
        s3.put_object(Bucket="{bucket}", Key=f"{{body}}-{{count}}", Body=b"")
    return {{"batchItemFailures": failures}}
"""
    name = create_function(local_aws, source)
    local_aws.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=name,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    for body in ("a", "bad", "c"):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    wait_for_object(s3, bucket, "bad-2", timeout=30)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["a-1", "bad-2", "c-1"]


SLEEPER = """
import time
def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    return "done"
"""


@pytest.fixture
def worker_settings(local_aws):
    """Change the runtime's sandbox settings for one test, then restore them."""
    before = local_aws.workers()
    yield local_aws.configure_workers
    local_aws.configure_workers(before["max_per_function"], before["idle_seconds"])


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_an_idle_sandbox_is_retired_after_the_idle_time(local_aws, worker_settings):
    name = create_function(local_aws, ECHO)
    invoke(local_aws, name)
    [pid] = local_aws.workers()["functions"][name]["idle_pids"]
    assert alive(pid)
    worker_settings(idle_seconds=0.5)
    deadline = time.time() + 30
    while name in local_aws.workers()["functions"] and time.time() < deadline:
        time.sleep(0.1)
    assert name not in local_aws.workers()["functions"]
    while alive(pid) and time.time() < deadline:  # retired, then ends: not at the same instant
        time.sleep(0.1)
    assert not alive(pid)
    invoke(local_aws, name)  # the next invocation starts a new sandbox
    assert [r["cold"] for r in local_aws.invocations(name)] == [True, True]


def test_invocations_past_the_cap_wait_for_a_sandbox(local_aws, worker_settings):
    worker_settings(max_per_function=2)
    name = create_function(local_aws, SLEEPER)
    seen = []

    def watch():
        while not done.is_set():
            entry = local_aws.workers()["functions"].get(name, {})
            seen.append(entry.get("busy", 0) + entry.get("idle", 0))
            time.sleep(0.05)

    done = threading.Event()
    watcher = threading.Thread(target=watch)
    watcher.start()
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: invoke(local_aws, name, {"sleep": 0.5}), range(6)))
    done.set()
    watcher.join()
    assert results == [(None, "done")] * 6  # none refused: the local cap is not AWS's
    assert max(seen) == 2
    assert sum(r["cold"] for r in local_aws.invocations(name)) == 2
    assert local_aws.workers()["functions"][name] == {
        "busy": 0,
        "idle": 2,
        "idle_pids": ANY,
        "throttles": 0,
    }


def test_reserved_concurrency_throttles_synchronous_invocations(local_aws):
    """Past its reserved concurrency Lambda answers 429 TooManyRequestsException, reason
    ReservedFunctionConcurrentInvocationLimitExceeded (Invoke API reference); 0 stops the
    function altogether."""
    name = create_function(local_aws, SLEEPER)
    client = local_aws.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(invoke, local_aws, name, {"sleep": 2})
        while not local_aws.workers()["functions"].get(name, {}).get("busy"):
            time.sleep(0.05)
        with pytest.raises(client.exceptions.TooManyRequestsException) as refused:
            client.invoke(FunctionName=name, Payload=b"{}")
        assert running.result() == (None, "done")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert refused.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert invoke(local_aws, name) == (None, "done")  # a free unit again
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.invoke(FunctionName=name, Payload=b"{}")
    assert len(local_aws.invocations(name)) == 2  # throttles are not invocations
    assert local_aws.workers()["functions"][name]["throttles"] == 2


def test_throttled_asynchronous_events_are_queued_until_they_run(local_aws):
    """A throttled Event invocation goes back to the queue and is tried again (1 s, doubling),
    without using the function's retry attempts (here none): every event runs once."""
    sqs = local_aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"dlq-{time.time_ns()}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    name = create_function(local_aws, SLEEPER, DeadLetterConfig={"TargetArn": dlq_arn})
    client = local_aws.client("lambda")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    for job in range(3):
        client.invoke(
            FunctionName=name, InvocationType="Event", Payload=json.dumps({"sleep": 0.3, "j": job})
        )
    deadline = time.time() + 60
    while len(local_aws.invocations(name)) < 3 and time.time() < deadline:
        time.sleep(0.2)
    runs = local_aws.invocations(name)
    assert [r["error_type"] for r in runs] == [None, None, None]
    assert local_aws.workers()["functions"][name]["throttles"] >= 2
    assert sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages") is None
