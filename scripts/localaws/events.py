"""Event sources as AWS runs them: S3 notifications invoke Lambda asynchronously, and SQS event
source mappings are polled in the background with ReportBatchItemFailures semantics.

moto invokes both synchronously inside the request that caused them (an upload would wait for a
transcode), and deletes a whole SQS batch or none of it.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from moto.awslambda.models import lambda_backends
from moto.sqs.models import sqs_backends

from . import authorization
from .lambda_runtime import Throttled
from .lambda_service import LambdaService
from .moto_internals import replace
from .sqs import customer_managed_key

log = logging.getLogger("localaws.events")


class _PolledMappings(dict):
    """Keeps moto's registry of a queue's mappings but hides it from moto's synchronous delivery
    loop in ``Queue.add_message``: the poller below delivers instead."""

    def items(self):
        return iter(())


def install_s3_notifications(service: LambdaService) -> None:
    def invoke_awslambda(account_id, event_body, fn_arn, region_name):
        try:
            fn = lambda_backends[account_id][region_name].get_function(fn_arn)
        except Exception:
            log.warning("S3 notification target %s does not exist", fn_arn)
            return
        bucket_arn = event_body["Records"][0]["s3"]["bucket"]["arn"]
        # S3 invokes as its service principal: the function's policy must let it.
        if not authorization.service_may(
            "s3.amazonaws.com",
            "lambda:InvokeFunction",
            fn.function_arn,
            region_name,
            SourceArn=bucket_arn,
            SourceAccount=account_id,
        ):
            return
        service.invoke_async(fn, json.dumps(event_body))

    replace("s3.notifications._invoke_awslambda", invoke_awslambda)


def base64_text(value) -> str | None:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def sqs_record(message, queue_arn: str, region: str) -> dict:
    """One message in the shape Lambda delivers it (what Powertools' SQSRecord reads)."""
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": {
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "SentTimestamp": str(message.sent_timestamp),
            "SenderId": message.sender_id,
            "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
        },
        # moto keeps each attribute as SendMessage named it (DataType, StringValue, BinaryValue
        # as bytes); Lambda's event gives binaryValue in base64.
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": base64_text(value.get("BinaryValue")),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType"),
            }
            for name, value in message.message_attributes.items()
        },
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def failed_message_ids(result_payload: str) -> set[str] | None:
    """Message ids a batch response reports as failed; None means "treat the batch as failed"."""
    try:
        response = json.loads(result_payload)
    except ValueError:
        return None
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    failures = response["batchItemFailures"]
    ids = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
    if None in ids or "" in ids:
        return None  # Lambda treats a malformed response as a complete failure
    return ids


class SqsPoller:
    """Polls every enabled SQS event source mapping and invokes its function with batches."""

    def __init__(self, service: LambdaService, interval: float = 0.2, workers: int = 8) -> None:
        self.service = service
        self.interval = interval
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="sqs-esm")
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sqs-poller", daemon=True)

    def start(self) -> None:
        def queue_init(queue, *args, **kwargs):
            original_init(queue, *args, **kwargs)
            queue.lambda_event_source_mappings = _PolledMappings()

        original_init = replace("Queue.__init__", queue_init)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            for esm in list(self._mappings()):
                try:
                    self._poll(esm)
                except Exception:
                    log.exception("polling %s failed", esm.event_source_arn)

    @staticmethod
    def _mappings():
        for account in list(lambda_backends.keys()):
            for region in list(lambda_backends[account].keys()):
                backend = lambda_backends[account][region]
                for esm in list(backend._event_source_mappings.values()):
                    if esm.enabled and ":sqs:" in esm.event_source_arn:
                        yield esm

    @staticmethod
    def _concurrency(esm) -> int:
        return int((esm.scaling_config or {}).get("MaximumConcurrency") or 2)

    def _poll(self, esm) -> None:
        with self._lock:
            if self._in_flight.get(esm.uuid, 0) >= self._concurrency(esm):
                return
        _, _, _, region, account, queue_name = esm.event_source_arn.split(":")
        backend = sqs_backends[account][region]
        queue = backend.get_queue(queue_name)
        if not self._role_may_poll(esm, queue, region):
            return
        messages = backend.receive_message(
            queue_name, int(esm.batch_size or 10), 0, int(queue.visibility_timeout), ["All"]
        )
        if not messages:
            return
        with self._lock:
            self._in_flight[esm.uuid] = self._in_flight.get(esm.uuid, 0) + 1
        self._pool.submit(self._deliver, esm, backend, queue_name, messages)

    @staticmethod
    def _role_may_poll(esm, queue, region: str) -> bool:
        """Lambda polls with the function's execution role: it needs ReceiveMessage,
        DeleteMessage and GetQueueAttributes on the queue, and kms:Decrypt for a queue encrypted
        with a customer managed key (Lambda developer guide, "Using Lambda with Amazon SQS")."""
        fn = lambda_backends[esm.account_id][esm.region].get_function(esm.function_arn)
        needs = [
            (f"sqs:{action}", esm.event_source_arn)
            for action in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")
        ]
        key = customer_managed_key(queue, region)
        if key:
            needs.append(("kms:Decrypt", key))
        return all(
            authorization.role_may(fn.role, fn.function_name, action, resource, region)
            for action, resource in needs
        )

    def _deliver(self, esm, backend, queue_name: str, messages) -> None:
        try:
            fn = lambda_backends[esm.account_id][esm.region].get_function(esm.function_arn)
            queue_arn = esm.event_source_arn
            event = {"Records": [sqs_record(m, queue_arn, esm.region) for m in messages]}
            try:
                result = self.service.invoke(fn, json.dumps(event))
            except Throttled:
                # Mappings do not look at reserved concurrency (Lambda developer guide,
                # "Configuring scaling behavior for SQS event source mappings"): the throttled
                # batch becomes visible again after the visibility timeout, as a failed one.
                return
            if result.error_type:
                return  # the whole batch becomes visible again after the visibility timeout
            failed = set()
            if "ReportBatchItemFailures" in (esm.function_response_types or []):
                failed = failed_message_ids(result.payload)
                if failed is None:
                    return
            for message in messages:
                if message.id not in failed:
                    backend.delete_message(queue_name, message.receipt_handle)
        except Exception:
            log.exception("delivering a batch from %s failed", esm.event_source_arn)
        finally:
            with self._lock:
                self._in_flight[esm.uuid] -= 1
