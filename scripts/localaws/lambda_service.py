"""moto's Lambda service wired to the local runtime: invoke, async invoke with retries, and the
function settings moto drops (dead-letter queue, KMS key, logging config) so plans stay clean."""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
import time
import types
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import LambdaFunction, lambda_backends

from . import authorization, cloudwatch
from .lambda_runtime import LocalLambdaRuntime, Result, Throttled
from .moto_internals import replace
from .sqs import customer_managed_key

log = logging.getLogger("localaws.lambda")

# Settings moto accepts but forgets; AWS echoes them back, and Terraform compares them.
EXTRA_CONFIG_KEYS = ("DeadLetterConfig", "KMSKeyArn", "LoggingConfig")
# AWS retries a failed asynchronous invocation twice, after about 1 and 2 minutes; locally the
# waits are seconds so that tests of the retry and dead-letter paths stay short.
ASYNC_RETRY_DELAYS = (1.0, 2.0)
# A throttled asynchronous invocation goes back to the function's event queue and is tried again
# "for up to 6 hours by default. The retry interval increases exponentially from 1 second after
# the first attempt to a maximum of 5 minutes" (Lambda developer guide, "How Lambda handles
# errors and retries with asynchronous invocation"); throttles use none of the retry attempts.
THROTTLE_FIRST_DELAY, THROTTLE_MAX_DELAY = 1.0, 300.0
MAX_EVENT_AGE = 21600  # MaximumEventAgeInSeconds' default

# Lambda quotas ("Invocation payload (request and response)": 6 MB synchronous, 1 MB asynchronous
# since October 2025; "Deployment package (.zip file archive) size": 250 MB unzipped, including
# layers), in the bytes AWS's own error messages name.
SYNC_REQUEST_LIMIT = 6 * 1024 * 1024  # "Request must be smaller than 6291456 bytes for the ..."
SYNC_RESPONSE_LIMIT = 6 * 1024 * 1024 + 100  # "... maximum allowed payload size (6291556 bytes)."
ASYNC_REQUEST_LIMIT = 1024 * 1024  # was 262144: "... for the Event invocation type (limit N bytes)"
UNZIPPED_LIMIT = 262_144_000


class TooManyRequests(LambdaClientError):
    """Lambda's answer to a synchronous invocation past the function's reserved concurrency
    (HTTP 429; the Invoke API reference's TooManyRequestsException with its Reason)."""

    code = 429

    def __init__(self) -> None:
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.description = json.dumps(
            {
                "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                "Type": "User",
                "message": "Rate Exceeded.",
            }
        )


class RequestEntityTooLarge(LambdaClientError):
    code = 413

    def __init__(self, message: str) -> None:
        super().__init__("RequestEntityTooLargeException", message)


def _check_request_size(body, invocation_type: str | None) -> None:
    size = len(body.encode("utf-8") if isinstance(body, str) else body or b"")
    if invocation_type == "Event" and size > ASYNC_REQUEST_LIMIT:
        raise RequestEntityTooLarge(
            f"{size} byte payload is too large for the Event invocation type"
            f" (limit {ASYNC_REQUEST_LIMIT} bytes)"
        )
    if invocation_type != "Event" and size > SYNC_REQUEST_LIMIT:
        raise RequestEntityTooLarge(
            f"Request must be smaller than {SYNC_REQUEST_LIMIT} bytes for the InvokeFunction"
            " operation"
        )


