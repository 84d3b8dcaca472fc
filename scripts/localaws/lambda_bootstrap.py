"""Worker process of the local Lambda runtime: runs one function's handler, warm, like a sandbox.

Started by lambda_runtime.py with the function's interpreter, environment and code directory.
Protocol: after the init phase the worker writes {"ready": true} on the reply descriptor
(LOCALAWS_REPLY_FD); then it reads one JSON request per line on stdin ({"event", "request_id",
"deadline_ms", "log_path"}) and writes one JSON reply per line ({"ok", "payload"}). The output
of each invocation goes to the request's log file, so handler prints never corrupt the protocol.
"""

import importlib
import json
import os
import resource
import sys
import time
import traceback


class LambdaContext:
    """The subset of the Lambda context object that handlers and Powertools read."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["LOCALAWS_FUNCTION_ARN"]
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def load_handler(handler: str):
    module_name, _, function_name = handler.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RuntimeImportError(f"Unable to import module '{module_name}': {exc}") from exc
    try:
        return getattr(module, function_name)
    except AttributeError as exc:
        raise RuntimeImportError(
            f"Handler '{function_name}' missing on module '{module_name}'"
        ) from exc


class RuntimeImportError(Exception):
    """Named like Lambda's Runtime.ImportModuleError, reported with that errorType."""


def error_payload(exc: BaseException) -> dict:
    error_type = type(exc).__name__
    if isinstance(exc, RuntimeImportError):
        error_type = "Runtime.ImportModuleError"
    elif isinstance(exc, MarshalError):
        error_type = "Runtime.MarshalError"
    return {
        "errorMessage": str(exc),
        "errorType": error_type,
        "requestId": "",
        "stackTrace": traceback.format_exception(exc)[1:],
    }


class MarshalError(Exception):
    """Reported as Lambda's Runtime.MarshalError: the handler returned something not JSON."""


def marshal(result) -> str:
    try:
        return json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise MarshalError(f"Unable to marshal response: {exc}") from exc


def redirect_output(log_path: str) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def serve() -> None:
    replies = os.fdopen(int(os.environ.pop("LOCALAWS_REPLY_FD")), "w", buffering=1)
    # Where the runtime cannot mount a sized tmpfs for TMPDIR, EphemeralStorage caps each file.
    file_size_limit = os.environ.pop("LOCALAWS_FILE_SIZE_LIMIT", None)
    if file_size_limit:
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(file_size_limit),) * 2)
    # The init phase, as on Lambda: imports happen before the first request and its timeout.
    try:
        handler, init_error = load_handler(os.environ["_HANDLER"]), None
    except Exception as exc:
        handler, init_error = None, exc
    replies.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        redirect_output(request["log_path"])
        print(f"START RequestId: {request['request_id']}", flush=True)
        try:
            if init_error is not None:
                raise init_error
            context = LambdaContext(request["request_id"], request["deadline_ms"])
            result = handler(json.loads(request["event"]), context)
            reply = {"ok": True, "payload": marshal(result)}
        except Exception as exc:
            payload = error_payload(exc)
            payload["requestId"] = request["request_id"]
            print(json.dumps(payload), file=sys.stderr)
            reply = {"ok": False, "payload": json.dumps(payload)}
        print(f"END RequestId: {request['request_id']}", flush=True)
        sys.stdout.flush()
        sys.stderr.flush()
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    serve()