def _response_too_large(payload: bytes) -> bytes | None:
    """Lambda's error payload for a synchronous response over the quota (HTTP 200, function
    error Unhandled), or None when the response fits."""
    if len(payload) <= SYNC_RESPONSE_LIMIT:
        return None
    return json.dumps(
        {
            "errorMessage": "Response payload size exceeded maximum allowed payload size"
            f" ({SYNC_RESPONSE_LIMIT} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    ).encode()


def unzipped_size(zip_bytes: bytes) -> int:
    if not zip_bytes:
        return 0
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return sum(info.file_size for info in archive.infolist())


def check_unzipped_size(account_id: str, region: str, code: bytes, layer_arns) -> None:
    """The function's code and layers must fit 250 MB once extracted, as CreateFunction,
    UpdateFunctionCode and UpdateFunctionConfiguration check. AWS's messages (as deployments
    report them): the layers alone over the quota, "Layers consume more than the available size
    of 262144000 bytes"; the code over what the layers leave, "Unzipped size must be smaller
    than <quota - layers> bytes" (InvalidParameterValueException, HTTP 400)."""
    backend = lambda_backends[account_id][region]
    layer_versions = [backend.layers_versions_by_arn(arn) for arn in layer_arns]
    layers = sum(unzipped_size(v.code_bytes) for v in layer_versions if v is not None)
    if layers > UNZIPPED_LIMIT:
        raise InvalidParameterValueException(
            f"Layers consume more than the available size of {UNZIPPED_LIMIT} bytes"
        )
    if unzipped_size(code) > UNZIPPED_LIMIT - layers:
        raise InvalidParameterValueException(
            f"Unzipped size must be smaller than {UNZIPPED_LIMIT - layers} bytes"
        )


def layer_zips(fn: LambdaFunction) -> list[bytes]:
    backend = lambda_backends[fn.account_id][fn.region]
    return [backend.layers_versions_by_arn(layer["Arn"]).code_bytes for layer in fn.layers]


@dataclass
class AsyncEvent:
    """An event in a function's asynchronous queue and the attempts made so far."""

    fn: LambdaFunction
    body: str
    queued: float = field(default_factory=time.monotonic)
    retries: int = 0
    throttles: int = 0


class LambdaService:
    """Invokes functions synchronously or asynchronously, as the Lambda API and triggers do."""

    def __init__(self, runtime: LocalLambdaRuntime, async_workers: int = 8) -> None:
        self.runtime = runtime
        self._async = ThreadPoolExecutor(async_workers, thread_name_prefix="lambda-async")

    def invoke(self, fn: LambdaFunction, event: str) -> Result:
        """Runs the function; raises Throttled past its reserved concurrency."""
        started = time.monotonic()
        try:
            result = self.runtime.invoke(fn, event, layer_zips(fn))
        except Throttled:
            cloudwatch.lambda_throttled(fn)
            raise
        elapsed_ms = (time.monotonic() - started) * 1000
        cloudwatch.lambda_invoked(fn, result.error_type, elapsed_ms, result.logs)
        if _may_write_logs(fn):  # without the grant, Lambda drops the function's logs
            fn.logs_backend.ensure_log_group(fn.logs_group_name)  # Lambda creates it when missing
            fn.save_logs(result.logs)
        return result

    def invoke_async(self, fn: LambdaFunction, event: str) -> None:
        self._async.submit(self._attempt, AsyncEvent(fn, event))

    def _later(self, delay: float, queued: AsyncEvent) -> None:
        """Back into the queue after `delay`, without holding one of the pool's threads."""
        timer = threading.Timer(delay, self._async.submit, (self._attempt, queued))
        timer.daemon = True
        timer.start()

    def _attempt(self, queued: AsyncEvent) -> None:
        fn = queued.fn
        try:
            result = self.invoke(fn, queued.body)
        except Throttled as throttled:
            delay = min(THROTTLE_FIRST_DELAY * 2**queued.throttles, THROTTLE_MAX_DELAY)
            queued.throttles += 1
            if time.monotonic() + delay - queued.queued <= _max_event_age(fn):
                self._later(delay, queued)
                return
            error = {"errorType": "TooManyRequestsException", "errorMessage": str(throttled)}
            result = Result(json.dumps(error), "TooManyRequestsException", "")
        else:
            if result.error_type is None:
                return
            retries = ASYNC_RETRY_DELAYS[: _max_retry_attempts(fn)]
            if queued.retries < len(retries):
                queued.retries += 1
                self._later(retries[queued.retries - 1], queued)
                return
        log.warning("async invocation of %s failed: %s", fn.function_name, result.payload)
        self._dead_letter(fn, queued.body, result)

    @staticmethod
    def _dead_letter(fn: LambdaFunction, event: str, result: Result) -> None:
        target = (getattr(fn, "extra_config", {}).get("DeadLetterConfig") or {}).get("TargetArn")
        if not target:
            return
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": "local"},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": result.payload[:1000]},
        }
        service, region, account, name = arn_parts(target)
        if not _may_dead_letter(fn, service, target, region):
            log.warning("the dead letter of %s is lost: its role may not send it", fn.function_name)
            return
        if service == "sqs":
            from moto.sqs.models import sqs_backends

            sqs_backends[account][region].send_message(name, event, message_attributes=attributes)
        elif service == "sns":
            from moto.sns.models import sns_backends

            sns_backends[account][region].publish(event, arn=target)

    def shutdown(self) -> None:
        self._async.shutdown(wait=False, cancel_futures=True)


def _may_write_logs(fn: LambdaFunction) -> bool:
    group = f"arn:aws:logs:{fn.region}:{fn.account_id}:log-group:{fn.logs_group_name}"
    stream = f"{group}:log-stream:local"
    return all(
        authorization.role_may(fn.role, fn.function_name, action, stream, fn.region)
        for action in ("logs:CreateLogStream", "logs:PutLogEvents")
    )


def _may_dead_letter(fn: LambdaFunction, service: str, target: str, region: str) -> bool:
    """Lambda sends dead letters with the execution role (Lambda developer guide, "Dead-letter
    queues"): sqs:SendMessage or sns:Publish, and the key of a customer-managed-key queue."""
    from moto.sqs.models import sqs_backends

    needs = [("sqs:SendMessage" if service == "sqs" else "sns:Publish", target)]
    if service == "sqs":
        _, _, account, name = arn_parts(target)
        key = customer_managed_key(sqs_backends[account][region].get_queue(name), region)
        needs += [(action, key) for action in ("kms:GenerateDataKey", "kms:Decrypt") if key]
    return all(
        authorization.role_may(fn.role, fn.function_name, action, resource, region)
        for action, resource in needs
    )


def arn_parts(arn: str) -> tuple[str, str, str, str]:
    """Service, region, account and resource (whatever follows the account) of an ARN."""
    _, _, service, region, account, resource = arn.split(":", 5)
    return service, region, account, resource


def _max_retry_attempts(fn: LambdaFunction) -> int:
    for config in fn.event_invoke_config:
        attempts = config.config.get("MaximumRetryAttempts")
        if attempts is not None:
            return int(attempts)
    return len(ASYNC_RETRY_DELAYS)


def _max_event_age(fn: LambdaFunction) -> int:
    for config in fn.event_invoke_config:
        age = config.config.get("MaximumEventAgeInSeconds")
        if age is not None:
            return int(age)
    return MAX_EVENT_AGE


def install(service: LambdaService) -> None:
    """Route moto's invoke paths through the local runtime and keep the settings moto drops."""

    def invoke(self: LambdaFunction, body, request_headers, response_headers):
        invocation_type = request_headers.get("x-amz-invocation-type")
        _check_request_size(body, invocation_type)
        event = body or "{}"
        if invocation_type == "Event":
            service.invoke_async(self, event)
            return ""
        try:
            result = service.invoke(self, event)
        except Throttled:
            raise TooManyRequests() from None
        payload = result.payload.encode()
        too_large = _response_too_large(payload)
        if result.error_type or too_large:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-log-result"] = base64.b64encode(
            result.logs[-4096:].encode()
        ).decode()
        response_headers["x-amz-executed-version"] = str(self.version)
        return too_large or payload

    replace("LambdaFunction.invoke", invoke)
    # moto replaced any response whose sys.getsizeof (length + 33) passed 6,000,000 with
    # Function.ResponseSizeTooLarge, so 5.7 to 6 MiB responses that AWS returns failed locally;
    # invoke above applies the quota itself. `sys` is used by nothing else in that module.
    replace("awslambda.responses.sys", types.SimpleNamespace(getsizeof=lambda payload: 0))

    def __init__(self, account_id, spec, *args, **kwargs):
        original_init(self, account_id, spec, *args, **kwargs)
        layer_arns = [layer["Arn"] for layer in self.layers]
        check_unzipped_size(account_id, self.region, self.code_bytes, layer_arns)
        self.extra_config = {k: spec[k] for k in EXTRA_CONFIG_KEYS if spec.get(k)}

    def update_configuration(self, config_updates):
        if config_updates.get("Layers") is not None:
            check_unzipped_size(
                self.account_id, self.region, self.code_bytes, config_updates["Layers"]
            )
        for key in EXTRA_CONFIG_KEYS:
            if key in config_updates:
                self.extra_config[key] = config_updates[key]
        return original_update(self, config_updates)

    code_fields = ("code_bytes", "code_size", "code_sha_256", "code_digest")

    def update_function_code(self, updated_spec):
        before = {name: getattr(self, name, None) for name in code_fields}, dict(self.code)
        configuration = original_update_code(self, updated_spec)
        try:
            layer_arns = [layer["Arn"] for layer in self.layers]
            check_unzipped_size(self.account_id, self.region, self.code_bytes, layer_arns)
        except InvalidParameterValueException:  # refused: the function keeps its code
            for name, value in before[0].items():
                setattr(self, name, value)
            self.code = before[1]
            raise
        return configuration

    def get_configuration(self, on_create=False):
        config = original_config(self, on_create)
        config.update({k: v for k, v in self.extra_config.items() if v})
        return config

    original_init = replace("LambdaFunction.__init__", __init__)
    original_update = replace("LambdaFunction.update_configuration", update_configuration)
    original_update_code = replace("LambdaFunction.update_function_code", update_function_code)
    original_config = replace("LambdaFunction.get_configuration", get_configuration)
